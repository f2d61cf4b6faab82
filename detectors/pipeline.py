"""The per-frame pipeline shared by the live worker, the replay command and the benchmark.

frame -> motion gate -> tracked objects (the last ones where the gate kept the detector off) -> persons
-> each ``DangerZone`` -> ``EventRecord``s and ``AlarmRecord``s (with an annotated snapshot), and each
``CountingLine`` -> ``CrossingRecord``s; vehicles -> ``ParkingSpaces`` -> ``SpaceRecord``s, and
``NoParkingAreas`` -> ``AlarmRecord``s for vehicles standing too long. Record ids are stable:
``stable_id(run_key, camera, zone or line or space or area, track, kind, frame_index)``, so
processing the same video twice under the same run key stores each record once.
The pipeline does no I/O: publishing and saving files is the caller's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from detectors.annotate import FrameRenderer, encode_jpeg
from detectors.detection import PERSON, Detection
from detectors.gate import MotionGate
from detectors.lines import CountingLine, Crossing
from detectors.no_parking import NoParkingAreas, Overstay
from detectors.sources import Frame
from detectors.spaces import VEHICLES, ParkingSpaces, SpaceChange
from detectors.zones import DangerZone, ZoneEvent
from ops_center.config import CameraConfig
from ops_center.records import AlarmRecord, CrossingRecord, EventRecord, SpaceRecord, stable_id
from ops_center.vocabulary import AlarmKind


class Detector(Protocol):
    """Anything that finds tracked objects of ``classes`` (COCO ids) in a BGR frame (``detectors.model.PersonDetector``)."""

    classes: tuple[int, ...]

    def track(self, image: np.ndarray) -> list[Detection]: ...

    def seen(self) -> list[Detection]:
        """Everything the last ``track`` found, with what the tracker has not confirmed yet."""
        ...


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What one frame produced; ``annotated`` is set when asked for or when an alarm was raised."""

    detections: list[Detection]
    events: list[EventRecord]
    alarms: list[AlarmRecord]
    crossings: list[CrossingRecord]
    space_changes: list[SpaceRecord]
    annotated: np.ndarray | None


def detector_classes(camera: CameraConfig) -> list[int]:
    """The COCO classes a camera's detector looks for: persons, and vehicles where it watches parking spaces
    or no-parking areas."""
    watches_vehicles = bool(camera.spaces or camera.spaces_file or camera.no_parking)
    persons = [PERSON] if camera.zones or camera.lines or not watches_vehicles else []
    return persons + (sorted(VEHICLES) if watches_vehicles else [])


def _regions(camera: CameraConfig) -> list[Sequence[tuple[float, float]]]:
    """Where the motion gate keeps the detector on for a tracked person: zones, lines, spaces, no-parking areas."""
    return [*(z.polygon for z in camera.zones), *(ln.points for ln in camera.lines),
            *(s.polygon for s in camera.spaces), *(a.polygon for a in camera.no_parking)]


