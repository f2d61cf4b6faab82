"""No-parking areas (fire lanes, entrances): detections and a timestamp in, overstay alarms out (pure, no I/O).

An area is watched like a parking space (``detectors.spaces``): a vehicle (car, motorcycle, bus,
truck) stands in it when the centre of its box is inside the polygon; persons and other things never
do. A stay begins after ``min_frames`` frames in a row with a vehicle in the area, dated from the
first of them, and ends after ``min_frames`` frames in a row without one, so a car the detector
misses for a frame or two stands on. A stay raises one alarm, on the first frame at least
``max_stand_s`` after it began on which a vehicle is seen in the area (so the alarm shows the car,
and a car that has just left raises none); the next alarm needs the area emptied and a new stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors.detection import Detection
from detectors.spaces import ParkingSpaces
from ops_center.config import NoParkingConfig, SpaceConfig


@dataclass(frozen=True, slots=True)
class Overstay:
    """A vehicle has stood in area ``area`` since ``since`` and was still seen there at ``t`` (seconds): ``vehicle``."""

    area: str
    since: float
    t: float
    vehicle: Detection

    @property
    def stood_s(self) -> float:
        """How long the vehicle has stood in the area."""
        return self.t - self.since


class NoParkingAreas:
    """The stays in one camera's no-parking areas; feed it every processed frame with ``update``."""

    def __init__(self, areas: Sequence[NoParkingConfig]) -> None:
        self.rules = list(areas)
        self._occupancy = ParkingSpaces(
            [SpaceConfig(id=a.name, polygon=a.polygon, min_frames=a.min_frames) for a in self.rules]
        )
        self._since: list[float | None] = [None] * len(self.rules)  # when the current stay began
        self._alarmed = [False] * len(self.rules)  # whether the current stay has raised its alarm
        self._index = {a.name: i for i, a in enumerate(self.rules)}

    def redrawn(self, areas: Sequence[NoParkingConfig]) -> NoParkingAreas:
        """The stays in ``areas``: an area with the same name, polygon and ``min_frames`` keeps its stay (and
        whether it alarmed; a new limit, label or severity applies to it), others start empty."""
        result = NoParkingAreas(areas)
        result._occupancy = self._occupancy.redrawn(result._occupancy.rules)
        for i, space in enumerate(result._occupancy.rules):
            if space in self._occupancy.rules:
                j = self._occupancy.rules.index(space)
                result._since[i], result._alarmed[i] = self._since[j], self._alarmed[j]
        return result

    def standing(self) -> dict[str, bool]:
        """Each area's name and whether a vehicle stands in it now."""
        return self._occupancy.occupied()

    def update(self, detections: Iterable[Detection], t: float) -> list[Overstay]:
        """Advance every area to time ``t`` with this frame's detections; the stays that just went too long."""
        detections = list(detections)
        for change in self._occupancy.update(detections, t):
            i = self._index[change.space]
            self._since[i] = change.since if change.occupied else None
            self._alarmed[i] = False
        overstays = []
        for i, area in enumerate(self.rules):
            since = self._since[i]
            if since is None or self._alarmed[i] or t - since < area.max_stand_s:
                continue
            seen = self._occupancy.vehicles_in(i, detections)
            if seen:  # still there: not a car that has just left, whose stay ends in a frame or two
                self._alarmed[i] = True
                overstays.append(Overstay(area.name, since, t, max(seen, key=lambda d: d.confidence)))
        return overstays
