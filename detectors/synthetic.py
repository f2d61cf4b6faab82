"""A synthetic lakeside camera for the demo: a painted shore on which real people walk.

The people are cut out (``cv2.grabCut``) of the photos that ship inside the Ultralytics package
(``assets/bus.jpg``), so the real model detects real people on any machine, offline. They stroll
along the path in front of the lake; once per cycle (30-60 s of camera time, chosen by the seed)
one of them leaves the path, wades into the lake zone, stays a few seconds and walks back.

``SyntheticCamera`` mimics the part of ``cv2.VideoCapture`` the frame sources use; ``SyntheticLakeside``
and ``detectors.shopfront.SyntheticShopDoor`` paint its scenes. Frames are deterministic for a seed:
frame ``n`` shows the scene at ``n / fps`` seconds, with no wall-clock pacing.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ops_center.errors import SourceUnavailable
from ops_center.geometry import point_in_polygon

# The camera hangs high above the shore path and looks across the lake: the water fills the middle
# of the picture and people on the path stand below its edge, so even a box of a walker's head and
# shoulders alone ends below the water. LAKE_ZONE is the painted water, as fractions of the frame
# (x right, y down): the far shore along the top, the near water's edge below. The lake is painted
# from these very points, so the feet of a person standing in the water are inside it.
LAKE_ZONE: list[list[float]] = [
    [0.0, 0.2],
    [1.0, 0.2],
    [1.0, 0.52],
    [0.8, 0.535],
    [0.6, 0.55],
    [0.4, 0.555],
    [0.2, 0.545],
    [0.0, 0.535],
]
_LAKE_POINTS = [(x, y) for x, y in LAKE_ZONE]

_FAR_SHORE_Y = 0.2  # the top edge of LAKE_ZONE
_HORIZON_Y = 0.08  # people shrink toward this line (perspective of a camera looking down)
_HEIGHT_PER_DEPTH = 0.4  # person height (fraction of frame height) per unit of feet-y below the horizon
_PATH_TOP_Y, _PATH_BOTTOM_Y = 0.68, 0.97
_WALK_SPEED = 0.33  # relative to the person's height, per second (about 0.55 m/s: a stroll)


@dataclass(frozen=True, slots=True)
class _Person:
    """Where one person was found in an Ultralytics sample photo, and strokes that seed grabCut.

    ``box`` comes from running YOLOv8n on the photo once; the strokes (polylines with a thickness,
    in photo pixels) mark sure body parts (``body``) and sure background between them (``not_body``).
    """

    photo: str
    box: tuple[int, int, int, int]
    body: tuple[tuple[tuple[int, int], ...], ...]
    not_body: tuple[tuple[tuple[int, int], ...], ...]
    body_width: tuple[int, ...]
    not_body_width: tuple[int, ...]


_PEOPLE = (
    _Person(  # the man in the beige coat
        photo="bus.jpg",
        box=(50, 398, 244, 903),
        body=(
            ((130, 412), (130, 470)),
            ((125, 480), (115, 690)),
            ((75, 520), (170, 520)),
            ((75, 620), (170, 650)),
            ((88, 700), (80, 760), (72, 820), (80, 875)),
            ((158, 700), (170, 770), (185, 830), (205, 880)),
        ),
        body_width=(12, 14, 10, 10, 7, 7),
        not_body=(
            ((133, 720), (133, 810)),  # a bollard between his legs
            ((52, 745), (56, 805)),  # a hand of the woman beside him
            ((58, 680), (62, 790)),
            ((96, 405), (96, 440)),
            ((120, 835), (150, 870)),
            ((210, 700), (240, 800)),
        ),
        not_body_width=(14, 8, 10, 5, 8, 10),
    ),
    _Person(  # the man in the black coat
        photo="bus.jpg",
        box=(221, 408, 343, 856),
        body=(
            ((285, 425), (285, 470)),
            ((285, 480), (280, 690)),
            ((240, 560), (320, 560)),
            ((255, 700), (255, 790), (268, 835)),
            ((300, 700), (290, 790)),
        ),
        body_width=(12, 14, 10, 8, 6),
        not_body=(((226, 415), (228, 470)), ((252, 410), (252, 480)), ((225, 800), (230, 850))),
        not_body_width=(8, 10, 8),
    ),
)


@dataclass(frozen=True, slots=True)
class _Recolour:
    """Repaint one garment of a cut-out person: pixels in a hue/saturation band within some rows.

    Hues are OpenCV's (0..180); ``highlights`` also takes the pale, unsaturated folds of the garment.
    """

    person: int
    hue: tuple[int, int]
    max_saturation: int
    rows: tuple[float, float]
    to_hue: int
    saturation: tuple[float, float]  # new S = S * a + b
    value_gain: float
    highlights: bool


_VARIANTS = (
    _Recolour(0, (11, 24), 125, (0.12, 0.66), 172, (0.8, 120.0), 0.75, True),  # the coat in red
    _Recolour(1, (95, 125), 255, (0.6, 0.98), 20, (0.6, 40.0), 1.0, False),  # khaki trousers
)


@dataclass(frozen=True, slots=True)
class Cutout:
    """A person cut out of a photo: BGR pixels and an alpha mask (0..1) of the same size."""

    image: np.ndarray
    alpha: np.ndarray


@dataclass(frozen=True, slots=True)
class PaintedPerson:
    """A person as painted into the last frame: box (relative x1, y1, x2, y2) and whether in the lake."""

    box: tuple[float, float, float, float]
    in_lake: bool


def assets_dir() -> Path:
    """The folder of sample photos inside the installed Ultralytics package."""
    try:
        import ultralytics
    except ImportError:
        raise SourceUnavailable("synthetic:lakeside needs the ultralytics package (its sample photos)") from None
    return Path(ultralytics.__file__).parent / "assets"


@cache
def cutouts() -> tuple[Cutout, ...]:
    """The people of the sample photos, cut out once per process (about a second of grabCut),
    followed by the same people in other clothes (``_VARIANTS``)."""
    people = tuple(_cut_out(p) for p in _PEOPLE)
    return people + tuple(_recolour(people[v.person], v) for v in _VARIANTS)


def _recolour(cut: Cutout, spec: _Recolour) -> Cutout:
    hsv = cv2.cvtColor(cut.image, cv2.COLOR_BGR2HSV).astype(np.float32)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    rows = np.arange(hue.shape[0], dtype=np.float32)[:, None] / hue.shape[0]
    garment = (hue >= spec.hue[0]) & (hue <= spec.hue[1]) & (sat <= spec.max_saturation)
    if spec.highlights:
        garment |= (sat < 45) & (val > 150)
    garment &= (val >= 30) & (rows > spec.rows[0]) & (rows < spec.rows[1])
    garment = cv2.morphologyEx(garment.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)) > 0
    hue[garment] = spec.to_hue
    sat[garment] = np.clip(sat[garment] * spec.saturation[0] + spec.saturation[1], 0, 255)
    val[garment] *= spec.value_gain
    return Cutout(image=cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR), alpha=cut.alpha)


def _cut_out(person: _Person) -> Cutout:
    path = assets_dir() / person.photo
    photo = cv2.imread(str(path))
    if photo is None:
        raise SourceUnavailable(f"synthetic:lakeside: cannot read the sample photo {path}")
    x1, y1, x2, y2 = person.box
    pad = 20
    ox, oy = max(0, x1 - pad), max(0, y1 - pad)
    crop = photo[oy : min(photo.shape[0], y2 + pad), ox : min(photo.shape[1], x2 + pad)].copy()
    mask = np.full(crop.shape[:2], cv2.GC_BGD, np.uint8)
    mask[y1 - oy : y2 - oy, x1 - ox : x2 - ox] = cv2.GC_PR_BGD
    for strokes, widths, label in (
        (person.body, person.body_width, cv2.GC_FGD),
        (person.not_body, person.not_body_width, cv2.GC_BGD),
    ):
        for stroke, width in zip(strokes, widths, strict=True):
            points = (np.array(stroke) - [ox, oy]).astype(np.int32)
            cv2.polylines(mask, [points], False, label, width)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(crop, mask, None, bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]  # the stubs reject the mask dtype
    alpha = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.float32)
    alpha = cv2.GaussianBlur(cv2.erode(alpha, np.ones((3, 3), np.uint8)), (5, 5), 0)
    ys, xs = np.nonzero(alpha > 0.5)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return Cutout(image=crop[top:bottom, left:right], alpha=alpha[top:bottom, left:right])


def person_height(feet_y: float) -> float:
    """A person's height (fraction of the frame height) when standing with the feet at ``feet_y``."""
    return _HEIGHT_PER_DEPTH * max(0.02, feet_y - _HORIZON_Y)


