"""A small site plan for the guard's phone: every camera as a dot, the alarm's one marked.

A camera with ``map`` coordinates in the site file sits at that point of the plan; cameras without
them sit in configuration order around the site's schematic outline. The marked camera carries its
name and place in large type. Pure: configuration in, an SVG data URI out.
"""

from __future__ import annotations

import math
from base64 import b64encode
from html import escape

from ops_center.config import CameraConfig

WIDTH, HEIGHT = 360, 200
PLAN_LEFT, PLAN_TOP, PLAN_WIDTH, PLAN_HEIGHT = 16, 14, WIDTH - 32, HEIGHT - 50  # above the name line
_CX, _CY, _RX, _RY = WIDTH / 2, HEIGHT / 2 - 8, 140, 62


def camera_positions(cameras: list[CameraConfig]) -> list[tuple[float, float]]:
    """Each camera's point in SVG units: its ``map`` point on the plan, else a place on the outline."""
    unmapped = sum(cam.map is None for cam in cameras)
    positions, placed = [], 0
    for cam in cameras:
        if cam.map is not None:
            positions.append((PLAN_LEFT + PLAN_WIDTH * cam.map.x, PLAN_TOP + PLAN_HEIGHT * cam.map.y))
        else:
            angle = -math.pi / 2 + 2 * math.pi * placed / unmapped
            positions.append((_CX + _RX * math.cos(angle), _CY + _RY * math.sin(angle)))
            placed += 1
    return positions


def site_map_svg(cameras: list[CameraConfig], marked_id: str | None, site_name: str) -> str:
    """The plan as SVG text; ``marked_id`` is the alarm's camera."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif">',
        f'<rect x="4" y="4" width="{WIDTH - 8}" height="{HEIGHT - 8}" rx="14" fill="#131c2e" stroke="#2a3a58"/>',
        f'<ellipse cx="{_CX}" cy="{_CY}" rx="{_RX}" ry="{_RY}" fill="none" stroke="#2a3a58" stroke-dasharray="6 5"/>',
        f'<text x="{_CX}" y="{_CY + 5}" text-anchor="middle" fill="#8d9cb4" font-size="13">{escape(site_name)}</text>',
    ]
    marked: CameraConfig | None = None
    for cam, (x, y) in zip(cameras, camera_positions(cameras), strict=True):
        if cam.id == marked_id:
            marked = cam
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="15" fill="#ff4d4f" fill-opacity="0.3"/>')
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="#ff4d4f" stroke="#fff" stroke-width="2"/>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#8d9cb4"/>')
    if marked is not None:
        label = escape(marked.name + (f" · {marked.place}" if marked.place else ""))
        parts.append(f'<text x="{_CX}" y="{HEIGHT - 14}" text-anchor="middle" fill="#ffb547" font-size="15" '
                     f'font-weight="700">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_data_uri(svg: str) -> str:
    """SVG text as a ``data:`` URI for an ``<img>``."""
    return "data:image/svg+xml;base64," + b64encode(svg.encode()).decode()


def site_map_uri(cameras: list[CameraConfig], marked_id: str | None, site_name: str) -> str:
    """The plan as a ``data:`` URI for an ``<img>``."""
    return svg_data_uri(site_map_svg(cameras, marked_id, site_name))
