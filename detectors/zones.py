"""Danger-zone logic: detections and a timestamp in, zone events out (pure, no I/O).

A person is *in* the zone when the bottom-centre of the box (the feet) is inside the polygon.
- An entry counts after ``min_frames`` consecutive frames in which the track is seen inside; a
  frame in which the track is seen outside breaks the run, a frame in which it is not seen at all
  does not (detections drop out now and then).
- The alarm follows the entry once the track has been in the zone for ``dwell_s`` seconds.
- One alarm per tracked person per zone: the track's state remembers that it alarmed.
- ``cooldown_s``: after an alarm the zone raises no other alarm for that long. A person who entered
  during the cooldown and is still inside when it ends raises the alarm then: nobody in danger is
  dropped, but a group walking in together gives one alarm.
- ``exit_grace_s``: a track may be missing, or seen outside, for this long and keep its state. When
  the tracker loses a person and finds them again under a new id, the new track inside the zone
  takes over the state of the nearest lost one, so it does not raise a second alarm.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from detectors.detection import Detection
from ops_center.config import ZoneConfig
from ops_center.geometry import point_in_polygon

ZoneEventKind = Literal["zone_enter", "zone_alarm", "zone_exit"]


@dataclass(frozen=True, slots=True)
class ZoneEvent:
    """Something that happened in a zone at time ``t`` (seconds)."""

    kind: ZoneEventKind
    zone: str
    track_id: int
    t: float
    detection: Detection | None = None


@dataclass(slots=True)
class _Track:
    run: int = 0
    first_in_t: float | None = None
    last_in_t: float = 0.0
    feet: tuple[float, float] = (0.0, 0.0)
    entered: bool = False
    alarmed: bool = False


@dataclass
class DangerZone:
    """The state machine of one danger zone; feed it every processed frame with ``update``."""

    rule: ZoneConfig
    _tracks: dict[int, _Track] = field(default_factory=dict, init=False)
    _cooldown_until: float = field(default=-math.inf, init=False)

    @property
    def name(self) -> str:
        """The zone's name (unique on its camera)."""
        return self.rule.name

    def contains(self, detection: Detection) -> bool:
        """True when the detection's feet are inside the polygon."""
        return point_in_polygon(*detection.feet, self.rule.polygon)

    def occupants(self) -> list[int]:
        """Track ids whose entry has counted and whose state is still held."""
        return [tid for tid, tr in self._tracks.items() if tr.entered]

    def update(self, detections: Iterable[Detection], t: float) -> list[ZoneEvent]:
        """Advance the zone to time ``t`` with this frame's tracked detections."""
        events: list[ZoneEvent] = []
        tracked = [d for d in detections if d.track_id is not None]
        visible = {d.track_id for d in tracked}
        for det in tracked:
            tid = det.track_id
            assert tid is not None
            if self.contains(det):
                inside = self._tracks.get(tid) or self._adopt_lost(det, visible, t) or _Track()
                self._tracks[tid] = inside
                events.extend(self._inside(tid, inside, det, t))
            elif (track := self._tracks.get(tid)) is not None:
                track.run = 0
                if not track.entered:
                    track.first_in_t = None
        events.extend(self._expire(t))
        return events

    def _inside(self, tid: int, track: _Track, det: Detection, t: float) -> list[ZoneEvent]:
        events: list[ZoneEvent] = []
        track.run += 1
        track.last_in_t = t
        track.feet = det.feet
        if track.first_in_t is None:
            track.first_in_t = t
        if not track.entered and track.run >= self.rule.min_frames:
            track.entered = True
            events.append(ZoneEvent("zone_enter", self.name, tid, t, det))
        if (
            track.entered
            and not track.alarmed
            and t - track.first_in_t >= self.rule.dwell_s
            and t >= self._cooldown_until
        ):
            track.alarmed = True
            self._cooldown_until = t + self.rule.cooldown_s
            events.append(ZoneEvent("zone_alarm", self.name, tid, t, det))
        return events

    def _adopt_lost(self, det: Detection, visible: set[int | None], t: float) -> _Track | None:
        """Hand the state of the nearest recently lost entered track to a new track id."""
        lost = [
            (tid, tr)
            for tid, tr in self._tracks.items()
            if tid not in visible and tr.entered and t - tr.last_in_t <= self.rule.exit_grace_s
        ]
        if not lost:
            return None
        tid, track = min(lost, key=lambda item: math.dist(item[1].feet, det.feet))
        del self._tracks[tid]
        return track

    def _expire(self, t: float) -> list[ZoneEvent]:
        events = []
        for tid, track in list(self._tracks.items()):
            if t - track.last_in_t > self.rule.exit_grace_s:
                del self._tracks[tid]
                if track.entered:
                    events.append(ZoneEvent("zone_exit", self.name, tid, t))
        return events
