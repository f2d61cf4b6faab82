"""A camera's zones, lines, parking spaces and no-parking areas as the editor handles them, and saving them.

The editor draws on the camera's frame with Plotly shapes in fractions of the frame (x from the
left, y from the top): a closed path for a zone, a space or a no-parking area (``"M0.1,0.2L0.4,0.2L0.4,0.5Z"``), a
line shape for a counting line. Each drawn thing is an ``Item`` (kind, points, the other keys as
the file has them or as the form gives them); ``items_from_camera`` reads them from the site
file's camera section, ``apply_relayout`` follows what the admin drew, moved or erased, and
``geometry_of`` turns them back into the camera's ``zones``, ``lines``, ``spaces`` and ``no_parking``.

``save_geometry`` checks them with the configuration's own rules (``ops_center.config``: the same
messages as ``load_config``, each given to the item it concerns), writes the file atomically (a
temporary file in the same folder, then a rename; other keys and cameras kept, ``${VAR}`` kept as
written; comments are lost, since PyYAML does not read them) and records who changed what in the
store's ``geometry_changes`` in the same transaction. Workers notice the new file by themselves
(``ops_center.config_watch``).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ops_center.config import (
    ENV_REF,
    LineConfig,
    NoParkingConfig,
    SpaceConfig,
    ZoneConfig,
    format_loc,
    parse_site_text,
    site_problems,
)
from ops_center.errors import ConfigError, OpsError
from ops_center.store.models import GeometryChange

Kind = Literal["zone", "line", "space", "no_parking"]
KINDS: tuple[Kind, ...] = ("zone", "line", "space", "no_parking")
SECTION: dict[Kind, str] = {"zone": "zones", "line": "lines", "space": "spaces", "no_parking": "no_parking"}
POINTS_KEY: dict[Kind, str] = {"zone": "polygon", "line": "points", "space": "polygon", "no_parking": "polygon"}
MODEL: dict[Kind, type[BaseModel]] = {"zone": ZoneConfig, "line": LineConfig, "space": SpaceConfig,
                                      "no_parking": NoParkingConfig}
NAME_KEY: dict[Kind, str] = {"zone": "name", "line": "name", "space": "id", "no_parking": "name"}
FIELDS: dict[Kind, tuple[str, ...]] = {  # what the editor's form shows, in its order
    "zone": ("name", "label", "severity", "min_frames", "dwell_s", "cooldown_s", "exit_grace_s"),
    "line": ("name", "label", "in_side", "merchant", "min_frames", "margin", "lost_grace_s"),
    "space": ("id", "min_frames"),
    "no_parking": ("name", "label", "severity", "max_stand_s", "min_frames"),
}
NEW_NAME: dict[Kind, str] = {"zone": "zone", "line": "line", "space": "S", "no_parking": "no-parking"}
DECIMALS = 4  # a point is kept to 1/10000 of the frame
SIMPLIFY = 0.003  # a freehand outline loses the points closer than this to the outline without them
_NUMBER = r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
_PATH_POINT = re.compile(rf"[ML]\s*({_NUMBER})\s*,\s*({_NUMBER})")

Point = list[float]


@dataclass
class Item:
    """One zone, line or space in the editor: ``uid`` names its shape on the figure."""

    uid: str
    kind: Kind
    points: list[Point]
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Its name (a space: its id), or '' while it has none."""
        return str(self.fields.get(NAME_KEY[self.kind]) or "")

    def to_json(self) -> dict[str, Any]:
        """The item as the page keeps it."""
        return {"uid": self.uid, "kind": self.kind, "points": self.points, "fields": self.fields}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        """An item the page kept; ``ValueError`` when it is not one."""
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        points = [[float(x), float(y)] for x, y in data["points"]]
        fields = data.get("fields") or {}
        if not isinstance(fields, dict):
            raise ValueError("fields: not a mapping")
        return cls(str(data["uid"]), kind, points, dict(fields))


