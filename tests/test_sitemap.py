"""The guard's schematic site plan (pure): every camera drawn, the alarm's one marked and named."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

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
