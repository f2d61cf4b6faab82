"""``ops-center replay --spaces``: parking spaces watched with the real model on real footage, against the eye."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ops_center.store.db import open_store
from ops_center.store.models import DetectionEvent
from tests.test_replay_cli import ops_center

pytestmark = pytest.mark.model

PARKING = "parking_lot_cctv_day_576x320_4s.mp4"
FRAMES = 112
# Four spaces of the front row, drawn between its painted lines on frame 0 (576x320 pixels),
# reaching above the lines' far ends where the parked cars' bodies stand, in the file format of
# Ultralytics' ParkingPtsSelection.
SPACES = [
    {"id": "P-01", "points": [[181, 208], [214, 204], [232, 253], [196, 257]]},
    {"id": "P-02", "points": [[214, 204], [249, 200], [270, 249], [232, 253]]},
    {"id": "P-03", "points": [[249, 200], [281, 196], [305, 245], [270, 249]]},
    {"id": "P-04", "points": [[281, 196], [308, 194], [335, 239], [305, 245]]},
]
# What the eye sees in each space (1 a car, 0 none, ? too dark to tell), per run of identical
# frames of this time-lapse (first-last frame).
BY_EYE = """
0-0 0110  1-2 0001  3-5 1111  6-7 1111  8-10 1111  11-12 1111  13-14 1111  15-17 1111  18-19 1111
20-22 1111  23-24 0111  25-26 000?  27-29 1011  30-30 1011  31-31 1011  32-34 1011  35-36 1011
37-38 0011  39-41 0011  42-43 0011  44-46 0010  47-47 0010  48-49 1101  50-52 1101  53-54 1111
55-56 1111  57-59 1111  60-61 1101  62-64 1101  65-66 1100  67-68 1000  69-71 1000  72-73 1111
74-76 1111  77-78 1111  79-80 1111  81-83 1111  84-85 1111  86-88 1111  89-90 1101  91-92 1000
93-95 1000  96-97 00??  98-100 0111  101-102 0111  103-104 0111  105-107 1111  108-109 1011
110-111 1111
"""
DAYLIGHT = range(72, 91)  # the brightest stretch: every one of the four spaces holds a car, well lit
MIN_FRAMES = 3


def eye_table() -> dict[str, list[bool | None]]:
    """Per space, per frame: a car seen (True), none (False), too dark to tell (None)."""
    table: dict[str, list[bool | None]] = {s["id"]: [None] * FRAMES for s in SPACES}
    for entry in BY_EYE.split("\n\n")[0].split():
        if "-" in entry:
            first, last = map(int, entry.split("-"))
            continue
        for space, mark in zip(table, entry, strict=True):
            for frame in range(first, last + 1):
                table[space][frame] = None if mark == "?" else mark == "1"
    return table


def test_the_parking_row_is_taken_where_the_eye_sees_cars(tmp_path: Path, media: Path, model_path: Path) -> None:
    """Looked at by eye: the clip's 112 frames grouped into its 49 runs of identical frames (a
    time-lapse: the picture changes every 1 to 3 frames), each run's first frame cut around the row
    at 2x with the four polygons drawn on it; a space counts as holding a car when a car's body
    stands mostly inside it (``BY_EYE``). The camera shakes a little between runs and the dusk
    frames are dark: the detector (conf 0.15) finds the well-lit cars and misses most dark ones, so
    the test asks for what it must get right: every frame it calls a space taken, the eye saw a
    car there (allowing the ``min_frames`` it takes to notice the car gone), and in the bright
    stretch (frames 72-90) it finds the car in each of the four spaces.
    """
    spaces_file = tmp_path / "bounding_boxes.json"
    spaces_file.write_text(json.dumps(SPACES))
    run = ops_center(
        "replay", media / PARKING, "--spaces", spaces_file, "--confidence", "0.15", "--min-frames", str(MIN_FRAMES),
        "--model", model_path, "--db", f"sqlite:///{tmp_path / 'ops.db'}", "--data-dir", tmp_path, "--json",
    )
    assert run.returncode == 0, run.stderr
    changes = [json.loads(line) for line in run.stdout.splitlines()]
    assert changes, run.stderr
    assert all(set(c) == {"space", "occupied", "frame", "t_s"} for c in changes), changes
    assert all(c["t_s"] == pytest.approx(c["frame"] / 30, abs=1e-3) for c in changes)
    eye = eye_table()
    for space in eye:
        own = [(c["frame"], c["occupied"]) for c in changes if c["space"] == space]
        assert [taken for _, taken in own] == [i % 2 == 0 for i in range(len(own))], (space, own)  # starts free
        taken = [False] * FRAMES
        for frame, occupied in own:
            taken[frame:] = [occupied] * (FRAMES - frame)
        for frame in range(FRAMES):
            if taken[frame]:
                recent = eye[space][max(0, frame - MIN_FRAMES):frame + 1]
                assert any(seen is not False for seen in recent), (space, frame, own)
        assert any(taken[f] for f in DAYLIGHT), (space, own)
    store = open_store(f"sqlite:///{tmp_path / 'ops.db'}")
    with store.session() as s:
        stored = s.scalar(select(func.count()).select_from(DetectionEvent).where(DetectionEvent.kind.like("space_%")))
    store.dispose()
    assert stored == len(changes)  # each change reached the store


def test_a_spaces_file_that_does_not_fit_the_video_fails_in_one_line(tmp_path: Path, media: Path) -> None:
    spaces_file = tmp_path / "spaces.json"
    spaces_file.write_text(json.dumps([{"points": [[0, 0], [700, 0], [700, 100], [0, 100]]}]))
    run = ops_center("replay", media / PARKING, "--spaces", spaces_file, "--data-dir", tmp_path)
    assert run.returncode == 2 and run.stdout == "", run.stderr
    assert run.stderr.strip() == (f"error: --spaces {spaces_file}: space 1: point (700,0) is outside the 576x320 "
                                  "frame; were the spaces drawn on another camera's picture?")
