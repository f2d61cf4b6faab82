"""Motion gating: the gate's rules on made frames, and gated runs raising the same alarms (danger zone and
no-parking), line counts and space changes as ungated ones on every shared clip and on still-heavy footage made
from one, with the real model."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from bench.still_footage import sampled_frames, still_heavy
from detectors.detection import Detection
from detectors.gate import MotionGate, distance_to_region
from detectors.model import PersonModel, PersonTracker
from detectors.pipeline import Pipeline, detector_classes
from detectors.sources import Frame
from ops_center.config import (
    CameraConfig,
    LineConfig,
    ModelConfig,
    MotionConfig,
    NoParkingConfig,
    SpaceConfig,
    ZoneConfig,
)
from ops_center.store.types import utcnow

# a worker walks into a marked zone on a still warehouse floor (a lake shore at 5 frames a second moves its
# walkers further than their own width between frames, too far for ByteTrack to follow)
STILL_SOURCE = "danger_zone_worker_zone_intel_480x270.gif"
LOWER_HALF = ((0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0))
CLIPS = [
    "lake_proxy_beach_shore_360x180_4s.mp4",
    "fixture_towncentre_640x360_24f.mp4",
    "parking_lot_cctv_day_576x320_4s.mp4",
    "footfall_mall_entrance_640x360_15s.mp4",
    "footfall_overhead_concourse_bw_854x480_14s.mp4",
    "danger_zone_worker_zone_intel_480x270.gif",
    "footfall_store_aisle_intel_480x270.gif",
    "parking_lot_cctv_timelapse_640x480_8s.mp4",
    "pedestrians_oxford_towncentre_1080p_10s.mp4",
]


def still_scene(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(60, 200, (180, 320, 3), dtype=np.uint8)


def noisy(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(image + rng.normal(0, 2, image.shape), 0, 255).astype(np.uint8)


def with_blob(image: np.ndarray, x: int, y: int) -> np.ndarray:
    out = image.copy()
    out[y : y + 30, x : x + 15] = 250
    return out


def person_at(x: float, y: float, track_id: int = 1) -> Detection:
    return Detection(box=(x - 0.02, y - 0.1, x + 0.02, y), confidence=0.9, track_id=track_id)


def step(gate: MotionGate, image: np.ndarray, t_s: float, tracked: list[Detection]) -> bool:
    """One frame through the gate, as the pipeline does it: ask, and say when the detector ran."""
    run = gate.should_detect(image, t_s, tracked)
    if run:
        gate.ran(t_s)
    return run


def test_a_still_noisy_scene_runs_the_detector_only_every_few_seconds() -> None:
    gate = MotionGate(MotionConfig(max_gap_s=2.0), [LOWER_HALF])
    rng = np.random.default_rng(1)
    scene = still_scene()
    runs = [step(gate, noisy(scene, rng), i / 5, []) for i in range(50)]  # 10 s at 5 frames a second
    assert [i for i, run in enumerate(runs) if run] == [0, 10, 20, 30, 40]
    assert gate.share_inferred == pytest.approx(5 / 50)


def test_motion_runs_the_detector_unless_it_is_masked() -> None:
    scene = still_scene()
    gate = MotionGate(MotionConfig(), [])
    assert step(gate, scene, 0.0, [])
    assert not step(gate, scene, 0.2, [])
    assert step(gate, with_blob(scene, 40, 40), 0.4, [])  # something appeared top left

    masked = MotionGate(MotionConfig(masks=[((0, 0), (0.5, 0), (0.5, 0.5), (0, 0.5))]), [])  # a tree top left
    assert step(masked, scene, 0.0, [])
    assert not step(masked, with_blob(scene, 40, 40), 0.2, [])
    assert step(masked, with_blob(scene, 240, 120), 0.4, [])  # the same, bottom right


def test_a_tracked_person_in_or_near_a_region_keeps_the_detector_on() -> None:
    scene = still_scene()
    line = ((0.2, 0.3), (0.8, 0.3))
    gate = MotionGate(MotionConfig(near=0.1), [LOWER_HALF, line])
    assert step(gate, scene, 0.0, [])
    assert not step(gate, scene, 0.2, [person_at(0.5, 0.1)])  # far from both
    assert step(gate, scene, 0.4, [person_at(0.5, 0.45)])  # near the zone
    assert step(gate, scene, 0.6, [person_at(0.5, 0.7)])  # in it
    assert step(gate, scene, 0.8, [person_at(0.5, 0.35)])  # near the line
    car = Detection(box=(0.4, 0.6, 0.6, 0.8), confidence=0.9, track_id=2, class_id=2)
    assert not step(gate, scene, 1.0, [car])  # only persons keep it on


def test_a_disabled_gate_runs_the_detector_on_every_frame() -> None:
    gate = MotionGate(MotionConfig(enabled=False), [])
    scene = still_scene()
    assert all(step(gate, scene, i / 5, []) for i in range(20))


def test_distance_to_a_region() -> None:
    assert distance_to_region((0.5, 0.7), LOWER_HALF) == 0.0
    assert distance_to_region((0.5, 0.4), LOWER_HALF) == pytest.approx(0.1)
    assert distance_to_region((0.1, 0.5), ((0.2, 0.3), (0.8, 0.3))) == pytest.approx((0.1**2 + 0.2**2) ** 0.5)


@dataclass
class CachedModel:
    """The real model, each distinct frame inferred once for both runs (its output does not depend on the run)."""

    model: PersonModel
    boxes: dict[tuple[str, tuple[int, ...]], np.ndarray]

    def predict(self, image: np.ndarray, classes: tuple[int, ...]) -> np.ndarray:
        key = (hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest(), classes)
        if key not in self.boxes:
            self.boxes[key] = self.model.predict([image], classes)[0]
        return self.boxes[key]


class CachedDetector:
    """One run's detector: the cached model and a tracker of its own."""

    def __init__(self, model: CachedModel, classes: list[int]) -> None:
        self.model = model
        self.classes = tuple(classes)
        self.tracker = PersonTracker(model.model.config)

    def track(self, image: np.ndarray) -> list[Detection]:
        return self.tracker.update(self.model.predict(image, self.classes), image)

    def seen(self) -> list[Detection]:
        return self.tracker.seen


