"""A detected object in relative frame coordinates, as the zone logic and annotation see it."""

from __future__ import annotations

from dataclasses import dataclass

PERSON = 0


@dataclass(frozen=True, slots=True)
class Detection:
    """One box: ``x1, y1, x2, y2`` as fractions (0..1) of the frame's width and height."""

    box: tuple[float, float, float, float]
    confidence: float
    track_id: int | None = None
    class_id: int = PERSON

    @property
    def feet(self) -> tuple[float, float]:
        """The bottom-centre of the box: where the person stands."""
        x1, _, x2, y2 = self.box
        return ((x1 + x2) / 2.0, y2)

    @property
    def centre(self) -> tuple[float, float]:
        """The centre of the box: where a vehicle stands (it takes a space, blocks a lane)."""
        x1, y1, x2, y2 = self.box
        return ((x1 + x2) / 2.0, (y1 + y2) / 2.0)

    @property
    def area(self) -> float:
        """The box's area as a fraction of the frame."""
        x1, y1, x2, y2 = self.box
        return max(0.0, x2 - x1) * max(0.0, y2 - y1)