def water_edge_y(x: float) -> float:
    """The y of the near water's edge at ``x`` (both relative), from ``LAKE_ZONE``'s lower side."""
    edge = sorted((p for p in LAKE_ZONE if p[1] > _FAR_SHORE_Y), key=lambda p: p[0])
    for (xa, ya), (xb, yb) in itertools.pairwise(edge):
        if xa <= x <= xb:
            return ya + (yb - ya) * (x - xa) / (xb - xa)
    return edge[0][1] if x < edge[0][0] else edge[-1][1]


# --- the choreography (pure: time in, positions out) -------------------------------------------


@dataclass(frozen=True, slots=True)
class Pose:
    """Where a person stands at a moment: feet (relative), facing, walking or standing."""

    feet: tuple[float, float]
    facing_left: bool
    walking: bool


@dataclass(frozen=True, slots=True)
class Stroller:
    """Someone walking up and down the path at a fixed depth, wrapping round off-screen."""

    cutout: int
    feet_y: float
    phase_s: float
    leftward: bool
    aspect: float  # frame height / width: turns a speed in heights into one in widths

    def pose(self, t: float) -> Pose:
        """The stroller's pose at ``t`` seconds."""
        h = person_height(self.feet_y)
        margin = 0.1
        span = 1.0 + 2 * margin
        dist = (t + self.phase_s) * _WALK_SPEED * h * self.aspect
        x = (dist % span) - margin
        return Pose(feet=((1.0 - x) if self.leftward else x, self.feet_y), facing_left=self.leftward, walking=True)