class Pipeline:
    """Detection, zone, line, space and no-parking logic and evidence for one camera.

    The camera's spaces are ``camera.spaces``; one with a ``spaces_file`` is given its spaces first
    (``ops_center.parking_points``), since they need the frame's size.
    """

    def __init__(
        self,
        camera: CameraConfig,
        detector: Detector,
        run_key: str,
        snapshot_dir: Path,
        *,
        tz: tzinfo | None = None,
        jpeg_quality: int = 85,
    ) -> None:
        """``snapshot_dir``: alarm snapshots go to ``<snapshot_dir>/<camera>/<YYYY-MM-DD>/<alarm id>.jpg``."""
        self.camera = camera
        self.detector = detector
        self.run_key = run_key
        self.snapshot_dir = snapshot_dir
        self.tz = tz
        self.jpeg_quality = jpeg_quality
        self.renderer = FrameRenderer(camera, tz)
        self.zones = [DangerZone(z) for z in camera.zones]
        self.lines = [CountingLine(ln) for ln in camera.lines]
        self.spaces = ParkingSpaces(camera.spaces)
        self.no_parking = NoParkingAreas(camera.no_parking)
        self.gate = MotionGate(camera.motion, _regions(camera))
        self._detections: list[Detection] = []
        self._seen: list[Detection] = []

    def reconfigure(self, camera: CameraConfig) -> None:
        """Watch ``camera``'s zones, lines, spaces and no-parking areas from the next frame on, without a new
        detector: its tracks carry on. A zone, line or space whose rule did not change keeps its state (who
        is in the zone, on which side of the line, whether the space is taken), and so does a no-parking
        area redrawn as it was (its stay); a new or changed one starts afresh. A camera that starts or stops
        watching vehicles has its detector look for them or stop."""
        if detector_classes(camera) != detector_classes(self.camera):
            self.detector.classes = tuple(detector_classes(camera))
        self.camera = camera
        self.renderer = FrameRenderer(camera, self.tz)
        self.zones = [next((z for z in self.zones if z.rule == rule), None) or DangerZone(rule) for rule in camera.zones]
        self.lines = [next((ln for ln in self.lines if ln.rule == rule), None) or CountingLine(rule)
                      for rule in camera.lines]
        self.spaces = self.spaces.redrawn(camera.spaces)
        self.no_parking = self.no_parking.redrawn(camera.no_parking)
        self.gate.retarget(camera.motion, _regions(camera))

    def process(
        self, frame: Frame, *, want_annotated: bool = False, evidence: Callable[[], np.ndarray] | None = None
    ) -> FrameResult:
        """Run one frame through detection, every zone, line, space and no-parking area.

        ``evidence`` gives the picture to annotate (snapshot, live tile) when it is not ``frame``'s own:
        the main stream of a camera that detects on a low-resolution one. Boxes are relative, so they
        fit either.
        """
        detections = self._detect(frame)
        persons = [d for d in detections if d.class_id == PERSON]
        zone_events = [ev for zone in self.zones for ev in zone.update(persons, frame.t_s)]
        crossings = [self._crossing(c, frame) for line in self.lines for c in line.update(persons, frame.t_s)]
        space_changes = [self._space_change(c, frame) for c in self.spaces.update(detections, frame.t_s)]
        overstays = self.no_parking.update(detections, frame.t_s)
        events = [self._event(ev, frame) for ev in zone_events]
        alarm_events = [(ev, rec) for ev, rec in zip(zone_events, events, strict=True) if ev.kind == "zone_alarm"]
        annotated = None
        if alarm_events or overstays or want_annotated:
            image = evidence() if evidence is not None else frame.image
            annotated = self.renderer.render(image, detections, frame.captured_at, occupied=self.spaces.occupied())
        alarms = []
        if alarm_events or overstays:
            assert annotated is not None
            jpeg = encode_jpeg(annotated, self.jpeg_quality)
            alarms = [self._alarm(ev, rec, frame, jpeg, annotated.shape) for ev, rec in alarm_events]
            alarms += [self._overstay_alarm(o, frame, jpeg, annotated.shape) for o in overstays]
        return FrameResult(detections, events, alarms, crossings, space_changes, annotated)

    def _detect(self, frame: Frame) -> list[Detection]:
        """Fresh detections when the gate lets the detector run; else the last ones (nothing moved).

        The gate looks at the persons tracked and at those only seen (a track not yet confirmed), so a
        person who just appeared by a zone and stands still is looked at again until confirmed."""
        if self.gate.should_detect(frame.image, frame.t_s, [*self._detections, *self._seen]):
            self._detections = self.detector.track(frame.image)
            self._seen = self.detector.seen()
            self.gate.ran(frame.t_s)
        return self._detections

    def _id(self, ev: ZoneEvent, kind: str, frame: Frame) -> str:
        return stable_id(self.run_key, self.camera.id, ev.zone, ev.track_id, kind, frame.index)

    def _space_change(self, change: SpaceChange, frame: Frame) -> SpaceRecord:
        state = "taken" if change.occupied else "free"
        return SpaceRecord(
            id=stable_id(self.run_key, self.camera.id, "space", change.space, state, frame.index),
            camera_id=self.camera.id,
            space_id=change.space,
            occupied=change.occupied,
            occurred_at=frame.captured_at,
            frame_index=frame.index,
            t_s=frame.t_s,
        )

    def _crossing(self, crossing: Crossing, frame: Frame) -> CrossingRecord:
        rule = next(ln.rule for ln in self.lines if ln.name == crossing.line)
        kind = f"line_{crossing.direction}"
        return CrossingRecord(
            id=stable_id(self.run_key, self.camera.id, crossing.line, crossing.track_id, kind, frame.index),
            camera_id=self.camera.id,
            line_name=crossing.line,
            merchant_id=rule.merchant,
            direction=crossing.direction,
            track_id=crossing.track_id,
            occurred_at=frame.captured_at,
            frame_index=frame.index,
            t_s=frame.t_s,
        )

    def _event(self, ev: ZoneEvent, frame: Frame) -> EventRecord:
        det = ev.detection
        return EventRecord(
            id=self._id(ev, ev.kind, frame),
            camera_id=self.camera.id,
            zone_name=ev.zone,
            kind=ev.kind,
            track_id=ev.track_id,
            occurred_at=frame.captured_at,
            frame_index=frame.index,
            t_s=frame.t_s,
            confidence=det.confidence if det else None,
            box=det.box if det else None,
        )

    def _alarm(
        self, ev: ZoneEvent, event: EventRecord, frame: Frame, jpeg: bytes, shape: tuple[int, ...]
    ) -> AlarmRecord:
        rule = next(z.rule for z in self.zones if z.name == ev.zone)
        return self._alarm_record(
            self._id(ev, AlarmKind.DANGER_ZONE, frame), AlarmKind.DANGER_ZONE, frame, jpeg, shape,
            severity=rule.severity,
            title=f"Person in {rule.display_name} ({self.camera.name})",
            zone_name=ev.zone,
            source_event_id=event.id,
            track_id=ev.track_id,
            details={"confidence": event.confidence, "box": event.box},
        )

    def _overstay_alarm(self, overstay: Overstay, frame: Frame, jpeg: bytes, shape: tuple[int, ...]) -> AlarmRecord:
        rule = next(a for a in self.camera.no_parking if a.name == overstay.area)
        vehicle = overstay.vehicle
        return self._alarm_record(
            stable_id(self.run_key, self.camera.id, overstay.area, None, AlarmKind.NO_PARKING, frame.index),
            AlarmKind.NO_PARKING, frame, jpeg, shape,
            severity=rule.severity,
            title=f"Vehicle standing in {rule.display_name} for {_duration(overstay.stood_s)} ({self.camera.name})",
            zone_name=overstay.area,
            # no track: a stay is the area's, kept through the tracker losing or renumbering the car
            details={"confidence": vehicle.confidence, "box": vehicle.box, "class_id": vehicle.class_id,
                     "stood_s": round(overstay.stood_s, 3)},
        )

    def _alarm_record(
        self, alarm_id: str, kind: AlarmKind, frame: Frame, jpeg: bytes, shape: tuple[int, ...], **about: Any
    ) -> AlarmRecord:
        """An alarm of this camera raised on ``frame``, with the snapshot ``jpeg``; ``about``: what raised it."""
        day = frame.captured_at.astimezone(self.tz).strftime("%Y-%m-%d")
        return AlarmRecord(
            id=alarm_id,
            kind=kind,
            raised_at=frame.captured_at,
            camera_id=self.camera.id,
            place=self.camera.place,
            frame_index=frame.index,
            t_s=frame.t_s,
            snapshot_path=str(self.snapshot_dir / self.camera.id / day / f"{alarm_id}.jpg"),
            snapshot_jpeg=jpeg,
            snapshot_size=(shape[1], shape[0]),
            **about,
        )


def _duration(seconds: float) -> str:
    """``45 s`` or ``5 min``, as an alarm's title says how long a vehicle stood."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
