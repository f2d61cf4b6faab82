"""A synthetic shop-door camera for the demo's footfall: a painted café front on which real people come and go.

The camera hangs above the pavement and looks at the café's front: its double door in the middle, windows
either side. Once per cycle (``CYCLE_S`` seconds of camera time) a passer-by hurries along the front
of the picture without going in, a shopper walks in along the pavement from the left, turns to the
door, stands there a moment and goes in; then another steps out of the door, comes down to the
pavement, looks round and walks off to the right. They walk slowly and stand a while on either side
of the line, so that a worker that processes only a frame or two a second still tracks them.
``DOOR_LINE`` is a counting line across the pavement in front of the door, "in" towards the door:
each cycle, one person crosses it in and one out, and the passer-by never crosses it.
The people are the cut-outs of ``detectors.synthetic`` (real people, so the real model finds them).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from detectors.synthetic import Leg, Pose, SyntheticCamera, cutouts, paste_person, pose_along

CYCLE_S = 40.0
DOOR_LINE: list[list[float]] = [[0.25, 0.74], [0.75, 0.74]]
"""The counting line in front of the door, as fractions of the frame; the door's side is "above"."""
# The double door: shoppers go in by its left leaf and come out by its right one, far enough apart
# that the tracker never takes one who comes out for one who just went in.
_IN_X, _OUT_X, _DOOR_FEET_Y = 0.44, 0.57, 0.6
_PAVEMENT_Y, _FRONT_Y = 0.9, 0.97  # where shoppers walk along, where the passer-by does
_FACADE_BOTTOM_Y = 0.58


@dataclass(frozen=True, slots=True)
class Visit:
    """One person's walk in each cycle: ``legs`` from ``start_s`` into the cycle, off-screen otherwise."""

    cutout: int
    start_s: float
    legs: tuple[Leg, ...]

    def pose(self, t: float) -> Pose | None:
        """The person's pose at ``t`` seconds, or None while off-screen (or inside the café)."""
        u = t % CYCLE_S - self.start_s
        return pose_along(list(self.legs), u) if u >= 0 else None


_IN_DOOR, _OUT_DOOR = (_IN_X, _DOOR_FEET_Y), (_OUT_X, _DOOR_FEET_Y)
VISITS = (
    Visit(1, 0.0, ((8.0, (1.12, _FRONT_Y), (-0.12, _FRONT_Y)),)),  # a passer-by hurries past
    Visit(0, 0.0, ((8.0, (-0.12, _PAVEMENT_Y), (_IN_X - 0.03, _PAVEMENT_Y)),  # a shopper walks up,
                   (6.0, (_IN_X - 0.03, _PAVEMENT_Y), _IN_DOOR),  # turns to the door,
                   (3.0, _IN_DOOR, _IN_DOOR))),  # opens it and goes in
    Visit(2, 18.0, ((3.0, _OUT_DOOR, _OUT_DOOR),  # another steps out of the door,
                    (6.0, _OUT_DOOR, (_OUT_X + 0.03, _PAVEMENT_Y)),  # comes down to the pavement,
                    (3.0, (_OUT_X + 0.03, _PAVEMENT_Y), (_OUT_X + 0.03, _PAVEMENT_Y)),  # looks round
                    (8.0, (_OUT_X + 0.03, _PAVEMENT_Y), (1.12, _PAVEMENT_Y)))),  # and walks off to the right
)
"""Who walks where in each cycle: one person in through the door, one out, one past. The two at the door
wear light coats (beige, red): the black coat would vanish against the doorway."""


@dataclass(frozen=True, slots=True)
class Painted:
    """A person as painted into the last frame: box (relative x1, y1, x2, y2)."""

    box: tuple[float, float, float, float]


