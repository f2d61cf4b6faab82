"""A merchant's opening hours per weekday: pure parsing, formatting and the spans a shop is open.

Kept compactly as seven entries, Monday first, each ``"HH:MM-HH:MM"`` or ``None`` for a closed day
(a JSON list in the store and the same list in YAML). A closing time at or before the opening time
means past midnight (``"18:00-02:00"``); ``"00:00-24:00"`` is all day.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DAYS_IN_WEEK = 7
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Hours = tuple[int, int]  # (opens, closes) in minutes after local midnight; closes <= opens: past midnight


def clock(text: str) -> int:
    """Minutes after midnight of ``HH:MM`` (24:00 allowed); ``ValueError`` naming the text otherwise."""
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise ValueError(f"opening time {text!r}: expected HH:MM") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 1440:
        raise ValueError(f"opening time {text!r}: expected HH:MM between 00:00 and 24:00")
    return hours * 60 + minutes


def _text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Week:
    """Opening hours for each weekday, Monday first; ``None`` is a closed day."""

    days: tuple[Hours | None, ...]

    def __post_init__(self) -> None:
        if len(self.days) != DAYS_IN_WEEK:
            raise ValueError(f"opening hours: expected {DAYS_IN_WEEK} days (Monday first), got {len(self.days)}")

    @classmethod
    def every_day(cls, opens: str, closes: str) -> Week:
        """The same hours on all seven days."""
        hours = (clock(opens), clock(closes))
        return cls(tuple(hours for _ in range(DAYS_IN_WEEK)))

    @classmethod
    def parse(cls, entries: Sequence[str | None]) -> Week:
        """Seven ``"HH:MM-HH:MM"`` or ``None`` entries; ``ValueError`` naming the weekday otherwise."""
        if isinstance(entries, str) or len(entries) != DAYS_IN_WEEK:
            raise ValueError(f"opening hours: expected a list of {DAYS_IN_WEEK} days, Monday first")
        days: list[Hours | None] = []
        for name, entry in zip(WEEKDAY_NAMES, entries, strict=True):
            if entry is None:
                days.append(None)
                continue
            opens, sep, closes = str(entry).partition("-")
            if not sep:
                raise ValueError(f"opening hours on {name}: {entry!r} is not HH:MM-HH:MM (or null when closed)")
            try:
                days.append((clock(opens.strip()), clock(closes.strip())))
            except ValueError as error:
                raise ValueError(f"opening hours on {name}: {error}") from None
        return cls(tuple(days))

    def entries(self) -> list[str | None]:
        """The stored form: seven ``"HH:MM-HH:MM"`` or ``None``."""
        return [None if day is None else f"{_text(day[0])}-{_text(day[1])}" for day in self.days]

    def spans(self, first: date, last: date, tz: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
        """The times (UTC) the shop is open on the local days ``first``..``last``, one span per open
        day; a day running past midnight ends on the next day. Wall-clock times are made real (a
        spring-forward gap is skipped), so the spans' lengths are true durations."""
        day = first
        while day <= last:
            hours = self.days[day.weekday()]
            if hours is not None:
                opens, closes = hours
                end_day = day + timedelta(days=1) if closes <= opens else day
                yield _real(day, opens, tz), _real(end_day, closes, tz)
            day += timedelta(days=1)


def _real(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Local ``day`` at ``minutes`` after its midnight on the wall clock, in UTC."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)
