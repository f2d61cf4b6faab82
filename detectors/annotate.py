"""Evidence drawing with OpenCV: zone polygons, counting lines, person boxes, camera name and local time; JPEG.

Persons whose feet are inside a zone, and vehicles whose box centre is inside a no-parking area, are
drawn in red, others in a neutral colour, each with its track id. Zones (orange) and no-parking areas
(red) get a translucent fill, an outline and their label; counting lines their label and
an arrow towards their "in" side; parking spaces an outline, red when taken, green when free. Text is ASCII only (OpenCV's
Hershey fonts); sizes follow the frame's height so small and full-HD frames both read well.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, tzinfo

import cv2
import numpy as np

from detectors.detection import Detection
from detectors.spaces import VEHICLES
from ops_center.config import CameraConfig, LineConfig, NoParkingConfig, SpaceConfig, ZoneConfig
from ops_center.errors import OpsError
from ops_center.geometry import Polygon, point_in_polygon

RED = (40, 40, 230)
NEUTRAL = (200, 200, 200)
ZONE = (0, 140, 255)
LINE = (255, 200, 0)
FREE = (80, 200, 80)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
ZONE_ALPHA = 0.25
FONT = cv2.FONT_HERSHEY_SIMPLEX


def annotate(
    image: np.ndarray,
    detections: Sequence[Detection],
    zones: Sequence[ZoneConfig],
    *,
    lines: Sequence[LineConfig] = (),
    spaces: Sequence[tuple[SpaceConfig, bool]] = (),
    no_parking: Sequence[NoParkingConfig] = (),
    inside: Collection[int] = (),
    caption: str = "",
    banner: str = "",
) -> np.ndarray:
    """A copy of ``image`` with zones, boxes (those in ``inside``, by position, in red) and captions.

    ``caption`` (camera name and local time) goes bottom left; ``banner`` (a warning such as
    "detector unavailable") top left.
    """
    out = image.copy()
    h, w = out.shape[:2]
    scale = max(0.35, h / 720)
    thick = max(1, round(2 * scale))
    _draw_areas(out, [(z.polygon, z.display_name) for z in zones], ZONE, scale, thick)
    _draw_areas(out, [(a.polygon, a.display_name) for a in no_parking], RED, scale, thick)
    _draw_lines(out, lines, scale, thick)
    _draw_spaces(out, spaces, scale)
    for i, det in enumerate(detections):
        colour = RED if i in inside else NEUTRAL
        x1, y1, x2, y2 = (int(det.box[0] * w), int(det.box[1] * h), int(det.box[2] * w), int(det.box[3] * h))
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, thick)
        label = f"#{det.track_id}" if det.track_id is not None else f"{det.confidence:.2f}"
        _label(out, label, (x1, max(0, y1 - 2)), colour, scale * 0.8, thick, above=True)
    if caption:
        _label(out, caption, (4, h - 4), WHITE, scale, thick, above=True)
    if banner:
        _label(out, banner, (4, 4), RED, scale, thick, above=False)
    return out


class FrameRenderer:
    """Annotates one camera's frames: its geometry, persons (red inside a zone), vehicles (red inside a
    no-parking area), its name and local time."""

    def __init__(self, camera: CameraConfig, tz: tzinfo | None = None) -> None:
        """``tz``: the site's time zone for the caption (default: this machine's)."""
        self.camera = camera
        self.tz = tz

    def render(
        self,
        image: np.ndarray,
        detections: Sequence[Detection],
        at: datetime,
        banner: str = "",
        occupied: Mapping[str, bool] | None = None,
    ) -> np.ndarray:
        """``image`` annotated as evidence or as a live frame taken at ``at``; ``occupied``: each space's state."""
        zones, areas = self.camera.zones, self.camera.no_parking
        inside = [
            i for i, d in enumerate(detections)
            if any(point_in_polygon(*d.feet, z.polygon) for z in zones)
            or (d.class_id in VEHICLES and any(point_in_polygon(*d.centre, a.polygon) for a in areas))
        ]
        caption = f"{self.camera.name}  {at.astimezone(self.tz):%Y-%m-%d %H:%M:%S}"
        spaces = [(s, bool(occupied and occupied.get(s.id))) for s in self.camera.spaces]
        return annotate(
            image, detections, zones, lines=self.camera.lines, spaces=spaces, no_parking=areas, inside=inside,
            caption=caption, banner=banner,
        )


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """``image`` as JPEG bytes."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OpsError(f"cannot encode a {image.shape} frame as JPEG")
    return buf.tobytes()


def _draw_areas(
    out: np.ndarray, areas: Sequence[tuple[Polygon, str]], colour: tuple[int, int, int], scale: float, thick: int
) -> None:
    """Polygons with their labels, filled translucent in ``colour`` and outlined."""
    if not areas:
        return
    h, w = out.shape[:2]
    polys = [np.array([[int(x * w), int(y * h)] for x, y in polygon], np.int32) for polygon, _ in areas]
    fill = out.copy()
    for poly in polys:
        cv2.fillPoly(fill, [poly], colour)
    cv2.addWeighted(fill, ZONE_ALPHA, out, 1 - ZONE_ALPHA, 0, dst=out)
    for (_, label), poly in zip(areas, polys, strict=True):
        cv2.polylines(out, [poly], True, colour, thick, cv2.LINE_AA)
        x, y = poly.min(axis=0)
        _label(out, label, (int(x) + 2, int(y) + 2), colour, scale * 0.8, thick, above=False)


def _draw_spaces(out: np.ndarray, spaces: Sequence[tuple[SpaceConfig, bool]], scale: float) -> None:
    h, w = out.shape[:2]
    for space, taken in spaces:
        poly = np.array([[int(x * w), int(y * h)] for x, y in space.polygon], np.int32)
        colour = RED if taken else FREE
        cv2.polylines(out, [poly], True, colour, 1, cv2.LINE_AA)
        x, y = poly.min(axis=0)
        _label(out, space.id, (int(x) + 1, int(y) + 1), colour, scale * 0.5, 1, above=False)


_IN_STEP = {"above": (0, -1), "below": (0, 1), "left": (-1, 0), "right": (1, 0)}


def _draw_lines(out: np.ndarray, lines: Sequence[LineConfig], scale: float, thick: int) -> None:
    h, w = out.shape[:2]
    arrow = max(8, round(0.06 * h))
    for line in lines:
        (x1, y1), (x2, y2) = ((int(x * w), int(y * h)) for x, y in line.points)
        cv2.line(out, (x1, y1), (x2, y2), LINE, thick, cv2.LINE_AA)
        mid = ((x1 + x2) // 2, (y1 + y2) // 2)
        dx, dy = _IN_STEP[line.in_side]
        cv2.arrowedLine(out, mid, (mid[0] + dx * arrow, mid[1] + dy * arrow), LINE, thick, cv2.LINE_AA, tipLength=0.4)
        _label(out, line.display_name, (min(x1, x2) + 2, min(y1, y2) - 2), LINE, scale * 0.8, thick, above=True)


def _label(
    out: np.ndarray,
    text: str,
    origin: tuple[int, int],
    colour: tuple[int, int, int],
    scale: float,
    thick: int,
    *,
    above: bool,
) -> None:
    """Text on a dark box; ``origin`` is its bottom-left corner when ``above``, else its top-left."""
    text = _ascii(text)
    (tw, th), base = cv2.getTextSize(text, FONT, scale, thick)
    x, y = origin
    top = y - th - base if above else y
    top = min(max(0, top), out.shape[0] - th - base)
    cv2.rectangle(out, (x, top), (x + tw + 4, top + th + base + 2), BLACK, -1)
    cv2.putText(out, text, (x + 2, top + th + 1), FONT, scale, colour, thick, cv2.LINE_AA)


def _ascii(text: str) -> str:
    """OpenCV's fonts draw ASCII only: other characters become '?'."""
    return text.encode("ascii", "replace").decode("ascii")
