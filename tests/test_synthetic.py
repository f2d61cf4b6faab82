"""The synthetic lakeside camera: the real model finds the painted people, one of them wades into
LAKE_ZONE once a cycle while the walkers on the path stay outside it, and frames are deterministic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.synthetic import LAKE_ZONE, PaintedPerson, SyntheticLakeside, cast, water_edge_y
from ops_center.config import load_config
from ops_center.geometry import point_in_polygon

ROOT = Path(__file__).resolve().parents[1]
STEP_S = 0.5  # camera seconds between the frames the model looks at


@dataclass
class Looked:
    """One frame the model looked at: its time, what was painted and what was detected."""

    t: float
    frame: np.ndarray
    painted: list[PaintedPerson]
    detected: list[tuple[float, float, float, float]]


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _feet(box: tuple[float, ...]) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2.0, box[3])


@pytest.fixture(scope="module")
def one_cycle(model_path: Path) -> tuple[SyntheticLakeside, list[Looked]]:
    """The real model run on a frame every half second through one full lake cycle."""
    from ultralytics import YOLO

    model = YOLO(str(model_path), task="detect")
    camera = SyntheticLakeside(seed=0)
    looked = []
    for t in np.arange(0.0, camera.cycle_s, STEP_S):
        frame = camera.render(float(t))
        result = model.predict(frame, classes=[0], conf=0.35, verbose=False)[0]
        scale = np.array([camera.width, camera.height, camera.width, camera.height], np.float32)
        boxes = [tuple(float(v) for v in b / scale) for b in result.boxes.xyxy.cpu().numpy()]
        looked.append(Looked(float(t), frame, list(camera.people), boxes))
    return camera, looked


def _whole(person: PaintedPerson) -> bool:
    """Painted fully inside the frame (not a sliver entering at the side)."""
    x1, _, x2, _ = person.box
    return x1 > 0.0 and x2 < 1.0


@pytest.mark.model
def test_real_model_finds_the_painted_people(one_cycle: tuple[SyntheticLakeside, list[Looked]]) -> None:
    _, looked = one_cycle
    whole = [(p, f) for f in looked for p in f.painted if _whole(p)]
    found = [p for p, f in whole if any(_iou(p.box, d) > 0.5 for d in f.detected)]
    frames_with_people = [f for f in looked if f.detected]
    print(f"painted people found: {len(found)}/{len(whole)}; frames with a person: {len(frames_with_people)}/{len(looked)}")
    assert len(whole) > len(looked)  # more than one person on screen on average
    assert len(found) >= 0.85 * len(whole)
    assert len(frames_with_people) >= 0.9 * len(looked)


@pytest.mark.model
def test_one_person_wades_into_the_lake_zone_and_the_walkers_stay_out(
    one_cycle: tuple[SyntheticLakeside, list[Looked]], output_dir: Path
) -> None:
    camera, looked = one_cycle
    in_zone = [(f, d) for f in looked for d in f.detected if point_in_polygon(*_feet(d), LAKE_ZONE)]
    times = sorted({f.t for f, _ in in_zone})
    print(f"cycle {camera.cycle_s:.1f} s; feet detected in LAKE_ZONE at t = {times[0]:.1f}..{times[-1]:.1f} s")
    assert len(times) >= 6  # stays a few seconds (frames every STEP_S)
    # every box in the zone is the wader, painted with the feet in the water
    for f, d in in_zone:
        wader = max(f.painted, key=lambda p: _iou(p.box, d))
        assert wader.in_lake and _iou(wader.box, d) > 0.4, f"t={f.t}: box {d} in the zone is nobody in the water"
    # the walkers on the path, detected, have their feet outside
    on_path = [
        (f, d) for f in looked for p in f.painted if not p.in_lake for d in f.detected if _iou(p.box, d) > 0.5
    ]
    assert len(on_path) > 100
    assert not any(point_in_polygon(*_feet(d), LAKE_ZONE) for _, d in on_path)

    sample, _ = in_zone[len(in_zone) // 2]
    picture = sample.frame.copy()
    h, w = picture.shape[:2]
    zone = (np.array(LAKE_ZONE) * [w, h]).astype(np.int32)
    cv2.polylines(picture, [zone], True, (0, 255, 255), 2)
    for d in sample.detected:
        x1, y1, x2, y2 = (int(v * s) for v, s in zip(d, (w, h, w, h), strict=True))
        inside = point_in_polygon(*_feet(d), LAKE_ZONE)
        cv2.rectangle(picture, (x1, y1), (x2, y2), (0, 0, 255) if inside else (0, 200, 0), 2)
        cv2.circle(picture, ((x1 + x2) // 2, y2), 4, (0, 0, 255) if inside else (0, 200, 0), -1)
    cv2.imwrite(str(output_dir / "synthetic_lakeside.png"), picture)


def test_walkers_feet_never_enter_the_lake_zone() -> None:
    strollers, wader = cast(seed=0, aspect=540 / 960)
    for t in np.arange(0.0, 120.0, 0.25):
        for s in strollers:
            assert not point_in_polygon(*s.pose(float(t)).feet, LAKE_ZONE)
    start, end = wader.lake_window()
    mid = wader.pose(wader.start_s + (start + end) / 2)
    assert mid is not None and point_in_polygon(*mid.feet, LAKE_ZONE)
    assert mid.feet[1] < water_edge_y(mid.feet[0])
    assert 30.0 <= wader.cycle_s <= 60.0 and 3.0 <= end - start <= 10.0


def test_frames_are_deterministic_and_advance_by_one_over_fps() -> None:
    a, b = SyntheticLakeside(fps=5.0, seed=3), SyntheticLakeside(fps=5.0, seed=3)
    frames_a = [a.read()[1] for _ in range(3)]
    frames_b = [b.read()[1] for _ in range(3)]
    for fa, fb in zip(frames_a, frames_b, strict=True):
        assert fa is not None and fb is not None and np.array_equal(fa, fb)
    assert np.array_equal(frames_a[2], a.render(2 / 5.0))
    other = SyntheticLakeside(fps=5.0, seed=4).read()[1]
    assert other is not None and not np.array_equal(frames_a[0], other)


def test_behaves_like_a_video_capture() -> None:
    cam = SyntheticLakeside(fps=8.0, width=640, height=360)
    assert cam.isOpened()
    assert cam.get(cv2.CAP_PROP_FPS) == 8.0
    assert (cam.get(cv2.CAP_PROP_FRAME_WIDTH), cam.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (640.0, 360.0)
    ok, frame = cam.read()
    assert ok and frame is not None and frame.shape == (360, 640, 3) and frame.dtype == np.uint8
    # the lake is textured water, not one flat colour
    water = frame[int(0.3 * 360) : int(0.45 * 360)]
    assert water.reshape(-1, 3).std(axis=0).min() > 3.0
    cam.release()
    assert not cam.isOpened()
    assert cam.read() == (False, None)


def test_demo_config_watches_the_painted_lake() -> None:
    config = load_config(ROOT / "config" / "demo.yaml", env={})
    camera = config.camera("lake-east")
    assert camera.source == "synthetic:lakeside"
    (zone,) = camera.zones
    assert [list(p) for p in zone.polygon] == LAKE_ZONE
    assert config.simulator.enabled and config.simulator.history_days == 30
    assert config.data_dir == (ROOT / "data").resolve()
