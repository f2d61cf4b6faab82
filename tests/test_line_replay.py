"""``ops-center replay --line``: people counted with the real model on real footage, against a count by eye."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ops_center.store.db import open_store
from ops_center.store.models import DetectionEvent
from tests.test_replay_cli import ops_center

pytestmark = pytest.mark.model

MALL = "footfall_mall_entrance_640x360_15s.mp4"
STREET = "fixture_towncentre_640x360_24f.mp4"
DOOR = "0.37,0.74 0.72,0.74"  # across the walkway in front of the revolving doors; the mall is below it
FPS = 30000 / 1001

# Crossings of DOOR seen by eye, as (direction, first frame, last frame) within which each is
# counted: the frames from the feet touching the line to a few frames after they left it.
BY_EYE = [
    ("out", 0, 15),  # woman in a beige jacket with a shoulder bag, x 0.62, starts just below the line
    ("in", 5, 35),  # woman in black carrying a white bag, x 0.50
    ("out", 10, 45),  # woman in a long beige fur-trimmed coat, x 0.69
    ("out", 90, 135),  # long-haired blonde woman in a striped jacket, x 0.60, walking to the doors
    ("out", 90, 135),  # her companion with a backpack, x 0.64
    ("in", 95, 140),  # man in a brown coat with a yellow bag, x 0.42, slow, feet on the line for a while
    ("in", 330, 350),  # man in a grey jacket, x 0.60
    ("in", 350, 370),  # woman with a red scarf, x 0.40, in the group of four
    ("in", 400, 425),  # man in a black coat, x 0.48
    ("in", 400, 430),  # woman in a white coat with a black handbag, x 0.58, slow
]


def test_the_mall_entrance_counts_as_many_in_and_out_as_a_person_does(
    sqlite_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    """Counted by eye: the clip's 447 frames cut around the line (every 6th frame, 1.5x, then
    single frames at 2x where people crossed slowly or in a group) with the line and 0.1 ticks
    drawn on them, each person followed from panel to panel. A crossing is a person whose feet go
    from one side of the line to the other between its ends (x 0.37 to 0.72) and stay there. 6 in
    (towards the camera, into the mall) and 4 out, listed in ``BY_EYE``; nobody wobbles back.
    Left out on purpose: the group's other three (x 0.26 to 0.33) cross left of the line's start,
    the two women standing at the right edge (x 0.72 and beyond) never reach it, and the people
    behind the group are still above it when the clip ends.
    The count matches when each direction is within one of the eye's count and all but at most one
    crossing of each direction fall in a window seen by eye.
    """
    run = ops_center(
        "replay", media / MALL, "--line", DOOR, "--line-name", "door", "--line-in", "below",
        "--model", model_path, "--db", sqlite_url, "--data-dir", tmp_path, "--json",
    )
    assert run.returncode == 0, run.stderr
    *crossings, last = [json.loads(line) for line in run.stdout.splitlines()]
    assert all(set(c) == {"line", "direction", "track_id", "frame", "t_s"} for c in crossings), crossings
    assert all(c["line"] == "door" and c["t_s"] == pytest.approx(c["frame"] / FPS, abs=1e-3) for c in crossings)
    totals = last["totals"]["door"]
    assert totals == {d: sum(c["direction"] == d for c in crossings) for d in ("in", "out")}
    for direction in ("in", "out"):
        seen = [(lo, hi) for d, lo, hi in BY_EYE if d == direction]
        counted = sorted(c["frame"] for c in crossings if c["direction"] == direction)
        assert abs(len(counted) - len(seen)) <= 1, (direction, counted)
        unmatched = list(counted)
        for lo, hi in seen:  # windows in order; each takes the first crossing inside it
            hit = next((f for f in unmatched if lo <= f <= hi), None)
            if hit is not None:
                unmatched.remove(hit)
        assert len(unmatched) <= 1, (direction, counted, unmatched)
    assert "\r" not in run.stderr  # no progress bar: stderr is a pipe
    store = open_store(sqlite_url)
    with store.session() as s:
        kinds = dict(s.execute(select(DetectionEvent.kind, func.count()).group_by(DetectionEvent.kind)).all())
    store.dispose()
    assert kinds == {f"line_{d}": n for d, n in totals.items() if n}  # the store has each crossing once


def test_a_terminal_sees_a_progress_bar_and_bad_lines_fail_in_one_line(
    sqlite_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    store = ("--model", model_path, "--db", sqlite_url, "--data-dir", tmp_path)
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ops_cli.main", "replay", str(media / STREET), "--line", "0,0.6 1,0.6",
             *map(str, store)],
            stdout=subprocess.PIPE, stderr=terminal, text=True, timeout=600, env={**os.environ, "YOLO_OFFLINE": "1"},
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert proc.returncode == 0, shown
    assert b"\rframes " in shown and b"/24 [" in shown and b"fps" in shown and b"left" in shown
    assert proc.stdout.strip().splitlines()[-1].startswith("line line1: ")

    cases = {
        "one point": (("--line", "0.5,0.5"), "--line '0.5,0.5': a line needs exactly 2 points, got 1"),
        "outside the frame": (("--line", "0,0.5 1.2,0.5"), "point 2 (1.2,0.5) is outside 0..1"),
        "side that does not fit": (("--line", "0,0.5 1,0.5", "--line-in", "left"),
                                   "--line-in left: 'left' does not fit a horizontal line"),
        "bad name": (("--line", "0,0.5 1,0.5", "--line-name", "Door 1"), "--line-name 'Door 1': use lower-case"),
        "nothing to do": ((), "give at least one --zone, --line, --spaces or --no-parking"),
    }
    for case, (args, expected) in cases.items():
        run = ops_center("replay", media / STREET, *args, *store)
        lines = run.stderr.strip().splitlines()
        assert run.returncode == 2, (case, run.stderr)
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], (case, run.stderr)
