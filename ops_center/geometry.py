"""Pure polygon geometry in relative frame coordinates (0..1), shared by config and zone logic."""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]
Polygon = tuple[Point, ...]


def validate_polygon(points: Sequence[Sequence[float]]) -> Polygon:
    """Return ``points`` as a polygon, or raise ``ValueError`` naming what is wrong.

    A polygon needs at least 3 points, each a pair of numbers between 0 and 1 (fractions of the
    frame's width and height), and a non-zero area.
    """
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
    if len(pts) < 3:
        raise ValueError(f"a polygon needs at least 3 points, got {len(pts)}")
    if abs(polygon_area(pts)) < 1e-9:
        raise ValueError("the polygon has no area (its points are on one line)")
    return tuple(pts)


def parse_polygon(text: str) -> Polygon:
    """Parse ``"x,y x,y x,y ..."`` (relative coordinates) into a validated polygon."""
    pairs = text.split()
    points: list[tuple[float, ...]] = []
    for i, pair in enumerate(pairs):
        try:
            points.append(tuple(float(v) for v in pair.split(",")))
        except ValueError:
            raise ValueError(f"point {i + 1} {pair!r} is not 'x,y' with two numbers") from None
    return validate_polygon(points)


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


def _on_segment(px: float, py: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (px - x1) * (y2 - y1) - (py - y1) * (x2 - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= px <= max(x1, x2) + 1e-12 and min(y1, y2) - 1e-12 <= py <= max(y1, y2) + 1e-12
