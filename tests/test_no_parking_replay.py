"""``ops-center replay --no-parking``: a vehicle standing in a no-parking area, with the real model on real
footage, against the eye."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from ops_center.store.db import open_store
from ops_center.store.models import Alarm, Snapshot
from tests.test_replay_cli import ops_center

pytestmark = pytest.mark.model

PARKING = "parking_lot_cctv_day_576x320_4s.mp4"
FPS = 30
# One space's width of the front row, right of centre: pixels (330, 195) to (380, 230) of the 576x320 frame.
AREA = "0.573,0.609 0.66,0.609 0.66,0.719 0.573,0.719"
# What the eye sees in AREA, per stretch of frames (first-last): 1 a car's body mostly inside, 0 none. Looked
# at as 2x-2.5x crops of the row around AREA with AREA drawn, on the first frame of each run of identical
# frames of this time-lapse (the camera shakes a little between runs; frames 96-97 are infrared, the car in
# the area still visible). From frame 42 to 47 a car stands in the next space, its front only reaching in.
BY_EYE = "0-0:0 1-17:1 18-24:0 25-41:1 42-47:0 48-64:1 65-71:0 72-111:1"
MAX_STAND_S = 1.0
MIN_FRAMES = 3


def eye_stays() -> list[tuple[int, int]]:
    """(first, last) frame of each stretch the eye sees a car standing in AREA."""
    stretches = [(entry.split(":")[0].split("-"), entry.split(":")[1]) for entry in BY_EYE.split()]
    return [(int(first), int(last)) for (first, last), mark in stretches if mark == "1"]


def test_a_car_standing_in_the_area_past_the_limit_raises_one_alarm(tmp_path: Path, media: Path, model_path: Path) -> None:
    """The eye sees four stays in the area: 17, 17, 17 and 40 frames. Only the last outlasts a second (30
    frames), so one alarm, a second or a little more (the detector may notice the car a frame or two late, and
    the alarm waits for a frame that sees it) after frame 72, while the car still stands there."""
    long_stays = [(first, last) for first, last in eye_stays() if last - first + 1 > MAX_STAND_S * FPS]
    assert long_stays == [(72, 111)]
    db = f"sqlite:///{tmp_path / 'ops.db'}"
    args = ["replay", media / PARKING, "--no-parking", AREA, "--no-parking-name", "fire-lane",
            "--max-stand-s", str(MAX_STAND_S), "--confidence", "0.15", "--min-frames", str(MIN_FRAMES),
            "--model", model_path, "--db", db, "--data-dir", tmp_path, "--json"]
    run = ops_center(*args)
    assert run.returncode == 0, run.stderr
    (alarm,) = [json.loads(line) for line in run.stdout.splitlines()]
    (first, last) = long_stays[0]
    assert (alarm["kind"], alarm["zone"]) == ("no_parking", "fire-lane")
    assert first + MAX_STAND_S * FPS <= alarm["frame"] <= min(last, first + MAX_STAND_S * FPS + 2 * MIN_FRAMES), alarm
    assert alarm["t_s"] == pytest.approx(alarm["frame"] / FPS, abs=1e-3)
    assert Path(alarm["snapshot"]).is_file()

    again = ops_center(*args)  # the same file and area again: nothing stored twice
    assert again.returncode == 0 and [json.loads(line)["id"] for line in again.stdout.splitlines()] == [alarm["id"]]
    store = open_store(db)
    with store.session() as s:
        stored = [(a.id, a.kind, a.status) for a in s.scalars(select(Alarm))]
        snapshots = s.scalars(select(Snapshot.alarm_id)).all()
    store.dispose()
    assert stored == [(alarm["id"], "no_parking", "new")] and snapshots == [alarm["id"]]


def test_a_bad_no_parking_option_fails_in_one_line(tmp_path: Path, media: Path) -> None:
    for args, message in [
        (["--no-parking", "0.1,0.1 0.5,0.1"], "error: --no-parking '0.1,0.1 0.5,0.1': a polygon needs at least 3 "
                                              "points, got 2"),
        (["--no-parking", AREA, "--max-stand-s", "0"], "error: --max-stand-s 0: must be a number of seconds above 0"),
        (["--no-parking", AREA, "--no-parking-name", "Fire Lane"],
         "error: --no-parking-name 'Fire Lane': use lower-case letters, digits, '-' and '_'"),
        (["--zone", AREA, "--zone-name", "a", "--no-parking", AREA, "--no-parking-name", "a"],
         "error: --zone-name, --no-parking-name: duplicate zone or no-parking name 'a'"),
    ]:
        run = ops_center("replay", media / PARKING, *args, "--data-dir", tmp_path)
        assert run.returncode == 2 and run.stdout == "", run.stderr
        assert run.stderr.strip() == message