class GeometryRefused(OpsError):
    """The configuration refuses what the editor would save: messages per item uid, and for the camera."""

    def __init__(self, by_item: dict[str, list[str]], general: list[str]) -> None:
        self.by_item, self.general = by_item, general
        super().__init__("; ".join([*general, *(m for ms in by_item.values() for m in ms)]))


@dataclass(frozen=True)
class Saved:
    """What a save changed: the camera's geometry before and after, and the file's new revision."""

    before: dict[str, list[dict[str, Any]]]
    after: dict[str, list[dict[str, Any]]]
    revision: str


# -- the site file ---------------------------------------------------------------------------------


def revision_of(text: str) -> str:
    """A short fingerprint of the file's text: the editor saves only over the text it was opened on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_site(path: Path) -> tuple[str, dict[str, Any]]:
    """The site file's text and YAML tree (``ConfigError`` when it cannot be read or is not a site file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}") from None
    return text, parse_site_text(text, path)


def camera_index(tree: Mapping[str, Any], camera_id: str) -> int:
    """Where the camera ``camera_id`` is in the file's ``cameras``; ``ConfigError`` when it is not there."""
    cameras = tree.get("cameras") or []
    for i, cam in enumerate(cameras):
        if isinstance(cam, dict) and cam.get("id") == camera_id:
            return i
    raise ConfigError(f"no camera {camera_id!r} in the configuration file")


def items_from_camera(camera: Mapping[str, Any]) -> list[Item]:
    """The zones, lines and spaces of a camera section of the file, in that order."""
    items = []
    for kind in KINDS:
        for i, entry in enumerate(camera.get(SECTION[kind]) or []):
            fields = {k: v for k, v in entry.items() if k != POINTS_KEY[kind]}
            points = [[float(x), float(y)] for x, y in entry.get(POINTS_KEY[kind]) or []]
            items.append(Item(f"{kind}-{i}", kind, points, fields))
    return items


def with_fields(items: Sequence[Item], values: Iterable[tuple[str, str, Any]]) -> list[Item]:
    """The items with the form's ``(uid, field, value)`` entries in their fields (``ValueError`` for a field
    the item's kind does not have in the form)."""
    result = {item.uid: Item(item.uid, item.kind, item.points, dict(item.fields)) for item in items}
    for uid, name, value in values:
        item = result.get(uid)
        if item is None:
            continue  # a row of an item removed in the same moment
        if name not in FIELDS[item.kind] or not (value is None or isinstance(value, str)):
            raise ValueError(f"{uid}: no form field {name!r} with a text value")
        item.fields[name] = value
    return list(result.values())


def geometry_of(items: Sequence[Item]) -> dict[str, list[dict[str, Any]]]:
    """The camera's ``zones``, ``lines`` and ``spaces`` as the file holds them; empty form fields are left
    out (the configuration's default applies)."""
    geometry: dict[str, list[dict[str, Any]]] = {SECTION[k]: [] for k in KINDS}
    for item in items:
        entry = {k: (v.strip() if isinstance(v, str) else v) for k, v in item.fields.items()}
        entry = {k: v for k, v in entry.items() if v not in ("", None)}
        entry[POINTS_KEY[item.kind]] = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in item.points]
        geometry[SECTION[item.kind]].append(entry)
    return geometry


def save_geometry(
    session: Session,
    path: Path,
    camera_id: str,
    items: Sequence[Item],
    *,
    revision: str,
    actor: str,
    at: datetime,
    env: Mapping[str, str],
) -> Saved:
    """Write the camera's zones, lines and spaces into the site file ``path`` and audit it in ``session``.

    Refused (nothing written) with ``GeometryRefused`` when the configuration's rules refuse them or a
    field would write a ``${VAR}`` reference the camera's section does not already hold, and
    with ``ConfigError`` when the file changed since the editor read it (``revision``). The audit row
    is flushed before the file is replaced, so a store that cannot take it leaves the file as it was.
    """
    text, tree = read_site(path)
    if revision_of(text) != revision:
        raise ConfigError(f"{path} changed since the editor opened it; reload the page and draw again")
    index = camera_index(tree, camera_id)
    camera = tree["cameras"][index]
    before = geometry_of(items_from_camera(camera))
    if by_item := _new_env_references(items, before):
        raise GeometryRefused(by_item, [])
    tree["cameras"][index] = _with_geometry(camera, geometry_of(items))
    if found := site_problems(tree, path, env):
        raise _refusal(found, index, items)
    after = _normalised(geometry_of(items))
    tree["cameras"][index] = _with_geometry(camera, after)
    new_text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=120)
    session.add(GeometryChange(camera_id=camera_id, actor=actor, at=at, before=before, after=after))
    session.flush()
    replace_file(path, new_text)
    return Saved(before, after, revision_of(new_text))


