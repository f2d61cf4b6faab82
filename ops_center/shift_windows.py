"""Duty shifts as time windows: when the current shift began and when the ones before it ran (pure).

A shift runs from its start until the next shift's start, in the site's time zone (so a shift that
spans a daylight-saving change is an hour shorter or longer, as the roster on the wall is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ops_center.config import Shift


@dataclass(frozen=True)
class ShiftWindow:
    """One shift on one day: its name, start and end (aware UTC; ``end`` is the next shift's start)."""

    name: str
    start: datetime
    end: datetime


def shift_windows(shifts: Sequence[Shift], tz: ZoneInfo, now: datetime, count: int = 1) -> list[ShiftWindow]:
    """The shift on at ``now`` and the ``count - 1`` shifts before it, newest first."""
    if not shifts or count < 1:
        return []
    today = now.astimezone(tz).date()
    days_back = count // len(shifts) + 2
    starts = sorted(
        (datetime.combine(today + timedelta(days=d), s.start, tzinfo=tz).astimezone(UTC), s.name)
        for d in range(-days_back, 2)
        for s in shifts
    )
    windows = [
        ShiftWindow(name=name, start=start, end=starts[i + 1][0])
        for i, (start, name) in enumerate(starts[:-1])
        if start <= now
    ]
    return windows[::-1][:count]