def paint_shopfront(width: int, height: int, seed: int) -> np.ndarray:
    """The still scene: the café's front (sign, windows, glass door) over a paved pavement."""
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.uint8)

    def px(x: float, y: float) -> tuple[int, int]:
        return int(x * width), int(y * height)

    facade = int(_FACADE_BOTTOM_Y * height)
    img[:facade] = (150, 170, 190)  # a warm render
    img[:facade] = np.clip(img[:facade] + rng.normal(0, 5, (facade, width, 1)), 0, 255).astype(np.uint8)
    cv2.rectangle(img, px(0.0, 0.04), px(1.0, 0.15), (60, 45, 35), -1)  # the sign board
    cv2.putText(img, "CLOUD CAFE", (int(0.37 * width), int(0.125 * height)), cv2.FONT_HERSHEY_SIMPLEX,
                height / 400, (210, 235, 245), max(1, height // 250), cv2.LINE_AA)
    for x1, x2 in ((0.04, 0.36), (0.64, 0.96)):  # the windows: tables and a counter seen through them
        cv2.rectangle(img, px(x1, 0.2), px(x2, 0.5), (95, 80, 65), -1)
        for _ in range(6):
            cx, cy = rng.uniform(x1 + 0.03, x2 - 0.03), rng.uniform(0.36, 0.46)
            cv2.ellipse(img, px(cx, cy), (int(0.025 * width), int(0.01 * height)), 0, 0, 360, (150, 165, 175), -1)
        cv2.rectangle(img, px(x1, 0.2), px(x2, 0.5), (45, 40, 35), max(2, height // 120))
    for x1, x2 in ((0.4, 0.5), (0.5, 0.6)):  # the double door, open: the lit room behind it
        cv2.rectangle(img, px(x1, 0.2), px(x2, _FACADE_BOTTOM_Y), (140, 120, 100), -1)
        cv2.rectangle(img, px(x1, 0.2), px(x2, _FACADE_BOTTOM_Y), (40, 35, 30), max(2, height // 100))

    ys = np.arange(height - facade, dtype=np.float32)[:, None] / height + _FACADE_BOTTOM_Y
    pavement = np.broadcast_to(np.array([175, 180, 185], np.float32) - (ys[..., None] - 0.58) * 40,
                               (height - facade, width, 3)).copy()
    pavement += rng.normal(0, 7, pavement.shape[:2])[..., None]
    img[facade:] = np.clip(pavement, 0, 255).astype(np.uint8)
    for row in np.arange(_FACADE_BOTTOM_Y + 0.04, 1.0, 0.05):  # paving joints, in perspective
        cv2.line(img, px(0.0, row), px(1.0, row), (150, 155, 160), 1)
    for col in np.arange(-1.0, 2.0, 0.1):
        cv2.line(img, px(0.5 + (col - 0.5) * 0.5, _FACADE_BOTTOM_Y), px(col, 1.0), (150, 155, 160), 1)
    cv2.rectangle(img, px(0.41, 0.58), px(0.59, 0.63), (60, 70, 90), -1)  # the doormat
    return img


class SyntheticShopDoor(SyntheticCamera):
    """A painted café front with real people going in and out of its door."""

    def __init__(self, fps: float = 10.0, width: int = 960, height: int = 540, seed: int = 0) -> None:
        super().__init__(fps, width, height, "shop-door")
        self._cutouts = cutouts()
        self._background = paint_shopfront(width, height, seed)
        self.people: list[Painted] = []

    def render(self, t: float) -> np.ndarray:
        """The frame at ``t`` seconds (BGR); ``people`` then lists who was painted where."""
        frame = self._background.copy()
        poses = [(v.cutout, pose) for v in VISITS if (pose := v.pose(t)) is not None]
        self.people = []
        for index, pose in sorted(poses, key=lambda item: item[1].feet[1]):  # far ones first
            box = paste_person(frame, self._cutouts[index], pose, t)
            if box is not None:
                x1, y1, x2, y2 = box
                self.people.append(Painted((x1 / self.width, y1 / self.height, x2 / self.width, y2 / self.height)))
        return frame
