"""Parking spaces in the JSON format that Ultralytics' ``ParkingPtsSelection`` writes.

A list of ``{"points": [[x, y], [x, y], [x, y], [x, y]]}`` in source pixels, each with an optional
``"id"`` (the space's id in the store); a space without one is known by its 1-based position in the
list. Reading checks the format; ``spaces_in_frame`` turns the pixels into fractions of a frame of
known size, as the rest of Ops Center uses them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ops_center.config import CameraConfig, SpaceConfig
from ops_center.errors import ConfigError

POINTS = 4


@dataclass(frozen=True, slots=True)
class DrawnSpace:
    """One space as drawn: its id (or 1-based position) and its corners in source pixels."""

    id: str
    points: tuple[tuple[float, float], ...]


def read_parking_points(path: Path) -> list[DrawnSpace]:
    """The spaces in ``path``; ``ValueError`` naming the file, the space and the problem when it is not that format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: file not found") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read it: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, list) or not data:
        raise ValueError(f'{path}: expected a list of spaces, each {{"points": [[x, y] x {POINTS}]}}')
    spaces = [_space(path, i, item) for i, item in enumerate(data)]
    seen: set[str] = set()
    for space in spaces:
        if space.id in seen:
            raise ValueError(f"{path}: duplicate space id {space.id!r}")
        seen.add(space.id)
    return spaces


def _space(path: Path, index: int, item: object) -> DrawnSpace:
    where = f"{path}: space {index + 1}"
    if not isinstance(item, dict) or "points" not in item:
        raise ValueError(f'{where}: expected {{"points": [[x, y] x {POINTS}]}}, got {item!r}'[:200])
    unknown = set(item) - {"points", "id"}
    if unknown:
        raise ValueError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    points = item["points"]
    if not isinstance(points, list) or len(points) != POINTS:
        raise ValueError(f"{where}: 'points' needs {POINTS} [x, y] pairs")
    corners = []
    for p in points:
        if not (isinstance(p, list) and len(p) == 2 and all(_is_number(v) for v in p)):
            raise ValueError(f"{where}: point {p!r} is not a pair of numbers [x, y]")
        corners.append((float(p[0]), float(p[1])))
    space_id = item.get("id", str(index + 1))
    if not isinstance(space_id, (str, int)) or isinstance(space_id, bool) or not str(space_id).strip():
        raise ValueError(f"{where}: 'id' must be a non-empty text or number, got {space_id!r}")
    return DrawnSpace(id=str(space_id).strip(), points=tuple(corners))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def spaces_in_frame(drawn: Sequence[DrawnSpace], size: tuple[int, int], min_frames: int = 3) -> list[SpaceConfig]:
    """``drawn`` as spaces in fractions of a ``(width, height)`` frame; ``ValueError`` for a corner outside it."""
    width, height = size
    spaces = []
    for space in drawn:
        for x, y in space.points:
            if not (0 <= x <= width and 0 <= y <= height):
                raise ValueError(
                    f"space {space.id}: point ({x:g},{y:g}) is outside the {width}x{height} frame; "
                    "were the spaces drawn on another camera's picture?"
                )
        polygon = [[x / width, y / height] for x, y in space.points]
        try:
            spaces.append(SpaceConfig(id=space.id, polygon=polygon, min_frames=min_frames))
        except ValueError as exc:
            raise ValueError(f"space {space.id}: {_first_problem(exc)}") from None
    return spaces


def _first_problem(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return str(errors()[0]["msg"]).removeprefix("Value error, ")
    return str(exc)


def with_drawn_spaces(camera: CameraConfig, size: tuple[int, int]) -> CameraConfig:
    """``camera`` with the spaces of its ``spaces_file`` (if any) in fractions of its ``(width, height)`` frame."""
    if camera.spaces_file is None:
        return camera
    try:
        spaces = spaces_in_frame(read_parking_points(camera.spaces_file), size)
    except ValueError as exc:
        raise ConfigError(f"camera {camera.id}: spaces_file {camera.spaces_file}: {exc}") from None
    return camera.model_copy(update={"spaces": spaces, "spaces_file": None})


def watched_spaces(cameras: Sequence[CameraConfig]) -> dict[str, list[str]]:
    """Space id -> the enabled cameras that watch it (their ``spaces`` and the ids in their ``spaces_file``)."""
    watched: dict[str, list[str]] = {}
    for camera in cameras:
        if not camera.enabled:
            continue
        ids = [s.id for s in camera.spaces]
        if camera.spaces_file is not None:
            ids += [s.id for s in read_parking_points(camera.spaces_file)]
        for space_id in ids:
            watched.setdefault(space_id, []).append(camera.id)
    return watched
