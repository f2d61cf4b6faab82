"""Counting lines: tracked persons and a timestamp in, crossings out (pure, no I/O).

A person's anchor is the bottom-centre of the box (the feet). Seen against a line, the anchor is
on the "in" side, on the "out" side, *on* the line (within ``margin`` of it) or *beside* it
(beyond either end of the segment).
- A track starts on the side of its first sighting (even within the margin); nothing is counted.
- A crossing counts once the track has been seen on the other side for ``min_frames`` sightings,
  and the other side becomes the track's side: wobbling on the line (sightings within the margin,
  or a few on the far side and back) counts nothing, walking back later counts again ("out" after
  "in"), and so does re-entering after that.
- A sighting beside the line makes the track forget its side: walking round the end of a line is
  not a crossing.
- A track that is not seen keeps its state for ``lost_grace_s``; a crossing it had not completed
  when it was lost is not counted (the person may have turned back). When the tracker finds a lost
  person again under a new id near where it was lost, the new track takes over the lost one's state:
  a person lost on the line who reappears on the far side counts once, one who had already
  crossed counts no second time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from detectors.detection import Detection
from ops_center.config import LineConfig
from ops_center.geometry import Point, along, signed_distance

Direction = Literal["in", "out"]

REJOIN_DISTANCE = 0.05
"""How far (fraction of the frame) from where a track was lost a new track may appear and take it over."""

_IN, _OUT, _ON, _BESIDE = 1, -1, 0, None


@dataclass(frozen=True, slots=True)
class Crossing:
    """A person crossed ``line`` in ``direction`` at time ``t`` (seconds)."""

    line: str
    direction: Direction
    track_id: int
    t: float
    detection: Detection


@dataclass(slots=True)
class _Track:
    side: int = _ON  # the side the track stands on (_IN or _OUT); _ON while not known
    run: int = 0  # sightings on the other side since it was last seen on its own
    last_seen_t: float = 0.0
    anchor: Point = (0.0, 0.0)


@dataclass
class CountingLine:
    """The crossing counter of one line; feed it every processed frame with ``update``."""

    rule: LineConfig
    _tracks: dict[int, _Track] = field(default_factory=dict, init=False)
    _in_sign: float = field(init=False)

    def __post_init__(self) -> None:
        (x1, y1), (x2, y2) = self.rule.points
        mid = ((x1 + x2) / 2, (y1 + y2) / 2)
        step = {"above": (0.0, -1.0), "below": (0.0, 1.0), "left": (-1.0, 0.0), "right": (1.0, 0.0)}[self.rule.in_side]
        self._in_sign = math.copysign(1.0, signed_distance(mid[0] + step[0], mid[1] + step[1], self.rule.points))

    @property
    def name(self) -> str:
        """The line's name (unique on its camera)."""
        return self.rule.name

    def side_of(self, point: Point, margin: float | None = None) -> int | None:
        """1 on the "in" side, -1 on the "out" side, 0 on the line (within ``margin``), None beside it.

        ``margin`` defaults to the rule's.
        """
        if not 0.0 <= along(*point, self.rule.points) <= 1.0:
            return _BESIDE
        distance = signed_distance(*point, self.rule.points) * self._in_sign
        if abs(distance) <= (self.rule.margin if margin is None else margin):
            return _ON
        return _IN if distance > 0 else _OUT

    def update(self, detections: Iterable[Detection], t: float) -> list[Crossing]:
        """Advance the line to time ``t`` with this frame's tracked detections."""
        tracked = [d for d in detections if d.track_id is not None]
        visible = {d.track_id for d in tracked}
        crossings = []
        for det in tracked:
            tid = det.track_id
            assert tid is not None
            track = self._tracks.get(tid) or self._adopt_lost(det.feet, visible, t) or _Track()
            self._tracks[tid] = track
            track.last_seen_t, track.anchor = t, det.feet
            if (direction := self._see(track, det.feet)) is not None:
                crossings.append(Crossing(self.name, direction, tid, t, det))
        for tid, track in list(self._tracks.items()):
            if t - track.last_seen_t > self.rule.lost_grace_s:
                del self._tracks[tid]
        return crossings

    def _see(self, track: _Track, anchor: Point) -> Direction | None:
        """Move ``track`` on by one sighting at ``anchor``; the direction when that completes a crossing."""
        side = self.side_of(anchor)
        if side is _BESIDE:
            track.side, track.run = _ON, 0
        elif track.side == _ON:  # where a track starts: the margin does not matter, only the side
            track.side = self.side_of(anchor, margin=0.0) or _ON
        elif side == _ON:
            pass
        elif side == track.side:
            track.run = 0
        else:
            track.run += 1
            if track.run >= self.rule.min_frames:
                track.side, track.run = side, 0
                return "in" if side == _IN else "out"
        return None

    def _adopt_lost(self, anchor: Point, visible: set[int | None], t: float) -> _Track | None:
        """Hand the state of the nearest track lost close to ``anchor`` to a new track id."""
        lost = [
            (tid, tr)
            for tid, tr in self._tracks.items()
            if tid not in visible and tr.last_seen_t < t and math.dist(tr.anchor, anchor) <= REJOIN_DISTANCE
        ]
        if not lost:
            return None
        tid, track = min(lost, key=lambda item: math.dist(item[1].anchor, anchor))
        del self._tracks[tid]
        return track
