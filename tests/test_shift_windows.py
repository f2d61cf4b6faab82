"""Shift windows (pure): the current shift and the ones before it, across midnight and a DST change."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from ops_center.config import Shift
from ops_center.shift_windows import ShiftWindow, shift_windows

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_NIGHT = [Shift(name="Night", start=time(20)), Shift(name="Day", start=time(8))]


def _local(window: ShiftWindow, tz: ZoneInfo) -> tuple[str, str, str]:
    return window.name, f"{window.start.astimezone(tz):%m-%d %H:%M}", f"{window.end.astimezone(tz):%m-%d %H:%M}"


def test_the_current_shift_comes_first_then_the_ones_before_it() -> None:
    now = datetime(2026, 6, 10, 14, 3, tzinfo=SHANGHAI).astimezone(UTC)
    windows = shift_windows(DAY_NIGHT, SHANGHAI, now, 3)
    assert [_local(w, SHANGHAI) for w in windows] == [
        ("Day", "06-10 08:00", "06-10 20:00"),
        ("Night", "06-09 20:00", "06-10 08:00"),
        ("Day", "06-09 08:00", "06-09 20:00"),
    ]
    assert all(w.start.tzinfo is UTC and w.end.tzinfo is UTC for w in windows)


def test_before_the_first_start_of_the_day_the_night_shift_of_yesterday_is_on() -> None:
    now = datetime(2026, 6, 10, 3, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert _local(shift_windows(DAY_NIGHT, SHANGHAI, now)[0], SHANGHAI) == ("Night", "06-09 20:00", "06-10 08:00")
    at_start = datetime(2026, 6, 10, 8, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert shift_windows(DAY_NIGHT, SHANGHAI, at_start)[0].name == "Day"


def test_three_shifts_and_a_daylight_saving_night() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    shifts = [Shift(name="Early", start=time(6)), Shift(name="Late", start=time(14)), Shift(name="Night", start=time(22))]
    now = datetime(2026, 3, 29, 7, 0, tzinfo=berlin).astimezone(UTC)  # clocks went forward at 02:00
    early, night, late = shift_windows(shifts, berlin, now, 3)
    assert [w.name for w in (early, night, late)] == ["Early", "Night", "Late"]
    assert (night.end - night.start).total_seconds() == 7 * 3600, "the night the clocks go forward is an hour short"
    assert len(shift_windows(shifts, berlin, now, 10)) == 10
    assert shift_windows([], berlin, now, 3) == [] and shift_windows(shifts, berlin, now, 0) == []
