"""Counting-line logic from hand-made tracks (pure: no model, no store)."""

from __future__ import annotations

import pytest

from detectors.detection import Detection
from detectors.lines import CountingLine
from ops_center.config import LineConfig

# A shop door across the middle of the frame; the shop is below the line.
DOOR = [[0.2, 0.5], [0.8, 0.5]]


def line(**rules: object) -> CountingLine:
    return CountingLine(LineConfig(name="door", points=rules.pop("points", DOOR), in_side=rules.pop("in_side", "below"),
                                   **rules))  # type: ignore[arg-type]


def person(track: int, feet_y: float, x: float = 0.5) -> Detection:
    """A person box whose feet stand at (x, feet_y)."""
    return Detection(box=(x - 0.05, feet_y - 0.2, x + 0.05, feet_y), confidence=0.9, track_id=track)


def walk(track: int, ys: list[float], x: float = 0.5) -> list[list[Detection]]:
    """One frame per feet position."""
    return [[person(track, y, x)] for y in ys]


def run(counter: CountingLine, frames: list[list[Detection]], fps: float = 10.0) -> list[tuple[str, int, float]]:
    out = []
    for i, dets in enumerate(frames):
        out += [(c.direction, c.track_id, round(c.t, 3)) for c in counter.update(dets, i / fps)]
    return out


def test_walking_in_counts_once_after_min_frames_on_the_new_side() -> None:
    frames = walk(1, [0.3, 0.4, 0.45, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9])
    assert run(line(min_frames=3), frames) == [("in", 1, 0.5)]


def test_walking_out_counts_out_and_coming_back_later_counts_again() -> None:
    frames = walk(1, [0.8] * 3 + [0.3] * 5 + [0.8] * 5 + [0.3] * 5)
    assert run(line(min_frames=3), frames) == [("out", 1, 0.5), ("in", 1, 1.0), ("out", 1, 1.5)]


def test_in_side_may_be_above_left_or_right() -> None:
    assert run(line(in_side="above"), walk(1, [0.3] * 3 + [0.7] * 3)) == [("out", 1, 0.5)]
    vertical = [[0.5, 0.1], [0.5, 0.9]]
    frames = [[person(1, 0.6, x)] for x in (0.3, 0.3, 0.7, 0.7, 0.7)]
    assert run(line(points=vertical, in_side="right"), frames) == [("in", 1, 0.4)]
    assert run(line(points=vertical, in_side="left"), frames) == [("out", 1, 0.4)]


def test_wobbling_on_the_line_counts_nothing() -> None:
    # standing across the line: within the margin, and short runs on the far side that go back
    wobble = [0.3, 0.49, 0.505, 0.495, 0.52, 0.53, 0.48, 0.47, 0.52, 0.51, 0.45, 0.53, 0.49, 0.3]
    assert run(line(min_frames=3, margin=0.01), walk(1, wobble)) == []


def test_wobbling_then_going_through_counts_once() -> None:
    frames = walk(1, [0.3, 0.49, 0.52, 0.48, 0.53, 0.47, 0.52, 0.6, 0.7, 0.8, 0.9])
    assert run(line(min_frames=3, margin=0.01), frames) == [("in", 1, 0.8)]


def test_a_track_starting_on_the_line_starts_on_the_side_its_feet_are() -> None:
    # first seen just above the line, within the margin, then walks in: one crossing
    frames = walk(1, [0.495, 0.497, 0.52, 0.56, 0.6, 0.7])
    assert run(line(min_frames=3, margin=0.01), frames) == [("in", 1, 0.4)]


def test_tracks_count_apart_and_untracked_boxes_are_ignored() -> None:
    frames = [
        [person(1, y, 0.3), person(2, 1.0 - y, 0.7), Detection((0.4, 0.1, 0.5, y), 0.9, None)]
        for y in (0.3, 0.35, 0.4, 0.6, 0.65, 0.7)
    ]
    assert sorted(run(line(min_frames=3), frames)) == [("in", 1, 0.5), ("out", 2, 0.5)]


def test_going_round_the_end_of_the_line_is_not_a_crossing() -> None:
    # above the line, out past its right end (x 0.9), back in below it
    frames = [[person(1, y, x)] for x, y in [(0.6, 0.3), (0.75, 0.35), (0.9, 0.45), (0.9, 0.55), (0.75, 0.6),
                                             (0.6, 0.65), (0.5, 0.7), (0.4, 0.75)]]
    assert run(line(min_frames=3), frames) == []


def test_a_track_lost_on_the_line_does_not_count() -> None:
    # two frames past the line, then gone for good: it may have turned back
    frames = walk(1, [0.3, 0.4, 0.49, 0.55, 0.56]) + [[]] * 30
    assert run(line(min_frames=3, lost_grace_s=1.0), frames) == []


def test_a_track_lost_on_the_line_and_found_again_completes_its_crossing_once() -> None:
    # the tracker loses the person on the line and finds it again, under a new id, on the far side
    frames = walk(1, [0.3, 0.4, 0.49, 0.52]) + [[]] * 3 + walk(7, [0.55, 0.58, 0.62, 0.7, 0.8])
    assert run(line(min_frames=3, lost_grace_s=1.0), frames) == [("in", 7, 0.8)]


def test_a_track_found_again_after_crossing_is_not_counted_twice() -> None:
    frames = walk(1, [0.3, 0.4, 0.6, 0.62, 0.64, 0.66]) + [[]] * 2 + walk(9, [0.68, 0.7, 0.72, 0.75])
    assert run(line(min_frames=3, lost_grace_s=1.0), frames) == [("in", 1, 0.4)]


def test_a_lost_track_is_forgotten_after_its_grace() -> None:
    # lost on the out side, a new track appears at the same place on the in side 3 s later: a new person
    frames = walk(1, [0.3, 0.4, 0.48]) + [[]] * 30 + walk(2, [0.52, 0.6, 0.7, 0.8])
    assert run(line(min_frames=3, lost_grace_s=1.0), frames) == []


def test_a_new_track_far_from_a_lost_one_does_not_take_its_place() -> None:
    frames = walk(1, [0.3, 0.4, 0.48]) + [[]] * 2 + walk(2, [0.6, 0.65, 0.7, 0.8], x=0.25)
    assert run(line(min_frames=3, lost_grace_s=1.0), frames) == []


@pytest.mark.parametrize("in_side", ["left", "right"])
def test_a_side_that_does_not_fit_the_line_is_refused(in_side: str) -> None:
    with pytest.raises(ValueError, match=f"'{in_side}' does not fit a horizontal line; use 'above' or 'below'"):
        LineConfig(name="door", points=DOOR, in_side=in_side)  # type: ignore[arg-type]
