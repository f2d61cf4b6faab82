"""Danger-zone logic from hand-made detections (pure: no model, no store)."""

from __future__ import annotations

import pytest

from detectors.detection import Detection
from detectors.zones import DangerZone
from ops_center.config import ZoneConfig

# The lower half of the frame is the lake.
LAKE = [[0.0, 0.5], [1.0, 0.5], [1.0, 1.0], [0.0, 1.0]]


def zone(**rules: float) -> DangerZone:
    return DangerZone(ZoneConfig(name="lake", polygon=LAKE, **rules))


def person(track: int, feet_y: float, x: float = 0.5) -> Detection:
    """A person box whose feet stand at (x, feet_y)."""
    return Detection(box=(x - 0.05, feet_y - 0.2, x + 0.05, feet_y), confidence=0.9, track_id=track)


def run(z: DangerZone, frames: list[list[Detection]], fps: float = 10.0) -> list[tuple[str, int, float]]:
    out = []
    for i, dets in enumerate(frames):
        out += [(e.kind, e.track_id, round(e.t, 3)) for e in z.update(dets, i / fps)]
    return out


def kinds(events: list[tuple[str, int, float]], kind: str) -> list[tuple[str, int, float]]:
    return [e for e in events if e[0] == kind]


def test_feet_decide_not_the_box() -> None:
    z = zone()
    # Box reaches deep into the lake but the feet are on the shore: not inside.
    assert not z.contains(Detection(box=(0.4, 0.2, 0.5, 0.49), confidence=0.9, track_id=1))
    assert z.contains(Detection(box=(0.4, 0.2, 0.5, 0.51), confidence=0.9, track_id=1))


def test_entering_raises_one_alarm_after_min_frames() -> None:
    events = run(zone(min_frames=3), [[person(1, 0.3)]] * 2 + [[person(1, 0.7)]] * 6)
    assert kinds(events, "zone_enter") == [("zone_enter", 1, 0.4)]
    assert kinds(events, "zone_alarm") == [("zone_alarm", 1, 0.4)]


def test_flicker_shorter_than_min_frames_raises_nothing() -> None:
    frames = ([[person(1, 0.7)]] * 2 + [[person(1, 0.3)]]) * 5
    assert run(zone(min_frames=3), frames) == []


def test_missed_detections_do_not_break_the_run() -> None:
    frames = [[person(1, 0.7)], [], [person(1, 0.7)], [person(1, 0.7)]]
    assert kinds(run(zone(min_frames=3), frames), "zone_alarm") == [("zone_alarm", 1, 0.3)]


def test_dwell_delays_the_alarm() -> None:
    events = run(zone(min_frames=3, dwell_s=1.0), [[person(1, 0.7)]] * 15)
    assert kinds(events, "zone_enter") == [("zone_enter", 1, 0.2)]
    assert kinds(events, "zone_alarm") == [("zone_alarm", 1, 1.0)]


def test_leaving_before_dwell_raises_no_alarm() -> None:
    frames = [[person(1, 0.7)]] * 5 + [[person(1, 0.3)]] * 40
    events = run(zone(min_frames=3, dwell_s=1.0, exit_grace_s=1.0), frames)
    assert kinds(events, "zone_alarm") == []
    assert [e[0] for e in events] == ["zone_enter", "zone_exit"]


def test_one_alarm_per_track_while_it_stays() -> None:
    events = run(zone(min_frames=2, cooldown_s=0.0), [[person(1, 0.7)]] * 100)
    assert len(kinds(events, "zone_alarm")) == 1


def test_one_alarm_per_track_per_zone_across_a_short_exit() -> None:
    frames = [[person(1, 0.7)]] * 5 + [[person(1, 0.3)]] * 5 + [[person(1, 0.7)]] * 5
    events = run(zone(min_frames=2, cooldown_s=0.0, exit_grace_s=2.0), frames)
    assert len(kinds(events, "zone_alarm")) == 1


def test_second_person_alarms_separately_without_cooldown() -> None:
    frames = [[person(1, 0.7, x=0.2), person(2, 0.7, x=0.8)]] * 5
    events = run(zone(min_frames=3, cooldown_s=0.0), frames)
    assert sorted(e[1] for e in kinds(events, "zone_alarm")) == [1, 2]


def test_cooldown_holds_a_second_alarm_until_it_ends() -> None:
    # Track 1 alarms at 0.2 s; track 2 enters at 0.5 s, inside the 2 s cooldown, and stays.
    frames = [[person(1, 0.7, x=0.2)] + ([person(2, 0.7, x=0.8)] if i >= 3 else []) for i in range(30)]
    events = run(zone(min_frames=3, cooldown_s=2.0), frames)
    assert kinds(events, "zone_alarm") == [("zone_alarm", 1, 0.2), ("zone_alarm", 2, 2.2)]


def test_cooldown_drops_nothing_for_someone_who_left_meanwhile() -> None:
    frames = [[person(1, 0.7, x=0.2)] + ([person(2, 0.7, x=0.8)] if 3 <= i < 8 else []) for i in range(40)]
    events = run(zone(min_frames=3, cooldown_s=2.0, exit_grace_s=0.5), frames)
    assert kinds(events, "zone_alarm") == [("zone_alarm", 1, 0.2)]
    assert ("zone_exit", 2, 1.3) in events


def test_exit_grace_keeps_a_lost_track_from_alarming_twice() -> None:
    # The tracker loses person 1 for 5 frames and finds them again as track 7.
    frames = [[person(1, 0.7)]] * 5 + [[]] * 5 + [[person(7, 0.72)]] * 10
    events = run(zone(min_frames=3, cooldown_s=0.0, exit_grace_s=1.0), frames)
    assert kinds(events, "zone_alarm") == [("zone_alarm", 1, 0.2)]
    assert kinds(events, "zone_exit") == []


def test_after_the_grace_a_new_track_is_a_new_person() -> None:
    frames = [[person(1, 0.7)]] * 5 + [[]] * 20 + [[person(7, 0.7)]] * 5
    events = run(zone(min_frames=3, cooldown_s=0.0, exit_grace_s=1.0), frames)
    assert [e[1] for e in kinds(events, "zone_alarm")] == [1, 7]
    assert kinds(events, "zone_exit") == [("zone_exit", 1, 1.5)]


def test_untracked_detections_are_ignored() -> None:
    frames = [[Detection(box=(0.4, 0.6, 0.5, 0.8), confidence=0.9)]] * 10
    assert run(zone(min_frames=1), frames) == []


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        ([[0.1, 0.1], [0.9, 0.1]], "at least 3 points"),
        ([[0.1, 0.1], [1.2, 0.1], [0.5, 0.9]], "outside 0..1"),
        ([[0.1, 0.1], [-0.1, 0.1], [0.5, 0.9]], "outside 0..1"),
        ([[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]], "no area"),
        ([[0.1, 0.1, 0.3], [0.2, 0.2], [0.3, 0.3]], "expected 2"),
    ],
)
def test_polygon_validation_names_the_problem(polygon: list[list[float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ZoneConfig(name="lake", polygon=polygon)