@dataclass(frozen=True)
class Outcome:
    """What one pass of the pipeline raised and counted, and how often the detector ran."""

    alarms: list[tuple]
    events: list[tuple]
    crossings: list[tuple]
    space_changes: list[tuple]
    share_inferred: float


# every clip is watched by a zone, a counting line low across the frame, four parking spaces and a no-parking
# band across the middle where a vehicle may stand a second (the parking clips' rows of cars raise its alarm)
NO_PARKING = NoParkingConfig(name="band", polygon=((0.0, 0.4), (1.0, 0.4), (1.0, 0.8), (0.0, 0.8)), max_stand_s=1.0)
SPACES = [
    SpaceConfig(id=f"S{i}{j}", polygon=((i / 2, j / 2), ((i + 1) / 2, j / 2), ((i + 1) / 2, (j + 1) / 2), (i / 2, (j + 1) / 2)))
    for i in range(2) for j in range(2)
]


def run(frames: list[np.ndarray], fps: float, model: CachedModel, gated: bool, tmp: Path) -> Outcome:
    """One pass of the pipeline over ``frames``."""
    camera = CameraConfig(
        id="clip", name="clip", source="clip.mp4", motion=MotionConfig(enabled=gated),
        zones=[ZoneConfig(name="lower", polygon=LOWER_HALF, cooldown_s=3.0)],
        lines=[LineConfig(name="low", points=((0.0, 0.85), (1.0, 0.85)), in_side="below")],
        spaces=SPACES, no_parking=[NO_PARKING],
    )
    pipeline = Pipeline(camera, CachedDetector(model, detector_classes(camera)), "run", tmp)
    alarms, events, crossings, spaces = [], [], [], []
    for index, image in enumerate(frames):
        result = pipeline.process(Frame(image=image, index=index, t_s=index / fps, captured_at=utcnow()))
        alarms += [(a.kind, a.zone_name, a.track_id, a.frame_index) for a in result.alarms]
        events += [(e.kind, e.zone_name, e.track_id, e.frame_index) for e in result.events]
        crossings += [(c.line_name, c.direction, c.track_id, c.frame_index) for c in result.crossings]
        spaces += [(c.space_id, c.occupied, c.frame_index) for c in result.space_changes]
    return Outcome(alarms, events, crossings, spaces, pipeline.gate.share_inferred)


