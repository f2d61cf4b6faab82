"""No-parking areas from hand-made detections: one alarm per stay longer than the limit, smoothing against
the detector's misses, persons never count; the alarm through the pipeline and the publisher into a real
store, once, with its snapshot and the lake's lifecycle; the area's configuration refused with its file and key."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from detectors.annotate import RED
from detectors.detection import PERSON, Detection
from detectors.no_parking import NoParkingAreas
from detectors.pipeline import Pipeline, detector_classes
from detectors.publisher import Publisher
from ops_center.alarm_actions import transition
from ops_center.config import CameraConfig, MotionConfig, NoParkingConfig, load_config
from ops_center.errors import ConfigError
from ops_center.lifecycle import Status
from ops_center.records import stable_id
from ops_center.store.db import open_store
from ops_center.store.models import Alarm, AlarmTransition, Snapshot
from tests.test_pipeline import GREY, SHANGHAI, FakeDetector, frames, pixel

CAR, BUS = 2, 5
# a fire lane along the bottom of the frame
FIRE_LANE = NoParkingConfig(name="fire-lane", polygon=((0.0, 0.7), (1.0, 0.7), (1.0, 1.0), (0.0, 1.0)),
                            max_stand_s=10.0, min_frames=3)


def vehicle(x: float, y: float = 0.85, class_id: int = CAR) -> Detection:
    """A box centred on (x, y)."""
    return Detection(box=(x - 0.08, y - 0.1, x + 0.08, y + 0.1), confidence=0.8, track_id=None, class_id=class_id)


def run(areas: NoParkingAreas, frames: list[list[Detection]]) -> list[tuple[str, int, float]]:
    """(area, frame, seconds stood) for each alarm, at one frame per second; each shows a vehicle of its frame."""
    alarms = []
    for i, dets in enumerate(frames):
        for overstay in areas.update(dets, float(i)):
            assert overstay.vehicle in dets
            alarms.append((overstay.area, i, overstay.stood_s))
    return alarms


def test_a_car_standing_past_the_limit_raises_one_alarm() -> None:
    frames = [[]] * 2 + [[vehicle(0.5)]] * 40
    # first seen at frame 2, standing from then on: 10 s later, at frame 12, one alarm and no other
    assert run(NoParkingAreas([FIRE_LANE]), frames) == [("fire-lane", 12, 10.0)]


def test_misses_for_a_frame_or_two_do_not_restart_the_stay() -> None:
    car = [vehicle(0.5)]
    frames = [car] * 3 + [[], car, [], [], car, car, [], car] * 3
    assert run(NoParkingAreas([FIRE_LANE]), frames) == [("fire-lane", 10, 10.0)]


def test_an_alarm_due_on_a_frame_that_missed_the_car_comes_with_the_next_frame_that_sees_it() -> None:
    car = [vehicle(0.5)]
    frames = [car] * 10 + [[], []] + [car] * 3
    assert run(NoParkingAreas([FIRE_LANE]), frames) == [("fire-lane", 12, 12.0)]


def test_a_person_is_not_a_car_and_a_car_outside_the_area_does_not_count() -> None:
    person = Detection(box=(0.45, 0.6, 0.55, 0.95), confidence=0.9, track_id=4, class_id=PERSON)
    frames = [[person, vehicle(0.5, y=0.4)]] * 30
    assert run(NoParkingAreas([FIRE_LANE]), frames) == []


def test_a_car_leaving_before_the_limit_raises_nothing() -> None:
    frames = [[vehicle(0.3)]] * 9 + [[]] * 5 + [[vehicle(0.7)]] * 9 + [[]] * 5
    assert run(NoParkingAreas([FIRE_LANE]), frames) == []


def test_a_second_car_standing_after_the_first_left_raises_a_second_alarm() -> None:
    frames = [[vehicle(0.3)]] * 15 + [[]] * 4 + [[vehicle(0.6, class_id=BUS)]] * 15
    areas = NoParkingAreas([FIRE_LANE])
    assert run(areas, frames) == [("fire-lane", 10, 10.0), ("fire-lane", 29, 10.0)]
    assert areas.standing() == {"fire-lane": True}


def test_an_area_redrawn_as_it_was_keeps_its_stay_and_a_moved_one_starts_empty() -> None:
    areas = NoParkingAreas([FIRE_LANE])
    car = [vehicle(0.5)]
    assert run(areas, [car] * 6) == []  # standing since 0 s
    longer = FIRE_LANE.model_copy(update={"max_stand_s": 12.0, "label": "Fire lane"})
    kept = areas.redrawn([longer])
    assert [(o.area, o.stood_s) for i in range(6, 14) for o in kept.update(car, float(i))] == [("fire-lane", 12.0)]
    moved = FIRE_LANE.model_copy(update={"polygon": ((0.0, 0.6), (1.0, 0.6), (1.0, 1.0), (0.0, 1.0))})
    fresh = areas.redrawn([moved])
    assert fresh.standing() == {"fire-lane": False}
    assert [(o.area, o.stood_s) for i in range(6, 17) for o in fresh.update(car, float(i))] == [("fire-lane", 10.0)]


def test_each_area_keeps_its_own_stay() -> None:
    entrance = NoParkingConfig(name="entrance", polygon=((0.0, 0.0), (0.3, 0.0), (0.3, 0.3), (0.0, 0.3)),
                               max_stand_s=3.0, min_frames=1)
    frames = [[vehicle(0.5), vehicle(0.15, y=0.15)]] * 12
    assert run(NoParkingAreas([FIRE_LANE, entrance]), frames) == [("entrance", 3, 3.0),
                                                                    ("fire-lane", 10, 10.0)]


GATE_CAMERA = CameraConfig(  # the frames are plain grey: no motion for a gate to see (test_motion_gate.py has it)
    id="gate-cam", name="Main gate", place="North entrance", source="gate.mp4", motion=MotionConfig(enabled=False),
    no_parking=[NoParkingConfig(name="fire-lane", label="Fire lane", polygon=FIRE_LANE.polygon, max_stand_s=1.0,
                                min_frames=2, severity="critical")],
)


def pipeline_alarms(tmp_path: Path, run_key: str, script: list[list[Detection]]) -> list:
    """The alarms of ``script`` (one list of detections per frame, five frames a second) through the pipeline."""
    pipeline = Pipeline(GATE_CAMERA, FakeDetector(script), run_key, tmp_path / "snapshots", tz=SHANGHAI)
    return [(f.index, a) for f in frames(len(script)) for a in pipeline.process(f).alarms]


def test_the_pipeline_raises_the_alarm_with_its_evidence_and_a_stable_id(tmp_path: Path) -> None:
    assert detector_classes(GATE_CAMERA) == [2, 3, 5, 7]  # vehicles only: nothing else watched
    car = vehicle(0.5)
    # the car stands from frame 1 (0.2 s): a second later, at frame 6, the alarm; none after it
    ((index, alarm),) = pipeline_alarms(tmp_path, "run", [[]] + [[car]] * 12)
    assert index == 6
    assert alarm.id == stable_id("run", "gate-cam", "fire-lane", None, "no_parking", 6)
    assert (alarm.kind, alarm.severity, alarm.zone_name, alarm.place, alarm.title) == (
        "no_parking", "critical", "fire-lane", "North entrance", "Vehicle standing in Fire lane for 1 s (Main gate)")
    assert alarm.details["box"] == car.box and alarm.details["stood_s"] == pytest.approx(1.0)
    snapshot = cv2.imdecode(np.frombuffer(alarm.snapshot_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert pixel(snapshot, car.box[0], car.box[1] + 0.05) == pytest.approx(RED, abs=40)  # the car, red
    assert pixel(snapshot, 0.95, 0.95) != pytest.approx((GREY,) * 3, abs=5)  # the area, tinted
    assert pixel(snapshot, 0.95, 0.3) == pytest.approx((GREY,) * 3, abs=5)
    assert alarm.snapshot_path == str(tmp_path / "snapshots" / "gate-cam" / "2026-11-30" / f"{alarm.id}.jpg")


def test_the_alarm_reaches_the_store_once_and_lives_the_lakes_lifecycle(sqlite_url: str, tmp_path: Path) -> None:
    script = [[]] + [[vehicle(0.5)]] * 12
    for _ in range(2):  # the same run twice (a worker's outbox sent again): stored once
        publisher = Publisher(sqlite_url, tmp_path / "outbox.sqlite")
        publisher.sync_cameras([GATE_CAMERA])
        publisher.publish([], [a for _, a in pipeline_alarms(tmp_path, "run", script)])
        assert publisher.close() == 0
    store = open_store(sqlite_url)
    with store.session() as s:
        (alarm,) = s.scalars(select(Alarm)).all()
        assert (alarm.kind, alarm.status, alarm.camera_id) == ("no_parking", Status.NEW, "gate-cam")
        assert s.get(Snapshot, alarm.id) is not None and Path(alarm.snapshot_path or "").is_file()
        for step in ("acknowledged", "resolved"):
            transition(s, alarm.id, step, "op1", note="tow truck called" if step == "resolved" else "")
    with store.session() as s:
        trail = [(t.from_status, t.to_status) for t in s.scalars(select(AlarmTransition).order_by(AlarmTransition.id))]
    store.dispose()
    assert trail == [(None, "new"), ("new", "acknowledged"), ("acknowledged", "resolved")]


def write(tmp_path: Path, areas: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(
        "site: {name: Test}\ncameras:\n  - id: gate\n    name: Gate\n    source: gate.mp4\n"
        "    zones: [{name: pit, polygon: [[0, 0], [0.2, 0], [0.2, 0.2]]}]\n"
        f"    no_parking:\n{areas}"
    )
    return path


def test_the_site_file_gives_the_areas(tmp_path: Path) -> None:
    path = write(tmp_path, "      - {name: fire-lane, label: Fire lane, polygon: [[0, 0.7], [1, 0.7], [1, 1]], "
                           "max_stand_s: 120, severity: critical}\n")
    (area,) = load_config(path, env={}).cameras[0].no_parking
    assert (area.name, area.display_name, area.max_stand_s, area.min_frames, area.severity) == (
        "fire-lane", "Fire lane", 120.0, 3, "critical")


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ("      - {name: lane, polygon: [[0, 0.7], [1.5, 0.7], [1, 1]]}\n",
         "cameras[0].no_parking[0].polygon: point 2 (1.5,0.7) is outside 0..1"),
        ("      - {name: lane, polygon: [[0, 0.7], [1, 0.7], [1, 1]], max_stand_s: 0}\n",
         "cameras[0].no_parking[0].max_stand_s: Input should be greater than 0"),
        ("      - {name: Lane 1, polygon: [[0, 0.7], [1, 0.7], [1, 1]]}\n",
         "cameras[0].no_parking[0].name: String should match pattern"),
        ("      - {name: pit, polygon: [[0, 0.7], [1, 0.7], [1, 1]]}\n",
         "cameras[0]: duplicate zone or no-parking name 'pit'"),
        ("      - {name: lane, polygon: [[0, 0.7], [1, 0.7], [1, 1]], minutes: 5}\n",
         "cameras[0].no_parking[0].minutes: unknown key"),
    ],
)
def test_a_bad_area_is_refused_naming_the_file_and_key(tmp_path: Path, areas: str, message: str) -> None:
    path = write(tmp_path, areas)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert str(caught.value).startswith(f"{path}: "), caught.value
    assert message in str(caught.value), caught.value