def _new_env_references(items: Sequence[Item], before: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Messages for the fields that would write a ``${VAR}`` the camera's section does not already hold:
    the editor's user would otherwise read the server's environment (a camera password, the store's
    URL) in a label on the wall. References written in the file by hand stay as they are."""
    written = {v for entries in before.values() for entry in entries for v in entry.values() if isinstance(v, str)}
    found: dict[str, list[str]] = {}
    for item in items:
        for name, value in item.fields.items():
            if isinstance(value, str) and ENV_REF.search(value) and value not in written:
                found.setdefault(item.uid, []).append(
                    f"{name}: {value!r} would read an environment variable; the editor writes text as it is "
                    "(a ${...} reference is for the site file, written by hand)")
    return found


def _with_geometry(camera: Mapping[str, Any], geometry: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The camera section with its geometry replaced; an empty section it did not have stays out."""
    return {**camera, **{section: entries for section, entries in geometry.items() if entries or section in camera}}


def _normalised(geometry: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Each entry as its model reads it (numbers as numbers), with the keys it was given."""
    kind_of = {SECTION[k]: k for k in KINDS}
    return {
        section: [MODEL[kind_of[section]].model_validate(e).model_dump(mode="json", include=set(e)) for e in entries]
        for section, entries in geometry.items()
    }


def _refusal(found: Sequence[tuple[tuple[Any, ...], str]], index: int, items: Sequence[Item]) -> GeometryRefused:
    """The configuration's messages, each given to the item its key path names."""
    by_section: dict[tuple[str, int], str] = {}
    counters = dict.fromkeys(SECTION.values(), 0)
    for item in items:
        section = SECTION[item.kind]
        by_section[(section, counters[section])] = item.uid
        counters[section] += 1
    by_item: dict[str, list[str]] = {}
    general = []
    for loc, message in found:
        text = f"{format_loc(loc)}: {message}"
        uid = by_section.get((loc[2], loc[3])) if loc[:2] == ("cameras", index) and len(loc) >= 4 else None
        if uid is None:
            general.append(text)
        else:
            by_item.setdefault(uid, []).append(text)
    return GeometryRefused(by_item, general)


def replace_file(path: Path, text: str) -> None:
    """Replace ``path``'s contents with ``text`` atomically: a reader sees the old file or the new one."""
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- shapes on the figure ----------------------------------------------------------------------------


def path_points(path: str) -> list[Point]:
    """The points of an SVG path as Plotly draws a closed shape (``M x,y L x,y ... Z``)."""
    return [[float(x), float(y)] for x, y in _PATH_POINT.findall(path)]


def points_path(points: Sequence[Sequence[float]]) -> str:
    """A closed SVG path through ``points``."""
    return "M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z"


def simplified(points: Sequence[Sequence[float]], tolerance: float = SIMPLIFY) -> list[Point]:
    """A freehand outline with fewer points: rounded, repeats dropped, then Ramer-Douglas-Peucker."""
    pts: list[Point] = []
    for x, y in points:
        p = [round(x, DECIMALS), round(y, DECIMALS)]
        if not pts or p != pts[-1]:
            pts.append(p)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) <= 3:
        return pts
    return _rdp(pts, tolerance)


def _rdp(pts: list[Point], tolerance: float) -> list[Point]:
    (x1, y1), (x2, y2) = pts[0], pts[-1]
    length = math.hypot(x2 - x1, y2 - y1)

    def distance(p: Point) -> float:
        if length == 0:
            return math.hypot(p[0] - x1, p[1] - y1)
        return abs((x2 - x1) * (y1 - p[1]) - (x1 - p[0]) * (y2 - y1)) / length

    far, i = max((distance(p), i) for i, p in enumerate(pts[1:-1], 1)) if len(pts) > 2 else (0.0, 0)
    if far <= tolerance:
        return [pts[0], pts[-1]]
    return _rdp(pts[: i + 1], tolerance)[:-1] + _rdp(pts[i:], tolerance)


def shape_points(shape: Mapping[str, Any]) -> list[Point]:
    """The points of a Plotly shape: a path's corners, or a line's two ends."""
    if shape.get("type") == "line":
        return [[float(shape["x0"]), float(shape["y0"])], [float(shape["x1"]), float(shape["y1"])]]
    return simplified(path_points(str(shape["path"])))


def new_item(shape: Mapping[str, Any], drawing: Kind, items: Sequence[Item], uid: str) -> Item:
    """The item a newly drawn shape is: a line shape a counting line, a closed path what the admin is
    drawing (a zone, a space or a no-parking area), each with a name not yet taken on the camera."""
    kind: Kind = "line" if shape.get("type") == "line" else ("zone" if drawing == "line" else drawing)
    points = shape_points(shape)
    taken = {i.name for i in items if i.kind == kind}
    prefix = NEW_NAME[kind]
    name = next(f"{prefix}-{n}" for n in range(1, len(taken) + 2) if f"{prefix}-{n}" not in taken)
    fields: dict[str, Any] = {NAME_KEY[kind]: name}
    if kind == "line":
        (x1, _), (x2, _) = points
        fields["in_side"] = "right" if x1 == x2 else "below"
    return Item(uid, kind, points, fields)


_EDIT_KEY = re.compile(r"^shapes\[(\d+)\]\.(path|x0|y0|x1|y1)$")


def apply_relayout(
    items: Sequence[Item], relayout: Mapping[str, Any], drawing: Kind, make_uid: Callable[[], str]
) -> list[Item]:
    """The items after the figure's ``relayoutData``: a full ``shapes`` list (a shape drawn or erased;
    shapes are matched by their ``name``, the item's uid) or edits of one shape (``shapes[2].path``,
    ``shapes[1].x0``...; shapes are in the items' order)."""
    if "shapes" in relayout:
        by_uid = {item.uid: item for item in items}
        result: list[Item] = []
        for shape in relayout["shapes"] or []:
            known = by_uid.get(str(shape.get("name") or ""))
            if known is None:
                result.append(new_item(shape, drawing, [*items, *result], make_uid()))
            else:
                result.append(Item(known.uid, known.kind, shape_points(shape), known.fields))
        return result
    result = [Item(i.uid, i.kind, [list(p) for p in i.points], dict(i.fields)) for i in items]
    for key, value in relayout.items():
        match = _EDIT_KEY.match(key)
        if match is None or int(match.group(1)) >= len(result):
            continue
        item, prop = result[int(match.group(1))], match.group(2)
        if prop == "path":
            item.points = simplified(path_points(str(value)))
        elif item.kind == "line":
            item.points[int(prop[1])][0 if prop[0] == "x" else 1] = float(value)
    return result


def changes(before: Mapping[str, Sequence[Mapping[str, Any]]],
            after: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[tuple[Kind, str, str]]:
    """What a save did, for the audit list: (kind, name, ``added`` | ``changed`` | ``removed``) each."""
    out: list[tuple[Kind, str, str]] = []
    for kind in KINDS:
        old = {str(e.get(NAME_KEY[kind])): e for e in before.get(SECTION[kind], [])}
        new = {str(e.get(NAME_KEY[kind])): e for e in after.get(SECTION[kind], [])}
        out += [(kind, name, "added") for name in new if name not in old]
        out += [(kind, name, "changed") for name in new if name in old and new[name] != old[name]]
        out += [(kind, name, "removed") for name in old if name not in new]
    return out