@pytest.fixture(scope="module")
def cached_model(model_path: Path) -> CachedModel:
    return CachedModel(PersonModel(ModelConfig(path=str(model_path)), threads=1), {})


@pytest.mark.model
@pytest.mark.parametrize("clip", CLIPS)
def test_a_gated_run_raises_the_same_alarms_as_an_ungated_one(
    clip: str, media: Path, cached_model: CachedModel, tmp_path: Path
) -> None:
    frames = sampled_frames(media / clip, 5.0)  # what a camera processing 5 frames a second sees
    ungated = run(frames, 5.0, cached_model, gated=False, tmp=tmp_path)
    gated = run(frames, 5.0, cached_model, gated=True, tmp=tmp_path)
    assert ungated.share_inferred == 1.0
    assert gated.alarms == ungated.alarms and gated.events == ungated.events, clip
    if clip.startswith("parking"):
        assert ("no_parking", "band") in {alarm[:2] for alarm in ungated.alarms}, "a car stands in the band"
    assert gated.crossings == ungated.crossings and gated.space_changes == ungated.space_changes, clip


@pytest.mark.model
def test_on_still_heavy_footage_the_gate_saves_most_inference_and_misses_no_alarm(
    media: Path, cached_model: CachedModel, tmp_path: Path
) -> None:
    made = still_heavy(media / STILL_SOURCE, tmp_path / "still.mp4", cached_model.model)
    frames = sampled_frames(made.path, made.fps)
    assert len(frames) == made.frames
    started = time.perf_counter()
    ungated = run(frames, made.fps, cached_model, gated=False, tmp=tmp_path)
    gated = run(frames, made.fps, cached_model, gated=True, tmp=tmp_path)
    assert ungated.alarms and ungated.crossings, "the entry raises alarms and counts"
    assert gated.alarms == ungated.alarms and gated.events == ungated.events
    assert gated.crossings == ungated.crossings and gated.space_changes == ungated.space_changes
    assert gated.share_inferred < 0.6, f"inferred {gated.share_inferred:.0%} ({time.perf_counter() - started:.0f} s)"


class ScriptedBoxes:
    """The real tracker fed with made boxes (``BOX_COLUMNS`` columns, pixels), the next array each time it runs."""

    def __init__(self, boxes: list[np.ndarray]) -> None:
        self.boxes = boxes
        self.runs = 0
        self.tracker = PersonTracker(ModelConfig())

    def track(self, image: np.ndarray) -> list[Detection]:
        found = self.boxes[min(self.runs, len(self.boxes) - 1)]
        self.runs += 1
        return self.tracker.update(found, image)

    def seen(self) -> list[Detection]:
        return self.tracker.seen


def test_a_person_just_seen_by_a_zone_keeps_the_detector_on_until_the_tracker_confirms_them(tmp_path: Path) -> None:
    scene = still_scene()  # 320 x 180
    nobody = np.zeros((0, 6), np.float32)
    by_the_zone = np.array([[150, 21, 165, 81, 0.9, 0]], np.float32)  # feet at y 0.45, 0.05 above the zone
    detector = ScriptedBoxes([nobody, by_the_zone])
    camera = CameraConfig(id="c", name="c", source="c.mp4", zones=[ZoneConfig(name="lower", polygon=LOWER_HALF)])
    pipeline = Pipeline(camera, detector, "run", tmp_path)
    appeared = with_blob(scene, 150, 51)  # the person comes into view, then stands still
    results = [pipeline.process(Frame(image=image, index=i, t_s=i / 5, captured_at=utcnow()))
               for i, image in enumerate([scene, appeared, appeared, appeared])]
    assert results[1].detections == []  # seen once: ByteTrack does not report a track it has not confirmed
    assert detector.runs >= 3  # nothing moved on frame 2, but the person only seen by the zone is looked at again
    confirmed = results[2].detections
    assert len(confirmed) == 1 and confirmed[0].track_id is not None
