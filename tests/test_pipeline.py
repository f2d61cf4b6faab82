"""The per-frame pipeline with a scripted detector: frames -> zone events -> alarms with evidence.

The real model on real footage drives the same ``Pipeline`` in test_worker.py and
test_replay_cli.py; here hand-made detections on synthetic frames check the mapping itself (ids,
severity, snapshot, annotation, one alarm per track, ``min_frames``) in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np

from detectors.annotate import NEUTRAL, RED
from detectors.detection import Detection
from detectors.pipeline import FrameResult, Pipeline
from detectors.sources import Frame
from ops_center.config import CameraConfig, ZoneConfig
from ops_center.records import stable_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # already 30 November in Shanghai
WIDTH, HEIGHT = 1280, 720
GREY = 90
RUN = "pipeline-test"
CAMERA = CameraConfig(
    id="lake-east",
    name="Lake east",
    place="East lawn",
    source="synthetic:lakeside",
    zones=[
        # the lower half of the frame; no cooldown, so every track that stays long enough alarms
        ZoneConfig(name="lake", label="Lake edge", polygon=[[0, 0.5], [1, 0.5], [1, 1], [0, 1]],
                   min_frames=3, cooldown_s=0, severity="warning"),
        # the top left corner, alarming at once
        ZoneConfig(name="pier", polygon=[[0, 0], [0.3, 0], [0.3, 0.3], [0, 0.3]], min_frames=1, severity="critical"),
    ],
)


def person(track: int, feet_x: float, feet_y: float) -> Detection:
    """A 0.1 x 0.2 box standing at ``(feet_x, feet_y)``."""
    return Detection((feet_x - 0.05, feet_y - 0.2, feet_x + 0.05, feet_y), 0.8, track)


IN_LAKE, ON_LAWN, ON_PIER = 0.8, 0.4, 0.25  # feet heights
# One list of detections per frame:
# - track 1 stands on the lawn, walks into the lake and stays: one alarm, on its third frame inside;
# - track 2 is in the lake for two frames only (min_frames is 3): no alarm;
# - track 4 steps onto the pier (min_frames 1): an alarm at once, critical;
# - an untracked box in the lake never counts.
SCRIPT: list[list[Detection]] = [
    [person(1, 0.5, ON_LAWN)],
    [person(1, 0.5, IN_LAKE), person(2, 0.2, IN_LAKE)],
    [person(1, 0.5, IN_LAKE), person(2, 0.2, IN_LAKE)],
    [person(1, 0.5, IN_LAKE), person(2, 0.2, ON_LAWN), Detection((0.7, 0.6, 0.8, 0.9), 0.9, None)],
    [person(1, 0.5, IN_LAKE), person(2, 0.2, ON_LAWN)],
    [person(1, 0.5, IN_LAKE), person(4, 0.15, ON_PIER)],
    [person(1, 0.5, IN_LAKE), person(4, 0.15, ON_PIER)],
]


class FakeDetector:
    """A ``Detector`` that returns the scripted detections of each frame and keeps what it was shown."""

    def __init__(self, script: Sequence[list[Detection]]) -> None:
        self._script = list(script)
        self.shown: list[np.ndarray] = []

    def track(self, image: np.ndarray) -> list[Detection]:
        self.shown.append(image)
        return self._script[len(self.shown) - 1] if len(self.shown) <= len(self._script) else []

    def seen(self) -> list[Detection]:
        return self._script[len(self.shown) - 1] if 0 < len(self.shown) <= len(self._script) else []


def frames(count: int, width: int = WIDTH, height: int = HEIGHT) -> list[Frame]:
    """Plain grey frames, five a second."""
    return [
        Frame(np.full((height, width, 3), GREY, np.uint8), index=i, t_s=i / 5,
              captured_at=T0 + timedelta(seconds=i / 5))
        for i in range(count)
    ]


def run(tmp_path: Path, run_key: str = RUN, *, want_annotated: bool = False) -> tuple[FakeDetector, list[FrameResult]]:
    detector = FakeDetector(SCRIPT)
    pipeline = Pipeline(CAMERA, detector, run_key, tmp_path / "snapshots", tz=SHANGHAI)
    return detector, [pipeline.process(f, want_annotated=want_annotated) for f in frames(len(SCRIPT))]


def test_each_frame_is_detected_once_and_its_detections_come_back(tmp_path: Path) -> None:
    detector, results = run(tmp_path)
    assert len(detector.shown) == len(SCRIPT) and all(img.shape == (HEIGHT, WIDTH, 3) for img in detector.shown)
    assert [r.detections for r in results] == SCRIPT


def test_one_alarm_per_track_after_min_frames_with_the_zones_severity(tmp_path: Path) -> None:
    _, results = run(tmp_path)
    alarms = [(i, a.zone_name, a.track_id, a.severity) for i, r in enumerate(results) for a in r.alarms]
    assert alarms == [(3, "lake", 1, "warning"), (5, "pier", 4, "critical")]
    events = [(i, e.zone_name, e.kind, e.track_id) for i, r in enumerate(results) for e in r.events]
    assert events == [
        (3, "lake", "zone_enter", 1), (3, "lake", "zone_alarm", 1),
        (5, "pier", "zone_enter", 4), (5, "pier", "zone_alarm", 4),
    ]


def test_records_carry_stable_ids_and_what_the_wall_shows(tmp_path: Path) -> None:
    _, results = run(tmp_path)
    alarm, = results[3].alarms
    enter, raised = results[3].events
    assert alarm.id == stable_id(RUN, "lake-east", "lake", 1, "danger_zone", 3)
    assert enter.id == stable_id(RUN, "lake-east", "lake", 1, "zone_enter", 3)
    assert alarm.source_event_id == raised.id == stable_id(RUN, "lake-east", "lake", 1, "zone_alarm", 3)
    assert (alarm.kind, alarm.title, alarm.place, alarm.camera_id) == (
        "danger_zone", "Person in Lake edge (Lake east)", "East lawn", "lake-east")
    assert (alarm.raised_at, alarm.frame_index, alarm.t_s) == (T0 + timedelta(seconds=0.6), 3, 0.6)
    assert raised.box == SCRIPT[3][0].box and raised.confidence == 0.8 == alarm.details["confidence"]
    # the site's day (30 November in Shanghai), not UTC's, names the snapshot's folder
    assert alarm.snapshot_path == str(tmp_path / "snapshots" / "lake-east" / "2026-11-30" / f"{alarm.id}.jpg")

    _, again = run(tmp_path)
    assert [a.id for r in again for a in r.alarms] == [a.id for r in results for a in r.alarms]
    _, other_run = run(tmp_path, "another-run")
    assert alarm.id not in {a.id for r in other_run for a in r.alarms}


def test_the_snapshot_is_the_annotated_frame_as_jpeg(tmp_path: Path) -> None:
    _, results = run(tmp_path)
    alarm, annotated = results[3].alarms[0], results[3].annotated
    assert annotated is not None and alarm.snapshot_size == (WIDTH, HEIGHT)
    snapshot = cv2.imdecode(np.frombuffer(alarm.snapshot_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert snapshot.shape == (HEIGHT, WIDTH, 3)
    assert np.abs(snapshot.astype(int) - annotated).mean() < 3  # the same picture, give or take JPEG
    # drawn: the box of the person in the lake red, the one on the lawn neutral, the zone tinted,
    # the rest untouched
    in_lake, on_lawn = SCRIPT[3][0], SCRIPT[3][1]
    assert pixel(annotated, in_lake.box[0], in_lake.box[3] - 0.1) == RED
    assert pixel(annotated, on_lawn.box[0], on_lawn.box[3] - 0.1) == NEUTRAL
    assert pixel(annotated, 0.95, 0.9) != (GREY,) * 3
    assert pixel(annotated, 0.95, 0.4) == (GREY,) * 3


def pixel(image: np.ndarray, x: float, y: float) -> tuple[int, ...]:
    """The BGR colour at relative position ``(x, y)``."""
    height, width = image.shape[:2]
    return tuple(int(v) for v in image[int(y * height), int(x * width)])


def test_frames_without_an_alarm_are_drawn_only_when_asked(tmp_path: Path) -> None:
    _, plain = run(tmp_path)
    assert [r.annotated is not None for r in plain] == [bool(r.alarms) for r in plain]
    _, drawn = run(tmp_path, want_annotated=True)
    assert all(r.annotated is not None and r.annotated.shape == (HEIGHT, WIDTH, 3) for r in drawn)


def test_evidence_comes_from_the_main_stream_when_detection_runs_on_a_substream(tmp_path: Path) -> None:
    fetched: list[np.ndarray] = []

    def main_stream() -> np.ndarray:
        fetched.append(np.full((1080, 1920, 3), GREY, np.uint8))
        return fetched[-1]

    detector = FakeDetector(SCRIPT)
    pipeline = Pipeline(CAMERA, detector, RUN, tmp_path / "snapshots", tz=SHANGHAI)
    results = [pipeline.process(f, evidence=main_stream) for f in frames(len(SCRIPT), 640, 360)]
    assert all(img.shape == (360, 640, 3) for img in detector.shown)
    assert len(fetched) == 2, "the main stream is decoded only for the frames with an alarm"
    alarm, annotated = results[3].alarms[0], results[3].annotated
    assert alarm.snapshot_size == (1920, 1080) and annotated is not None and annotated.shape == (1080, 1920, 3)
    snapshot = cv2.imdecode(np.frombuffer(alarm.snapshot_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert snapshot.shape == (1080, 1920, 3)
    in_lake = SCRIPT[3][0]
    assert pixel(annotated, in_lake.box[0], in_lake.box[3] - 0.1) == RED  # relative boxes fit the bigger picture


def test_reconfigure_swaps_zones_keeping_the_detector_and_the_state_of_unchanged_zones(tmp_path: Path) -> None:
    # track 1 walks into the lake and alarms; then the editor moves the pier and adds a zone on the lawn
    script = [[person(1, 0.5, IN_LAKE)]] * 3 + [[person(1, 0.5, IN_LAKE), person(5, 0.6, ON_LAWN)]] * 3
    detector = FakeDetector(script)
    pipeline = Pipeline(CAMERA, detector, RUN, tmp_path / "snapshots", tz=SHANGHAI)
    shots = frames(len(script))
    before = [pipeline.process(f) for f in shots[:3]]
    lake = pipeline.zones[0]
    lawn = ZoneConfig(name="lawn", polygon=[[0, 0.3], [1, 0.3], [1, 0.5], [0, 0.5]], min_frames=2, cooldown_s=0)
    moved_pier = CAMERA.zones[1].model_copy(update={"polygon": ((0.7, 0), (1, 0), (1, 0.3), (0.7, 0.3))})
    pipeline.reconfigure(CAMERA.model_copy(update={"zones": [CAMERA.zones[0], moved_pier, lawn]}))
    after = [pipeline.process(f) for f in shots[3:]]

    assert [a.zone_name for r in before for a in r.alarms] == ["lake"]
    assert pipeline.zones[0] is lake, "an unchanged zone keeps its state: track 1 does not alarm again"
    assert [(a.zone_name, a.track_id, a.frame_index) for r in after for a in r.alarms] == [("lawn", 5, 4)]
    assert pipeline.detector is detector and len(detector.shown) == len(script), "one detector, every frame"
    assert [z.name for z in pipeline.zones] == ["lake", "pier", "lawn"]
    assert pipeline.gate.regions[-1] == list(lawn.polygon), "the motion gate watches the new zone"
