"""Parking-space occupancy: detections and a timestamp in, space changes out (pure, no I/O).

A vehicle (car, motorcycle, bus, truck) is in a space when the centre of its box is inside the
space's polygon; persons and other things never take a space. Every space starts free. It turns
taken after ``min_frames`` frames in a row with a vehicle in it, and free again after
``min_frames`` frames in a row without one: a car the detector misses for fewer frames (a person
walking past it, the infrared night) stays parked, and a car driving through is not parked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors.detection import Detection
from ops_center.config import SpaceConfig
from ops_center.geometry import point_in_polygon

VEHICLES = frozenset({2, 3, 5, 7})
"""COCO class ids of the vehicles that take a space: car, motorcycle, bus, truck."""


@dataclass(frozen=True, slots=True)
class SpaceChange:
    """Space ``space`` became taken (``occupied``) or free at time ``t`` (seconds).

    ``since``: the time of the first of the ``min_frames`` frames that made the change (a car taking
    the space was first seen then).
    """

    space: str
    occupied: bool
    t: float
    since: float


class ParkingSpaces:
    """The occupancy of one camera's parking spaces; feed it every processed frame with ``update``."""

    def __init__(self, spaces: Sequence[SpaceConfig]) -> None:
        self.rules = list(spaces)
        self._occupied = [False] * len(self.rules)
        self._run = [0] * len(self.rules)  # frames in a row that disagree with the space's state
        self._run_since = [0.0] * len(self.rules)  # the time of the first of those frames
        self._bounds = [
            (min(x for x, _ in s.polygon), min(y for _, y in s.polygon),
             max(x for x, _ in s.polygon), max(y for _, y in s.polygon))
            for s in self.rules
        ]

    def redrawn(self, spaces: Sequence[SpaceConfig]) -> ParkingSpaces:
        """The occupancy of ``spaces``: a space whose rule did not change keeps its state, others start free."""
        result = ParkingSpaces(spaces)
        for i, rule in enumerate(result.rules):
            if rule in self.rules:
                j = self.rules.index(rule)
                result._occupied[i], result._run[i] = self._occupied[j], self._run[j]
                result._run_since[i] = self._run_since[j]
        return result

    def occupied(self) -> dict[str, bool]:
        """Each space's id and whether it is taken now."""
        return {s.id: taken for s, taken in zip(self.rules, self._occupied, strict=True)}

    def update(self, detections: Iterable[Detection], t: float) -> list[SpaceChange]:
        """Advance every space to time ``t`` with this frame's detections."""
        vehicles = [d for d in detections if d.class_id in VEHICLES]
        changes = []
        for i, space in enumerate(self.rules):
            seen = bool(self.vehicles_in(i, vehicles))
            if seen == self._occupied[i]:
                self._run[i] = 0
                continue
            if self._run[i] == 0:
                self._run_since[i] = t
            self._run[i] += 1
            if self._run[i] >= space.min_frames:
                self._occupied[i], self._run[i] = seen, 0
                changes.append(SpaceChange(space.id, seen, t, self._run_since[i]))
        return changes

    def vehicles_in(self, index: int, detections: Iterable[Detection]) -> list[Detection]:
        """The vehicles among ``detections`` whose box centre is inside the ``index``-th space."""
        x1, y1, x2, y2 = self._bounds[index]
        polygon = self.rules[index].polygon
        return [
            d for d in detections
            if d.class_id in VEHICLES and x1 <= (c := d.centre)[0] <= x2 and y1 <= c[1] <= y2
            and point_in_polygon(*c, polygon)
        ]

