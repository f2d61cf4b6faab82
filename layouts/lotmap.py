"""A level of a lot drawn as SVG: its aisles, its spaces (free, taken or not known), its entrances and
lifts, and optionally a walking route to one marked space. Pure: the lot's graph in, SVG text out,
in the level's own metres (the drawing scales to its box).

The find-my-car page and the lot view share it; each space is a ``<polygon data-space="ID">`` whose
class says its state, the route a ``<polyline class="route">``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from html import escape

from ops_center.lot_routes import XY, Leg, LotGraph, MapSpace

SPACE_DEPTH, SPACE_WIDTH = 4.6, 2.2  # metres drawn per space
COLOURS = {"free": "#1f9d6a", "taken": "#6b7486", "unknown": "#2a3a58", "mine": "#ffb547"}


def _space_polygon(graph: LotGraph, space: MapSpace) -> str:
    """The space's rectangle, its long side pointing from its aisle point to its centre."""
    (ax, ay), (cx, cy) = graph.positions[space.node][1], space.at
    dx, dy = cx - ax, cy - ay
    length = math.hypot(dx, dy) or 1.0
    nx, ny = dx / length, dy / length
    tx, ty = -ny, nx
    d, w = SPACE_DEPTH / 2, SPACE_WIDTH / 2
    corners = [(cx + a * d * nx + b * w * tx, cy + a * d * ny + b * w * ty) for a, b in ((-1, -1), (-1, 1), (1, 1), (1, -1))]
    return " ".join(f"{x:.2f},{y:.2f}" for x, y in corners)


def _points(points: Collection[XY]) -> str:
    return " ".join(f"{x:.2f},{y:.2f}" for x, y in points)


def _label(x: float, y: float, width: float, text: str) -> str:
    """A place's name beside its mark, towards the middle of the drawing so that it stays inside."""
    left = x > width / 2
    return (f'<text x="{x - 2.5 if left else x + 2.5:g}" y="{y + 0.7:g}" font-size="1.8" fill="#e8eef8" '
            f'text-anchor="{"end" if left else "start"}" paint-order="stroke" stroke="#0d1524" stroke-width="0.5">'
            f"{escape(text)}</text>")


def level_svg(
    graph: LotGraph,
    level_id: str,
    lang: str,
    taken: Collection[str] | None = None,
    leg: Leg | None = None,
    mine: str | None = None,
) -> str:
    """The level ``level_id`` of ``graph``'s lot; ``taken``: the spaces taken (None: states not shown),
    ``leg``: the route's part on this level, ``mine``: the space searched for."""
    level = graph.lot.level(level_id)
    if level is None:
        raise ValueError(f"lot {graph.lot.id} has no level {level_id!r}")
    width, height = level.size
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 {width + 4:g} {height + 4:g}" '
        f'font-family="sans-serif" data-level="{escape(level.id)}">',
        f'<rect x="-2" y="-2" width="{width + 4:g}" height="{height + 4:g}" fill="#0d1524"/>',
    ]
    for a, b in level.aisles:
        (x1, y1), (x2, y2) = level.nodes[a], level.nodes[b]
        parts.append(f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="#22304a" stroke-width="3" '
                     'stroke-linecap="round"/>')
    for space in graph.spaces.values():
        if space.level != level.id:
            continue
        state = "mine" if space.id == mine else "unknown" if taken is None else "taken" if space.id in taken else "free"
        parts.append(f'<polygon points="{_space_polygon(graph, space)}" class="space {state}" '
                     f'data-space="{escape(space.id)}" fill="{COLOURS[state]}" stroke="#0d1524" stroke-width="0.3"/>')
    for lift in graph.lot.lifts:
        if level.id in lift.stops:
            x, y = level.nodes[lift.stops[level.id]]
            parts.append(f'<rect x="{x - 1.5:g}" y="{y - 1.5:g}" width="3" height="3" fill="#4da3ff" class="lift" '
                         f'data-lift="{escape(lift.id)}"/>')
            parts.append(_label(x, y, width, lift.name.text(lang)))
    for entrance in graph.lot.entrances:
        if entrance.level == level.id:
            x, y = level.nodes[entrance.node]
            parts.append(f'<circle cx="{x:g}" cy="{y:g}" r="1.6" fill="#c8d3e6" class="entrance" '
                         f'data-entrance="{escape(entrance.id)}"/>')
            parts.append(_label(x, y, width, entrance.name.text(lang)))
    if leg is not None:
        parts.append(f'<polyline points="{_points(leg.points)}" class="route" fill="none" stroke="#4da3ff" '
                     'stroke-width="1.2" stroke-linejoin="round" stroke-linecap="round"/>')
        x, y = leg.points[0]
        parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="1.4" fill="#ffffff" class="route-start"/>')
    parts.append("</svg>")
    return "".join(parts)
