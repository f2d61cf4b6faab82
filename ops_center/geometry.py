"""Pure geometry in relative frame coordinates (0..1), shared by config, zone and line logic."""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]
Polygon = tuple[Point, ...]
MAX_POLYGON_POINTS = 100  # a zone drawn by hand has a dozen; the editor simplifies freehand outlines
Segment = tuple[Point, Point]


def validate_polygon(points: Sequence[Sequence[float]]) -> Polygon:
    """Return ``points`` as a polygon, or raise ``ValueError`` naming what is wrong.

    A polygon needs at least 3 points (at most ``MAX_POLYGON_POINTS``), each a pair of numbers between
    0 and 1 (fractions of the frame's width and height), and a non-zero area.
    """
    if len(points) > MAX_POLYGON_POINTS:
        raise ValueError(f"a polygon has at most {MAX_POLYGON_POINTS} points, got {len(points)}")
    pts = _validate_points(points)
    if len(pts) < 3:
        raise ValueError(f"a polygon needs at least 3 points, got {len(pts)}")
    if abs(polygon_area(pts)) < 1e-9:
        raise ValueError("the polygon has no area (its points are on one line)")
    return tuple(pts)


def validate_segment(points: Sequence[Sequence[float]]) -> Segment:
    """Return ``points`` as a line segment, or raise ``ValueError`` naming what is wrong.

    A segment is exactly 2 distinct points, each a pair of numbers between 0 and 1.
    """
    pts = _validate_points(points)
    if len(pts) != 2:
        raise ValueError(f"a line needs exactly 2 points, got {len(pts)}")
    if pts[0] == pts[1]:
        raise ValueError("the line's two points are the same point")
    return pts[0], pts[1]


def parse_polygon(text: str) -> Polygon:
    """Parse ``"x,y x,y x,y ..."`` (relative coordinates) into a validated polygon."""
    return validate_polygon(_parse_points(text))


def parse_segment(text: str) -> Segment:
    """Parse ``"x1,y1 x2,y2"`` (relative coordinates) into a validated line segment."""
    return validate_segment(_parse_points(text))


def _parse_points(text: str) -> list[tuple[float, ...]]:
    points: list[tuple[float, ...]] = []
    for i, pair in enumerate(text.split()):
        try:
            points.append(tuple(float(v) for v in pair.split(",")))
        except ValueError:
            raise ValueError(f"point {i + 1} {pair!r} is not 'x,y' with two numbers") from None
    return points


def _validate_points(points: Sequence[Sequence[float]]) -> list[Point]:
    pts: list[Point] = []
    for i, p in enumerate(points):
        if not isinstance(p, Sequence) or isinstance(p, str):
            raise ValueError(f"point {i + 1} is {p!r}, expected a pair of numbers [x, y]")
        if len(p) != 2:
            raise ValueError(f"point {i + 1} has {len(p)} values, expected 2 (x,y)")
        try:
            x, y = float(p[0]), float(p[1])
        except (TypeError, ValueError):
            raise ValueError(f"point {i + 1} {list(p)!r} is not a pair of numbers [x, y]") from None
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValueError(
                f"point {i + 1} ({x:g},{y:g}) is outside 0..1; coordinates are fractions of the frame"
            )
        pts.append((x, y))
    return pts


def polygon_area(points: Sequence[Point]) -> float:
    """Signed area of a polygon (shoelace formula)."""
    n = len(points)
    return 0.5 * sum(
        points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1] for i in range(n)
    )


def point_in_polygon(x: float, y: float, polygon: Sequence[Point]) -> bool:
    """True when (x, y) lies inside ``polygon`` (even-odd ray casting; edges count as inside)."""
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if _on_segment(x, y, x1, y1, x2, y2):
            return True
        if (y1 > y) != (y2 > y):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_cross:
                inside = not inside
    return inside


def signed_distance(x: float, y: float, segment: Segment) -> float:
    """Distance of (x, y) from the segment's line: positive on the left of first -> second point, as drawn.

    "Left" as seen on the image (y grows downwards): for a segment drawn from left to right, the
    points above it are on its left.
    """
    (x1, y1), (x2, y2) = segment
    return ((x2 - x1) * (y1 - y) - (y2 - y1) * (x1 - x)) / math.hypot(x2 - x1, y2 - y1)


def along(x: float, y: float, segment: Segment) -> float:
    """Where (x, y) projects onto the segment: 0 at its first point, 1 at its second, outside 0..1 beyond its ends."""
    (x1, y1), (x2, y2) = segment
    dx, dy = x2 - x1, y2 - y1
    return ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)


def _on_segment(px: float, py: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (px - x1) * (y2 - y1) - (py - y1) * (x2 - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= px <= max(x1, x2) + 1e-12 and min(y1, y2) - 1e-12 <= py <= max(y1, y2) + 1e-12
