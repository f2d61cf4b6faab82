"""Date ranges of the analytics page: the presets, a custom range and the comparison periods.

Pure calendar logic in the site's time zone. A period is ``[start, end)`` with both ends aware
local datetimes; days are local days, so a period across a DST change is 23 or 25 hours long per
changed day, and shifting a period keeps its wall-clock times (midnight stays midnight).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Preset(StrEnum):
    """The ranges the page offers besides a custom one."""

    TODAY = "today"
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    THIS_MONTH = "this_month"


class Comparison(StrEnum):
    """What a period is compared with."""

    PREVIOUS_PERIOD = "previous_period"
    LAST_YEAR = "last_year"


@dataclass(frozen=True)
class Period:
    """``[start, end)`` as aware datetimes in the site's time zone."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(f"period {self.start} .. {self.end}: both ends must carry a time zone")
        if self.end.astimezone(UTC) <= self.start.astimezone(UTC):  # one zone would compare wall clocks
            raise ValueError(f"period {self.start} .. {self.end}: the end must come after the start")

    @property
    def tz(self) -> ZoneInfo:
        """The site's time zone the period was made in."""
        tz = self.start.tzinfo
        if not isinstance(tz, ZoneInfo):
            raise ValueError(f"period starting {self.start}: its time zone must be a ZoneInfo, not {tz!r}")
        return tz

    @property
    def days(self) -> list[date]:
        """The local days the period touches, first to last."""
        first = self.start.date()
        last = (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def shifted(self, *, days: int = 0, years: int = 0) -> Period:
        """The period moved by whole local days or years, keeping wall-clock times (29 Feb becomes 28 Feb)."""
        return Period(_shift(self.start, days, years), _shift(self.end, days, years))


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The start of local ``day``, as an aware datetime in ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz)


def _normalised(wall: datetime) -> datetime:
    """A wall-clock time made real: one inside a spring-forward gap moves on to after the gap."""
    tz = wall.tzinfo
    return wall.astimezone(UTC).astimezone(tz)


def _shift(at: datetime, days: int, years: int) -> datetime:
    day = at.date()
    if years:
        try:
            day = day.replace(year=day.year + years)
        except ValueError:  # 29 February in a year without one
            day = day.replace(year=day.year + years, day=28)
    day += timedelta(days=days)
    return _normalised(datetime.combine(day, at.timetz().replace(fold=0)))


def custom(first_day: date, last_day: date, tz: ZoneInfo) -> Period:
    """Whole local days ``first_day`` to ``last_day``, both included."""
    if last_day < first_day:
        raise ValueError(f"custom range {first_day} .. {last_day}: the last day comes before the first")
    return Period(local_midnight(first_day, tz), local_midnight(last_day + timedelta(days=1), tz))


def preset(name: Preset, now: datetime, tz: ZoneInfo) -> Period:
    """The preset ``name`` at ``now``: today and this month run up to ``now``; the last 7 and 30 days
    are the complete days before today."""
    today = now.astimezone(tz).date()
    now_local = now.astimezone(tz)
    if name is Preset.TODAY:
        return Period(local_midnight(today, tz), max(now_local, local_midnight(today, tz) + timedelta(minutes=1)))
    if name is Preset.YESTERDAY:
        return custom(today - timedelta(days=1), today - timedelta(days=1), tz)
    if name is Preset.LAST_7_DAYS:
        return custom(today - timedelta(days=7), today - timedelta(days=1), tz)
    if name is Preset.LAST_30_DAYS:
        return custom(today - timedelta(days=30), today - timedelta(days=1), tz)
    first = local_midnight(today.replace(day=1), tz)
    return Period(first, max(now_local, first + timedelta(minutes=1)))


def comparison(period: Period, kind: Comparison) -> Period:
    """The period to compare ``period`` with: the one just before it, as many local days long and
    at the same wall-clock times (today until 14:37 -> yesterday until 14:37), or the same dates a
    year earlier."""
    if kind is Comparison.LAST_YEAR:
        return period.shifted(years=-1)
    return period.shifted(days=-len(period.days))
