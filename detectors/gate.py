"""Motion gating: whether the detector runs on a frame.

The detector runs on a frame when
- something moved: a small grey copy of the frame differs from the previous one in more than
  ``min_area`` of its unmasked pixels (masks cover trees, glittering water, clocks);
- a person stands in or near a region of interest (a zone, a counting line, a parking space:
  whatever the pipeline hands over), tracked or only seen (a track the tracker has not confirmed
  yet), so a person who stops at the water's edge stays watched, and one who has just appeared
  there is looked at again until the tracker confirms them;
- or it has not run for ``max_gap_s`` seconds.
Otherwise the frame's detections are the last ones, and nothing is updated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from detectors.detection import PERSON, Detection
from ops_center.config import MotionConfig
from ops_center.geometry import point_in_polygon

Point = tuple[float, float]
Region = Sequence[Point]  # a polygon (3+ points) or a line (2 points), in fractions of the frame


class MotionGate:
    """Decides frame by frame whether the detector runs, and counts how often it did."""

    def __init__(self, config: MotionConfig, regions: Sequence[Region]) -> None:
        """``regions``: where a tracked person keeps the detector on (within ``config.near``)."""
        self.config = config
        self.regions = [list(r) for r in regions]
        self.frames = 0
        self.inferred = 0
        self._previous: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._last_run_t: float | None = None

    def retarget(self, config: MotionConfig, regions: Sequence[Region]) -> None:
        """Gate by ``config`` around ``regions`` from the next frame on (the counts carry on)."""
        if config != self.config:
            self.config, self._previous, self._mask = config, None, None
        self.regions = [list(r) for r in regions]

    @property
    def share_inferred(self) -> float:
        """The share of frames the detector ran on so far (1.0 before any frame)."""
        return self.inferred / self.frames if self.frames else 1.0

    def should_detect(self, image: np.ndarray, t_s: float, tracked: Sequence[Detection]) -> bool:
        """Whether the detector runs on ``image`` (at ``t_s`` seconds), given the persons tracked so far.

        Call ``ran(t_s)`` once it has run.
        """
        self.frames += 1
        moved = self._moved(image)
        return (
            not self.config.enabled
            or self._last_run_t is None
            or t_s - self._last_run_t >= self.config.max_gap_s
            or t_s < self._last_run_t  # a looped file started again
            or moved
            or any(self._near(d) for d in tracked if d.class_id == PERSON)
        )

    def ran(self, t_s: float) -> None:
        """The detector ran on the frame at ``t_s``."""
        self.inferred += 1
        self._last_run_t = t_s

    def _moved(self, image: np.ndarray) -> bool:
        if not self.config.enabled:
            return True
        small = _small_grey(image, self.config.width)
        previous, self._previous = self._previous, small
        if previous is None or previous.shape != small.shape:
            return True
        if self._mask is None or self._mask.shape != small.shape:
            self._mask = _mask(small.shape, self.config.masks)
        changed = (cv2.absdiff(small, previous) > self.config.threshold) & self._mask
        return bool(changed.sum() >= self.config.min_area * max(1, int(self._mask.sum())))

    def _near(self, det: Detection) -> bool:
        x, y = det.feet
        return any(distance_to_region((x, y), region) <= self.config.near for region in self.regions)


def _small_grey(image: np.ndarray, width: int) -> np.ndarray:
    h, w = image.shape[:2]
    size = (width, max(1, round(h * width / w)))
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return cv2.GaussianBlur(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), (5, 5), 0)


def _mask(shape: tuple[int, ...], polygons: Sequence[Region]) -> np.ndarray:
    """True where motion counts: everywhere but inside the mask polygons."""
    h, w = shape[:2]
    ignored = np.zeros((h, w), np.uint8)
    for poly in polygons:
        pts = np.array([[round(x * (w - 1)), round(y * (h - 1))] for x, y in poly], np.int32)
        cv2.fillPoly(ignored, [pts], 1)
    return ignored == 0


def distance_to_region(point: Point, region: Region) -> float:
    """0 inside a polygon; else the distance to its nearest edge (for a line: to the segment)."""
    if len(region) >= 3 and point_in_polygon(point[0], point[1], region):
        return 0.0
    edges = zip(region, [*region[1:], region[0]], strict=True) if len(region) >= 3 else [(region[0], region[-1])]
    return min(_to_segment(point, a, b) for a, b in edges)


def _to_segment(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))