@dataclass(frozen=True, slots=True)
class Wader:
    """The one who, once per cycle, walks in along the path, steps into the lake, stays, and walks on.

    Timeline inside each cycle (seconds from ``start_s``): walk in from the left along the path,
    turn to the lake, wade in, stand in the water for ``stay_s``, come back to the path, walk off
    to the right; off-screen for the rest of the cycle.
    """

    cutout: int
    cycle_s: float
    start_s: float
    turn_x: float
    path_y: float
    water_y: float
    stay_s: float

    def legs(self) -> list[Leg]:
        """The cycle as (duration, feet from, feet to) legs; standing still is a leg with from == to."""
        water = (self.turn_x + 0.03, self.water_y)
        on_path = (self.turn_x, self.path_y)
        return [
            (9.0, (-0.15, self.path_y), on_path),
            (4.0, on_path, water),
            (self.stay_s, water, water),
            (4.0, water, on_path),
            (9.0, on_path, (1.15, self.path_y)),
        ]

    def lake_window(self) -> tuple[float, float]:
        """Seconds into the cycle (from ``start_s``) when the wader stands in the water."""
        durations = [leg[0] for leg in self.legs()]
        return (sum(durations[:2]), sum(durations[:3]))

    def pose(self, t: float) -> Pose | None:
        """The wader's pose at ``t`` seconds, or None while off-screen."""
        return pose_along(self.legs(), (t - self.start_s) % self.cycle_s)


Leg = tuple[float, tuple[float, float], tuple[float, float]]
"""(seconds, feet from, feet to) of a walk; standing still is a leg with from == to."""


def pose_along(legs: list[Leg], u: float) -> Pose | None:
    """The pose ``u`` seconds into a walk along ``legs``, or None once it is over (off-screen)."""
    for duration, (xa, ya), (xb, yb) in legs:
        if u < duration:
            f = u / duration
            moving = (xa, ya) != (xb, yb)
            return Pose(feet=(xa + (xb - xa) * f, ya + (yb - ya) * f), facing_left=xb < xa, walking=moving)
        u -= duration
    return None


def cast(seed: int, aspect: float) -> tuple[list[Stroller], Wader]:
    """The people of the scene for a seed (``aspect``: frame height / width): strollers and the wader."""
    rng = random.Random(seed)
    strollers = [
        Stroller(cutout=0, feet_y=0.84, phase_s=rng.uniform(0, 20), leftward=True, aspect=aspect),
        Stroller(cutout=1, feet_y=0.95, phase_s=rng.uniform(0, 20), leftward=False, aspect=aspect),
        Stroller(cutout=2, feet_y=0.89, phase_s=rng.uniform(0, 20), leftward=True, aspect=aspect),
    ]
    turn_x = rng.uniform(0.3, 0.6)
    wader = Wader(
        cutout=3,
        cycle_s=rng.uniform(40.0, 55.0),
        start_s=rng.uniform(0.0, 5.0),
        turn_x=turn_x,
        path_y=0.9,
        water_y=water_edge_y(turn_x) - rng.uniform(0.03, 0.045),
        stay_s=rng.uniform(4.0, 7.0),
    )
    return strollers, wader


