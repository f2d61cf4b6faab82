"""The replay progress line: frames, frames per second and time left, redrawn in place."""

from __future__ import annotations

import io

from ops_cli.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_shows_frames_rate_and_time_left_and_is_redrawn_at_most_four_times_a_second() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(total=1000, stream=out, clock=clock)
    for _ in range(250):  # 250 frames in 50 s: 5 fps, 750 frames (150 s) left
        clock.now += 0.2
        progress.step()
    assert progress.line(50.0) == f"frames 250/1000 [{'#' * 6}{'-' * 18}] 5.0 fps, 2:30 left"
    assert out.getvalue().count("\r") == 125  # steps 0.2 s apart: drawn every other one
    progress.close()
    assert out.getvalue().endswith("\r")


def test_an_unknown_length_shows_frames_and_rate_only() -> None:
    progress = Progress(total=None, stream=io.StringIO(), clock=Clock())
    progress.done = 30
    assert progress.line(10.0) == "frames 30  3.0 fps"
