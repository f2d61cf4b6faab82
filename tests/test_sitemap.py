"""The guard's site plan (pure): every camera drawn where the site file puts it, the alarm's one marked and named."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest

from layouts.sitemap import site_map_svg, site_map_uri
from ops_center.config import CameraConfig

CAMERAS = [CameraConfig(id=f"cam-{i}", name=f"Camera {i}", place="Pool <east>" if i == 2 else "", source="x.mp4")
           for i in range(4)]
SVG = "{http://www.w3.org/2000/svg}"


def test_the_alarms_camera_is_marked_and_named_and_the_others_are_dots() -> None:
    root = ET.fromstring(site_map_svg(CAMERAS, "cam-2", "Lakeside & Co"))
    circles = root.findall(f"{SVG}circle")
    assert len([c for c in circles if c.get("fill") == "#8d9cb4"]) == 3
    assert len([c for c in circles if c.get("fill") == "#ff4d4f"]) == 2  # halo and dot of the marked camera
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert texts == ["Lakeside & Co", "Camera 2 · Pool <east>"]


def test_without_a_camera_nothing_is_marked_and_the_uri_holds_the_svg() -> None:
    root = ET.fromstring(site_map_svg(CAMERAS, None, "Site"))
    assert [t.text for t in root.findall(f"{SVG}text")] == ["Site"]
    uri = site_map_uri(CAMERAS, "cam-0", "Site")
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == site_map_svg(CAMERAS, "cam-0", "Site")


def _dots(svg: str, fill: str) -> list[tuple[float, float]]:
    circles = ET.fromstring(svg).findall(f"{SVG}circle")
    return [(float(c.get("cx")), float(c.get("cy"))) for c in circles if c.get("fill") == fill]


def test_a_camera_with_map_coordinates_is_drawn_at_them_and_the_others_keep_the_outline() -> None:
    mapped = CameraConfig(id="pier", name="Pier", source="x.mp4", map={"x": 0.25, "y": 0.75})
    svg = site_map_svg([CAMERAS[0], mapped, *CAMERAS[1:]], "pier", "Site")
    # the plan spans x 16..344 and y 14..164 of the 360 x 200 drawing
    assert _dots(svg, "#ff4d4f") == [pytest.approx((98.0, 126.5))] * 2  # halo and dot
    assert ET.fromstring(svg).findall(f"{SVG}text")[-1].text == "Pier"
    assert _dots(svg, "#8d9cb4") == _dots(site_map_svg(CAMERAS, None, "Site"), "#8d9cb4")