# --- painting --------------------------------------------------------------------------------


def paint_background(width: int, height: int, seed: int) -> np.ndarray:
    """The still scene: sky, towers and trees on the far shore, the lake, the shore, the path."""
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.uint8)
    ys = np.arange(height, dtype=np.float32)[:, None] / height

    # sky: deep blue at the top to a pale haze at the far shore
    sky_top, sky_low = np.array([200, 150, 95], np.float32), np.array([235, 220, 205], np.float32)
    f = np.clip(ys / _FAR_SHORE_Y, 0, 1)[..., None]
    img[:] = (sky_top * (1 - f) + sky_low * f).astype(np.uint8)

    # residential towers behind the trees
    x = rng.uniform(0.0, 0.05)
    while x < 0.95:
        w = rng.uniform(0.04, 0.06)
        top = rng.uniform(0.02, 0.08)
        x1, x2 = int(x * width), int((x + w) * width)
        shade = int(rng.uniform(175, 205))
        cv2.rectangle(img, (x1, int(top * height)), (x2, int(_FAR_SHORE_Y * height)), (shade, shade, shade - 8), -1)
        for wy in np.arange(top + 0.01, _FAR_SHORE_Y, 0.014):
            for wx in np.arange(x + 0.006, x + w - 0.006, 0.011):
                cv2.rectangle(
                    img,
                    (int(wx * width), int(wy * height)),
                    (int((wx + 0.005) * width), int((wy + 0.006) * height)),
                    (shade - 45, shade - 40, shade - 30),
                    -1,
                )
        x += w + rng.uniform(0.03, 0.1)

    # the far shore's tree line
    shore_top, shore_bottom = int((_FAR_SHORE_Y - 0.04) * height), int((_FAR_SHORE_Y + 0.01) * height)
    cv2.rectangle(img, (0, shore_top), (width, shore_bottom), (38, 85, 50), -1)
    for _ in range(160):
        cx, cy = rng.uniform(0, 1), rng.uniform(_FAR_SHORE_Y - 0.07, _FAR_SHORE_Y - 0.02)
        r = rng.uniform(0.012, 0.03)
        g = rng.uniform(0.75, 1.15)
        color = (int(40 * g), int(95 * g), int(55 * g))
        cv2.ellipse(img, (int(cx * width), int(cy * height)), (int(r * width), int(r * width * 0.8)), 0, 0, 360, color, -1)

    # the lake: sky-coloured far away, darker near, with the trees' reflection and ripples
    lake = np.array([[int(px * width), int(py * height)] for px, py in LAKE_ZONE], np.int32)
    water_mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(water_mask, [lake], 255)
    far, near = np.array([175, 150, 115], np.float32), np.array([120, 100, 60], np.float32)
    f = np.clip((ys - _FAR_SHORE_Y) / 0.35, 0, 1)[..., None]
    water = np.broadcast_to(far * (1 - f) + near * f, (height, width, 3)).copy()
    band = int(_FAR_SHORE_Y * height)
    reflection = img[band - int(0.08 * height) : band][::-1].astype(np.float32)
    shift = (np.sin(np.arange(reflection.shape[0]) * 0.9) * 3).astype(int)
    reflection = np.stack([np.roll(row, s, axis=0) for row, s in zip(reflection, shift, strict=True)])
    rows = slice(band, band + reflection.shape[0])
    water[rows] = 0.55 * water[rows] + 0.45 * 0.8 * reflection
    water += rng.normal(0, 4, water.shape[:2])[..., None]
    for _ in range(1100):
        wy = rng.uniform(_FAR_SHORE_Y + 0.01, 0.56)
        wx = rng.uniform(0, 1)
        length = (wy - _HORIZON_Y) * rng.uniform(0.02, 0.08)
        bright = rng.uniform(15, 45)
        cv2.line(
            water,
            (int(wx * width), int(wy * height)),
            (int((wx + length) * width), int(wy * height)),
            tuple(float(c) + bright for c in near),
            1,
        )
    water = np.clip(water, 0, 255).astype(np.uint8)
    img[water_mask > 0] = water[water_mask > 0]

    # the shore below the water's edge: pebbles, then grass, the path, grass again
    edge = np.array([water_edge_y(px / width) for px in range(width)], np.float32)
    yy = ys.repeat(width, axis=1)
    below = yy > edge[None, :]
    ground = np.zeros_like(img, dtype=np.float32)
    ground[:] = (70, 130, 80)  # grass
    pebbles = below & (yy < edge[None, :] + 0.035)
    ground[pebbles] = (120, 150, 165)
    path = (yy >= _PATH_TOP_Y) & (yy <= _PATH_BOTTOM_Y)
    ground[path] = (170, 185, 195)
    ground += rng.normal(0, 9, ground.shape[:2])[..., None]
    img[below] = np.clip(ground, 0, 255).astype(np.uint8)[below]
    for _ in range(250):  # pebbles
        px, py = rng.uniform(0, 1), rng.uniform(0, 0.035)
        cy = water_edge_y(px) + py
        cv2.circle(img, (int(px * width), int(cy * height)), int(rng.integers(1, 4)), (100, 125, 140), -1)
    for row in np.arange(_PATH_TOP_Y, _PATH_BOTTOM_Y, 0.03):  # paving joints
        cv2.line(img, (0, int(row * height)), (width, int(row * height)), (150, 162, 170), 1)
    for col in np.arange(-1.0, 2.0, 0.08):
        apex = (0.5 + (col - 0.5) * 0.6, _PATH_TOP_Y)
        cv2.line(
            img,
            (int(apex[0] * width), int(apex[1] * height)),
            (int(col * width), int(_PATH_BOTTOM_Y * height)),
            (150, 162, 170),
            1,
        )
    for edge_y in (_PATH_TOP_Y, _PATH_BOTTOM_Y):  # kerbs
        cv2.line(img, (0, int(edge_y * height)), (width, int(edge_y * height)), (130, 140, 145), 2)

    # a warning sign by the water
    sx, sy = int(0.83 * width), int(0.64 * height)
    cv2.line(img, (sx, sy), (sx, sy - int(0.08 * height)), (70, 70, 70), 4)
    board = (sx - 48, sy - int(0.15 * height), sx + 48, sy - int(0.07 * height))
    cv2.rectangle(img, board[:2], board[2:], (235, 235, 240), -1)
    cv2.rectangle(img, board[:2], board[2:], (30, 30, 200), 3)
    cv2.putText(img, "DEEP WATER", (board[0] + 8, board[1] + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (30, 30, 200), 1)
    cv2.putText(img, "NO WADING", (board[0] + 10, board[1] + 36), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (30, 30, 200), 1)

    # a willow on the near shore, left
    tx, ty = int(0.06 * width), int(0.66 * height)
    cv2.rectangle(img, (tx - 8, ty - int(0.3 * height)), (tx + 8, ty), (40, 60, 80), -1)
    for _ in range(70):
        cx, cy = rng.normal(0.07, 0.05), rng.normal(0.3, 0.08)
        leaf = (45, int(rng.uniform(100, 135)), 60)
        cv2.circle(img, (int(cx * width), int(cy * height)), int(rng.uniform(10, 26)), leaf, -1)
    return img


def paste_person(
    frame: np.ndarray, cut: Cutout, pose: Pose, t: float, submerged: float = 0.0
) -> tuple[int, int, int, int] | None:
    """Paint a person standing at ``pose``; return the painted box in pixels (None when off-frame)."""
    fh, fw = frame.shape[:2]
    h = max(8, int(person_height(pose.feet[1]) * fh))
    bob = int(abs(math.sin(t * math.pi * 1.8)) * h * 0.012) if pose.walking else 0
    w = max(4, int(cut.image.shape[1] * h / cut.image.shape[0]))
    image = cv2.resize(cut.image, (w, h), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(cut.alpha, (w, h), interpolation=cv2.INTER_AREA)
    if pose.facing_left:
        image, alpha = image[:, ::-1], alpha[:, ::-1]
    fx, fy = int(pose.feet[0] * fw), int(pose.feet[1] * fh) - bob
    x1, y1 = fx - w // 2, fy - h
    # a soft shadow on the ground, or rings on the water
    if submerged > 0:
        cv2.ellipse(frame, (fx, fy), (int(w * 0.55), max(2, h // 30)), 0, 0, 360, (200, 185, 160), 1, cv2.LINE_AA)
    else:
        shadow = frame.copy()
        cv2.ellipse(shadow, (fx, fy), (int(w * 0.45), max(2, h // 25)), 0, 0, 360, (40, 50, 50), -1)
        cv2.addWeighted(shadow, 0.35, frame, 0.65, 0, dst=frame)
    cx1, cy1, cx2, cy2 = max(0, x1), max(0, y1), min(fw, x1 + w), min(fh, y1 + h)
    if cx1 >= cx2 or cy1 >= cy2:
        return None
    a = alpha[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1, None]
    if submerged > 0:  # the water covers the ankles: fade the lowest part of the body into it
        rows = np.arange(cy1 - y1, cy2 - y1, dtype=np.float32) / h
        a = a * np.clip((1.0 - rows - submerged) / 0.03 + 1.0, 0.15, 1.0)[:, None, None]
    region = frame[cy1:cy2, cx1:cx2].astype(np.float32)
    person = image[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1].astype(np.float32)
    frame[cy1:cy2, cx1:cx2] = (person * a + region * (1 - a)).astype(np.uint8)
    return (cx1, cy1, cx2, cy2)


class SyntheticCamera:
    """A painted camera, mimicking the ``cv2.VideoCapture`` subset the frame sources use; ``render`` paints."""

    def __init__(self, fps: float, width: int, height: int, name: str) -> None:
        if fps <= 0 or width < 64 or height < 64:
            raise SourceUnavailable(f"synthetic:{name}: bad size {width}x{height} or fps {fps}")
        self.fps = float(fps)
        self.width, self.height = width, height
        self.frame_index = 0
        self._open = True

    def render(self, t: float) -> np.ndarray:
        """The frame at ``t`` seconds (BGR)."""
        raise NotImplementedError

    def isOpened(self) -> bool:
        """True until ``release``."""
        return self._open

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The next frame, ``1 / fps`` seconds after the previous one; (False, None) once released."""
        if not self.grab():
            return False, None
        return self.retrieve()

    def grab(self) -> bool:
        """Move to the next frame without painting it; False once released."""
        if self._open:
            self.frame_index += 1
        return self._open

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        """Paint the frame ``grab`` moved to; (False, None) once released."""
        if not self._open:
            return False, None
        return True, self.render((self.frame_index - 1) / self.fps)

    def get(self, prop: int) -> float:
        """Frame rate, width, height or position, as ``cv2.VideoCapture.get``; 0.0 for anything else."""
        return {
            cv2.CAP_PROP_FPS: self.fps,
            cv2.CAP_PROP_FRAME_WIDTH: float(self.width),
            cv2.CAP_PROP_FRAME_HEIGHT: float(self.height),
            cv2.CAP_PROP_POS_FRAMES: float(self.frame_index),
        }.get(prop, 0.0)

    def release(self) -> None:
        """Close the camera: ``read`` returns (False, None) from now on."""
        self._open = False


class SyntheticLakeside(SyntheticCamera):
    """A painted lakeside camera with real people."""

    def __init__(self, fps: float = 10.0, width: int = 960, height: int = 540, seed: int = 0) -> None:
        super().__init__(fps, width, height, "lakeside")
        self._cutouts = cutouts()
        self._background = paint_background(width, height, seed)
        self.strollers, self.wader = cast(seed, height / width)
        self.people: list[PaintedPerson] = []

    @property
    def cycle_s(self) -> float:
        """Seconds of camera time between two visits of the lake."""
        return self.wader.cycle_s

    def render(self, t: float) -> np.ndarray:
        """The frame at ``t`` seconds (BGR); ``people`` then lists who was painted where."""
        frame = self._background.copy()
        poses = [(s.cutout, s.pose(t)) for s in self.strollers]
        wading = self.wader.pose(t)
        if wading is not None:
            poses.append((self.wader.cutout, wading))
        self.people = []
        for index, pose in sorted(poses, key=lambda item: item[1].feet[1]):  # far ones first
            x, y = pose.feet
            in_lake = point_in_polygon(x, y, _LAKE_POINTS)
            depth = min(0.08, (water_edge_y(x) - y) * 2) if in_lake else 0.0
            box = paste_person(frame, self._cutouts[index], pose, t, depth)
            if box is not None:
                x1, y1, x2, y2 = box
                self.people.append(
                    PaintedPerson(
                        box=(x1 / self.width, y1 / self.height, x2 / self.width, y2 / self.height),
                        in_lake=in_lake,
                    )
                )
        return frame
