"""The editor's core without a browser: shapes <-> geometry, the configuration's rules, the atomic save and its audit."""

from __future__ import annotations

import itertools
import math
import os
import pickle
from pathlib import Path

import pytest
import yaml

from ops_center.camera_geometry import (
    GeometryRefused,
    Item,
    apply_relayout,
    changes,
    geometry_of,
    items_from_camera,
    path_points,
    points_path,
    read_site,
    revision_of,
    save_geometry,
    simplified,
)
from ops_center.config import NoParkingConfig, load_config
from ops_center.config_watch import SiteFile, SiteFileWatch, geometry_update
from ops_center.errors import ConfigError
from ops_center.store.db import open_store
from ops_center.store.models import GeometryChange
from ops_center.store.types import utcnow

SITE = """\
# the lakeside site
site: {name: Lakeside, timezone: Asia/Shanghai}
store: {url: "${DB_URL}"}
cameras:
  - id: lake
    name: Lake
    source: rtsp://admin:${CAM_PASS}@10.0.0.5/stream
    zones:
      - {name: lake-edge, label: Lake edge, polygon: [[0, 0.2], [1, 0.2], [1, 0.55], [0, 0.55]], cooldown_s: 600}
    lines:
      - {name: gate, points: [[0.1, 0.8], [0.9, 0.8]], in_side: below, merchant: bakery}
  - id: garage
    name: Garage
    source: rtsp://10.0.0.6/stream
    spaces:
      - {id: A-B1-001, polygon: [[0.1, 0.1], [0.3, 0.1], [0.3, 0.4], [0.1, 0.4]]}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(SITE)
    return path


def env(tmp_path: Path) -> dict[str, str]:
    return {"DB_URL": f"sqlite:///{tmp_path / 'ops.db'}", "CAM_PASS": "s3cret"}


def uids() -> itertools.count[int]:
    return itertools.count(1)


def test_paths_and_points_round_trip_and_freehand_outlines_are_simplified() -> None:
    assert path_points("M0.1,0.2L0.4,0.2L0.4,0.5Z") == [[0.1, 0.2], [0.4, 0.2], [0.4, 0.5]]
    assert path_points(points_path([[0.1, 0.2], [0.4, 0.2], [0.4, 0.5]])) == [[0.1, 0.2], [0.4, 0.2], [0.4, 0.5]]
    # a mouse drag along three sides of a square, many points each side, closing where it began
    side = [i / 20 for i in range(21)]
    drag = [[0.2 + 0.4 * s, 0.2] for s in side] + [[0.6, 0.2 + 0.4 * s] for s in side] + [[0.6 - 0.4 * s, 0.6] for s in side]
    assert simplified([*drag, drag[0]]) == [[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6]]
    assert simplified([[0.1, 0.5], [0.2, 0.5], [0.3, 0.5], [0.4, 0.5]]) == [[0.1, 0.5], [0.4, 0.5]], "a straight drag"


def test_relayout_adds_drawn_shapes_edits_and_erases_by_name() -> None:
    items = items_from_camera(yaml.safe_load(SITE)["cameras"][0])
    assert [(i.uid, i.kind, i.name) for i in items] == [("zone-0", "zone", "lake-edge"), ("line-0", "line", "gate")]
    counter = uids()

    def new_uid() -> str:
        return f"new-{next(counter)}"

    drawn = apply_relayout(items, {"shapes": [
        {"name": "zone-0", "type": "path", "path": "M0,0.2L1,0.2L1,0.6L0,0.6Z"},
        {"name": "line-0", "type": "line", "x0": 0.1, "y0": 0.8, "x1": 0.9, "y1": 0.8},
        {"type": "path", "path": "M0.5,0.6L0.7,0.6L0.7,0.9Z"},
        {"type": "line", "x0": 0.5, "y0": 0.1, "x1": 0.5, "y1": 0.4},
    ]}, "space", new_uid)
    assert [(i.uid, i.kind, i.name) for i in drawn] == [
        ("zone-0", "zone", "lake-edge"), ("line-0", "line", "gate"), ("new-1", "space", "S-1"), ("new-2", "line", "line-1")]
    assert drawn[0].points[2] == [1.0, 0.6] and drawn[0].fields["cooldown_s"] == 600
    assert drawn[3].fields["in_side"] == "right", "a vertical line's default side fits it"
    moved = apply_relayout(drawn, {"shapes[2].path": "M0.4,0.6L0.6,0.6L0.6,0.9Z", "shapes[1].y1": 0.85}, "zone", new_uid)
    assert moved[2].points == [[0.4, 0.6], [0.6, 0.6], [0.6, 0.9]] and moved[1].points[1] == [0.9, 0.85]
    assert drawn[1].points[1] == [0.9, 0.8], "the items given are not changed"
    erased = apply_relayout(moved, {"shapes": [{"name": "line-0", "type": "line", "x0": 0.1, "y0": 0.8, "x1": 0.9, "y1": 0.85}]},
                            "zone", new_uid)
    assert [i.uid for i in erased] == ["line-0"]
    lane = apply_relayout(erased, {"shapes": [{"name": "line-0", "type": "line", "x0": 0.1, "y0": 0.8, "x1": 0.9, "y1": 0.85},
                                              {"type": "path", "path": "M0.1,0.1L0.3,0.1L0.3,0.3Z"}]}, "no_parking", new_uid)
    assert (lane[1].kind, lane[1].name) == ("no_parking", "no-parking-1")
    assert geometry_of(lane)["no_parking"] == [{"name": "no-parking-1", "polygon": [[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]]}]
    assert Item.from_json(erased[0].to_json()) == erased[0]


def test_a_save_writes_the_camera_keeps_the_rest_and_is_audited(site: Path, tmp_path: Path) -> None:
    text, tree = read_site(site)
    items = items_from_camera(tree["cameras"][0])
    items[0].fields["min_frames"] = "5"  # as the form sends it
    steps = {"name": "steps", "label": "", "severity": "warning"}
    items.append(Item("new-1", "zone", [[0.1, 0.6], [0.4, 0.6], [0.4, 0.9]], steps))
    store = open_store(env(tmp_path)["DB_URL"])
    with store.session() as session:
        saved = save_geometry(session, site, "lake", items, revision=revision_of(text), actor="root", at=utcnow(),
                              env=env(tmp_path))
    written = yaml.safe_load(site.read_text())
    lake = written["cameras"][0]
    assert lake["source"] == "rtsp://admin:${CAM_PASS}@10.0.0.5/stream", "variables stay variables"
    assert written["store"] == {"url": "${DB_URL}"} and written["cameras"][1] == yaml.safe_load(SITE)["cameras"][1]
    assert lake["zones"][0] == {"name": "lake-edge", "label": "Lake edge", "cooldown_s": 600.0, "min_frames": 5,
                                "polygon": [[0, 0.2], [1, 0.2], [1, 0.55], [0, 0.55]]}
    assert lake["zones"][1] == {"name": "steps", "severity": "warning", "polygon": [[0.1, 0.6], [0.4, 0.6], [0.4, 0.9]]}
    assert "spaces" not in lake, "no empty section where there was none"
    assert saved.revision == revision_of(site.read_text())
    config = load_config(site, env(tmp_path))
    assert [z.name for z in config.camera("lake").zones] == ["lake-edge", "steps"]
    assert config.camera("lake").zones[0].min_frames == 5
    with store.session() as session:
        (row,) = session.query(GeometryChange).all()
        assert (row.camera_id, row.actor) == ("lake", "root")
        assert changes(row.before, row.after) == [("zone", "steps", "added"), ("zone", "lake-edge", "changed")]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    store.dispose()


@pytest.mark.parametrize(("points", "message"), [
    ([[0.1, 0.5], [0.3, 0.5], [0.6, 0.5]], "cameras[0].zones[1].polygon: the polygon has no area (its points are on one line)"),
    ([[0.1, 0.5], [0.3, 0.6]], "cameras[0].zones[1].polygon: a polygon needs at least 3 points, got 2"),
    ([[0.1, 0.5], [1.2, 0.5], [0.5, 0.9]], "cameras[0].zones[1].polygon: point 2 (1.2,0.5) is outside 0..1"),
])
def test_a_bad_polygon_is_refused_with_the_configs_message_for_its_item(
    site: Path, tmp_path: Path, points: list[list[float]], message: str
) -> None:
    text, tree = read_site(site)
    items = [*items_from_camera(tree["cameras"][0]), Item("new-1", "zone", points, {"name": "bad"})]
    store = open_store(env(tmp_path)["DB_URL"])
    with pytest.raises(GeometryRefused) as refused, store.session() as session:
        save_geometry(session, site, "lake", items, revision=revision_of(text), actor="root", at=utcnow(), env=env(tmp_path))
    assert refused.value.general == [] and list(refused.value.by_item) == ["new-1"]
    assert refused.value.by_item["new-1"][0].startswith(message)
    assert site.read_text() == text
    with store.session() as session:
        assert session.query(GeometryChange).count() == 0
    store.dispose()


def test_duplicate_names_stale_revisions_and_unknown_cameras_are_refused(site: Path, tmp_path: Path) -> None:
    text, tree = read_site(site)
    items = items_from_camera(tree["cameras"][0])
    twice = [*items, Item("new-1", "zone", [[0.1, 0.6], [0.4, 0.6], [0.4, 0.9]], {"name": "lake-edge"})]
    store = open_store(env(tmp_path)["DB_URL"])
    kwargs = {"actor": "root", "at": utcnow(), "env": env(tmp_path)}
    with pytest.raises(GeometryRefused) as refused, store.session() as session:
        save_geometry(session, site, "lake", twice, revision=revision_of(text), **kwargs)
    assert refused.value.general == ["cameras[0]: duplicate zone name 'lake-edge'"]
    with pytest.raises(ConfigError, match="changed since the editor opened it"), store.session() as session:
        save_geometry(session, site, "lake", items, revision="0" * 16, **kwargs)
    with pytest.raises(ConfigError, match="no camera 'pier'"), store.session() as session:
        save_geometry(session, site, "pier", items, revision=revision_of(text), **kwargs)
    assert site.read_text() == text
    store.dispose()


CRAFTED = {  # what a crafted editor request could save (the form's own inputs hold less): field -> value
    "label": "${CAM_PASS}",  # the camera's password, shown on the wall as the zone's label
    "dwell_s": "inf",  # a zone that never alarms
    "cooldown_s": "1e308",
    "min_frames": "1" + "0" * 30,  # saved, then a 500: the number does not fit the page's state
    "exit_grace_s": "nan",
}


def test_a_crafted_save_cannot_read_the_environment_or_write_what_the_site_cannot_run(
    site: Path, tmp_path: Path, store_url: str
) -> None:
    text, tree = read_site(site)
    lake = items_from_camera(tree["cameras"][0])  # zone-0 (lake-edge), line-0 (gate)
    store = open_store(store_url)
    kwargs = {"revision": revision_of(text), "actor": "root", "at": utcnow(), "env": env(tmp_path)}
    ring = [[0.5 + 0.3 * math.cos(i / 101 * math.tau), 0.5 + 0.3 * math.sin(i / 101 * math.tau)] for i in range(101)]
    crafted = {
        **{f"zone {key}": [Item("zone-0", "zone", lake[0].points, {**lake[0].fields, key: value}), lake[1]]
           for key, value in CRAFTED.items()},
        "a polygon of 101 points": [Item("zone-0", "zone", ring, lake[0].fields), lake[1]],
        "a label of 101 characters": [Item("zone-0", "zone", lake[0].points, {**lake[0].fields, "label": "x" * 101}), lake[1]],
        "a NUL in a label": [lake[0], Item("line-0", "line", lake[1].points, {**lake[1].fields, "label": "door\x00"})],
        "a name of 65 characters": [Item("zone-0", "zone", lake[0].points, {**lake[0].fields, "name": "z" * 65}), lake[1]],
        "201 spaces": [*lake, *(Item(f"s{i}", "space", [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]], {"id": f"S{i}"})
                                for i in range(201))],
    }
    messages = {}
    for what, items in crafted.items():
        with pytest.raises(GeometryRefused) as refused, store.session() as session:
            save_geometry(session, site, "lake", items, **kwargs)
        messages[what] = str(refused.value)
    assert site.read_text() == text, "nothing was written"
    with store.session() as session:
        assert session.query(GeometryChange).count() == 0
    assert messages["zone label"] == ("label: '${CAM_PASS}' would read an environment variable; the editor writes text "
                                      "as it is (a ${...} reference is for the site file, written by hand)")
    assert "s3cret" not in "".join(messages.values())
    assert messages["zone dwell_s"] == "cameras[0].zones[0].dwell_s: Input should be a finite number"
    assert messages["zone min_frames"] == "cameras[0].zones[0].min_frames: Input should be less than or equal to 1000"
    assert messages["a polygon of 101 points"] == "cameras[0].zones[0].polygon: a polygon has at most 100 points, got 101"
    assert messages["a label of 101 characters"].endswith("label: String should have at most 100 characters")
    assert "control character '\\x00'" in messages["a NUL in a label"]
    assert messages["201 spaces"].startswith("cameras[0].spaces: List should have at most 200 items")
    # a reference written in the file by hand stays through a save
    site.write_text(text.replace("label: Lake edge", "label: '${CAM_PASS}'"))
    text, tree = read_site(site)
    with store.session() as session:
        save_geometry(session, site, "lake", items_from_camera(tree["cameras"][0]),
                      **{**kwargs, "revision": revision_of(text)})
    assert "label: ${CAM_PASS}" in site.read_text()
    store.dispose()


def test_the_watch_gives_a_changed_file_once_and_skips_a_broken_one(site: Path, tmp_path: Path) -> None:
    watch = SiteFileWatch(site, lambda: load_config(site, env(tmp_path)), period_s=1.0)
    assert watch.poll(0.0) is None
    text = site.read_text()
    site.write_text(text.replace("cooldown_s: 600", "cooldown_s: 60"))
    assert watch.poll(0.5) is None, "not before its period"
    changed = watch.poll(1.0)
    assert changed is not None and changed.camera("lake").zones[0].cooldown_s == 60
    assert watch.poll(2.0) is None, "once per change"
    os.utime(site)  # touched, same contents
    assert watch.poll(3.0) is None
    site.write_text(text.replace("in_side: below", "in_side: sideways"))
    assert watch.poll(4.0) is None, "a file that does not load is skipped"
    lake = changed.camera("lake")
    assert geometry_update(lake, lake) is None
    lane = NoParkingConfig(name="fire-lane", polygon=[[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]])
    updated = geometry_update(lake, lake.model_copy(update={"source": "rtsp://elsewhere", "zones": [], "no_parking": [lane]}))
    assert updated is not None and updated.zones == [] and updated.no_parking == [lane]
    assert updated.source == lake.source, "only the geometry is taken"


def test_a_site_file_loads_anywhere_as_it_was_loaded_and_a_restarted_watcher_catches_up(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPS_DATA_DIR", str(tmp_path / "data"))
    shipped = pickle.loads(pickle.dumps(SiteFile.pinned(site, {"model.path": ("--model", "other.onnx")})))
    monkeypatch.delenv("OPS_DATA_DIR")  # a Ray node started without it: the starter's value is pinned
    loaded = shipped.load()
    assert loaded.data_dir == tmp_path / "data" and loaded.model.path == "other.onnx"

    watch = shipped.watch(period_s=1.0)
    assert watch.poll(0.0) is None, "a worker started from the file as it is"
    site.write_text(site.read_text().replace("cooldown_s: 600", "cooldown_s: 60"))
    restarted = shipped.watch(period_s=1.0, report_first=True)  # a camera actor started again with its first config
    first = restarted.poll(0.0)
    assert first is not None and first.camera("lake").zones[0].cooldown_s == 60
    assert restarted.poll(1.0) is None, "then once per change"
    lake = loaded.camera("lake")
    updated = geometry_update(lake, first.camera("lake"))
    assert updated is not None and updated.zones[0].cooldown_s == 60
