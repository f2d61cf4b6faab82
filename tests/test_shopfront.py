"""The demo's counting camera: a synthetic cafe door whose people the real model finds, and the worker's
pipeline on the demo's camera counting them into the cafe's footfall in a real SQLite store, which the
simulator leaves to it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import select

from detectors.model import PersonDetector
from detectors.pipeline import Pipeline, detector_classes
from detectors.publisher import Publisher
from detectors.shopfront import CYCLE_S, DOOR_LINE, VISITS, SyntheticShopDoor
from detectors.sources import Frame, FrameSource
from detectors.worker import outbox_path
from ops_center.config import load_config
from ops_center.simulator.base import SimContext
from ops_center.simulator.commerce import footfall_rows, merchant_rows
from ops_center.store.db import open_store
from ops_center.store.models import Footfall, Merchant
from ops_center.store.writes import footfall_source, insert_ignore
from tests.test_synthetic import _iou

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "demo.yaml"


def side(feet: tuple[float, float]) -> int:
    """+1 on the door's side of DOOR_LINE (above it: the line is level), -1 on the street's."""
    (_, y1), (_, y2) = DOOR_LINE
    assert y1 == y2
    return 1 if feet[1] < y1 else -1


def test_each_cycle_one_person_goes_in_one_comes_out_and_one_walks_past() -> None:
    crossings = []
    for visit in VISITS:
        sides = [side(pose.feet) for t in np.arange(0.0, CYCLE_S, 0.1) if (pose := visit.pose(float(t)))]
        crossings.append([(a, b) for a, b in itertools.pairwise(sides) if a != b])
    assert crossings == [[], [(-1, 1)], [(1, -1)]]
    # the next cycle does the same again
    assert VISITS[0].pose(CYCLE_S + 1.0) == VISITS[0].pose(1.0) is not None


def test_the_demo_counts_the_cafe_with_the_painted_door_and_the_simulator_leaves_it_alone() -> None:
    config = load_config(DEMO, env={})
    camera = config.camera("cafe-door")
    (line,) = camera.lines
    assert camera.source == "synthetic:shop-door" and camera.enabled
    assert [list(p) for p in line.points] == DOOR_LINE and line.in_side == "above"
    assert line.merchant in {m["id"] for m in merchant_rows()}
    assert config.camera_merchants == {line.merchant}
    shanghai = ZoneInfo("Asia/Shanghai")
    noon = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # noon in Shanghai: every shop open
    hour = (noon, noon + timedelta(hours=1))
    simulated = {r["merchant_id"] for r in footfall_rows(SimContext(7, shanghai, camera_merchants={"m12"}), *hour)}
    everything = {r["merchant_id"] for r in footfall_rows(SimContext(7, shanghai), *hour)}
    assert line.merchant == "m12" and "m12" in everything and simulated == everything - {"m12"}


def test_the_shop_door_is_a_synthetic_source() -> None:
    source = FrameSource("synthetic:shop-door")
    try:
        assert source.kind == "synthetic" and source.size == (960, 540)
    finally:
        source.close()


@pytest.mark.model
def test_the_real_model_finds_the_painted_people(model_path: Path) -> None:
    from ultralytics import YOLO

    model = YOLO(str(model_path), task="detect")
    camera = SyntheticShopDoor()
    painted = found = 0
    for t in np.arange(0.5, CYCLE_S, 1.0):
        frame = camera.render(float(t))
        boxes = model.predict(frame, classes=[0], conf=0.35, verbose=False)[0].boxes.xyxyn.cpu().numpy()
        whole = [p for p in camera.people if p.box[0] > 0.0 and p.box[2] < 1.0]
        painted += len(whole)
        found += sum(any(_iou(p.box, tuple(b)) > 0.5 for b in boxes) for p in whole)
    print(f"painted people found: {found}/{painted}")
    assert painted >= CYCLE_S * 0.6 and found >= 0.9 * painted


@pytest.mark.model
def test_the_demos_counting_camera_counts_each_cycle_into_the_cafes_footfall(
    sqlite_url: str, model_path: Path, tmp_path: Path
) -> None:
    """The demo's own camera, through the worker's pipeline and publisher into a real SQLite store, every frame
    a camera processing 5 frames a second gets: over one cycle the shopper who goes in and the one who comes
    out are one count in and one out, in the cafe's bucket of source camera/line; the passer-by is not counted.
    (A worker process paces the synthetic camera to the wall clock: on a loaded machine it processes fewer
    frames than that, so its counts would depend on the machine; the pipeline here is the worker's own.)"""
    overrides = {"store.url": ("--db", sqlite_url), "data_dir": ("--data-dir", str(tmp_path)),
                 "model.path": ("--model", str(model_path))}
    config = load_config(DEMO, env={}, overrides=overrides)
    camera = config.camera("cafe-door")
    (line,) = camera.lines
    model = config.model.model_copy(update={"imgsz": 320})  # the people are large: a quicker run finds them too
    pipeline = Pipeline(camera, PersonDetector(model, detector_classes(camera), threads=1), "run",
                        config.data_dir / "snapshots", tz=ZoneInfo(config.site.timezone))
    store = open_store(sqlite_url)
    with store.session() as s:
        insert_ignore(s, Merchant, merchant_rows())
    publisher = Publisher(sqlite_url, outbox_path(config, camera.id))
    scene = SyntheticShopDoor(fps=camera.fps)
    start = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
    crossings = []
    for index in range(int(CYCLE_S * camera.fps)):
        t = index / camera.fps
        result = pipeline.process(Frame(scene.render(t), index=index, t_s=t, captured_at=start + timedelta(seconds=t)))
        publisher.publish(result.events, result.alarms, [*result.crossings, *result.space_changes])
        crossings += [(c.direction, round(c.t_s or 0)) for c in result.crossings]
    assert publisher.close() == 0
    with store.session() as s:
        rows = [(r.merchant_id, r.source, r.minute, r.count_in, r.count_out) for r in s.scalars(select(Footfall))]
    store.dispose()
    print(f"crossings (direction, second): {crossings}")
    assert [direction for direction, _ in crossings] == ["in", "out"]
    assert rows == [(line.merchant, footfall_source(camera.id, line.name), start, 1, 1)], rows
