"""Footfall analytics for managers: headline figures, series per merchant, the weekday x hour heat
map, the league table of merchants and the data coverage of each counting source.

The store keeps one-minute buckets per merchant and source; every sum here is a ``GROUP BY`` in SQL
over an index range on ``minute``. Local time is computed in SQL too: the minute since the epoch
plus the site's UTC offset, which is a constant per stretch of the period between DST changes (a
``CASE`` on ``minute`` with one branch per change), so local hours, days and weekdays are exact on
SQLite and PostgreSQL alike. An hour or day without any bucket is a gap (``None``), never zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Literal

from sqlalchemy import ColumnElement, Integer, case, func, literal, select
from sqlalchemy.orm import Session

from ops_center.queries.common import count_if, time_bucket
from ops_center.queries.periods import Period, local_midnight
from ops_center.store.models import Footfall, Merchant

Granularity = Literal["hour", "day", "week"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DAY = date(1970, 1, 1)
HOUR = timedelta(hours=1)


# --- local time in SQL -------------------------------------------------------------------------


def utc_offsets(period: Period) -> list[tuple[datetime, int]]:
    """The site's UTC offset (minutes) over ``period``: ``(from, offset)`` per stretch between DST
    changes, the first from the period's start (pure)."""
    tz = period.tz

    def offset(minute: int) -> int:
        delta = (EPOCH + timedelta(minutes=minute)).astimezone(tz).utcoffset()
        assert delta is not None  # a ZoneInfo always has one
        return int(delta.total_seconds()) // 60

    first = int(period.start.timestamp()) // 60
    last = -(-int(period.end.timestamp()) // 60)
    stretches = [(first, offset(first))]
    low = first
    while low < last:
        high = min(low + 1440, last)  # offsets change at most once a day: step by days, bisect a change
        if offset(high) != stretches[-1][1]:
            before = stretches[-1][1]
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == before else (low, middle)
            stretches.append((high, offset(high)))
        low = high
    return [(max(EPOCH + timedelta(minutes=minute), period.start.astimezone(UTC)), off) for minute, off in stretches]


def _offset_minutes(period: Period) -> ColumnElement[int]:
    """The UTC offset (minutes) of each footfall row's minute over ``period``."""
    stretches = utc_offsets(period)
    if len(stretches) == 1:
        return literal(stretches[0][1], Integer)
    branches = [(Footfall.minute < begins, offset) for (_, offset), (begins, _) in pairwise(stretches)]
    return case(*branches, else_=stretches[-1][1])


@dataclass(frozen=True)
class _LocalTime:
    """SQL expressions of a footfall row's local time: minutes, hour start, day, week, weekday, hour."""

    minute: ColumnElement[int]  # local minutes since the epoch
    utc_minute: ColumnElement[int]  # UTC minutes since the epoch

    @classmethod
    def over(cls, period: Period) -> _LocalTime:
        utc_minute = time_bucket(Footfall.minute, EPOCH, 60)
        return cls(minute=utc_minute + _offset_minutes(period), utc_minute=utc_minute)

    @property
    def hour_start(self) -> ColumnElement[int]:
        """UTC minutes since the epoch at the start of the local hour (a repeated hour stays two)."""
        return self.utc_minute - self.minute % 60

    @property
    def day(self) -> ColumnElement[int]:
        """Local days since 1970-01-01."""
        return self.minute // 1440

    @property
    def week(self) -> ColumnElement[int]:
        """The local day number of the Monday starting the week."""
        return self.day - self.weekday

    @property
    def weekday(self) -> ColumnElement[int]:
        """Monday 0 .. Sunday 6 (1970-01-01 was a Thursday)."""
        return (self.day + 3) % 7

    @property
    def hour_of_day(self) -> ColumnElement[int]:
        """The local hour 0..23."""
        return self.minute % 1440 // 60

    def key(self, granularity: Granularity) -> ColumnElement[int]:
        """The bucket of a series at ``granularity``."""
        return {"hour": self.hour_start, "day": self.day, "week": self.week}[granularity]


def _in(period: Period) -> ColumnElement[bool]:
    return (Footfall.minute >= period.start) & (Footfall.minute < period.end)


def _from_epoch_minutes(minutes: int, period: Period) -> datetime:
    return (EPOCH + timedelta(minutes=minutes)).astimezone(period.tz)


def _day(number: int) -> date:
    return EPOCH_DAY + timedelta(days=number)


def _bucket_starts(period: Period, granularity: Granularity) -> list[datetime]:
    """Every bucket the period covers, as local start times, first to last (pure)."""
    tz = period.tz
    if granularity == "hour":
        starts: dict[datetime, None] = {}
        at = period.start.astimezone(UTC)
        while at < period.end:
            local = at.astimezone(tz)
            starts[at - timedelta(minutes=local.minute, seconds=local.second, microseconds=local.microsecond)] = None
            at += timedelta(minutes=15)  # finer than any offset change, so no local hour is skipped
        return [start.astimezone(tz) for start in starts]
    days = period.days
    if granularity == "day":
        return [local_midnight(day, tz) for day in days]
    mondays = dict.fromkeys(day - timedelta(days=day.weekday()) for day in days)
    return [local_midnight(monday, tz) for monday in mondays]


def _bucket_start(key: int, granularity: Granularity, period: Period) -> datetime:
    if granularity == "hour":
        return _from_epoch_minutes(key, period)
    return local_midnight(_day(key), period.tz)


# --- results -----------------------------------------------------------------------------------


def change_pct(current: int, previous: int | None) -> float | None:
    """Change in percent from ``previous`` to ``current``; None when there is nothing to compare with."""
    if not previous:
        return None
    return (current - previous) * 100.0 / previous


@dataclass(frozen=True)
class Headline:
    """The page's headline figures for a period and its comparison period."""

    visitors: int
    comparison_visitors: int | None  # None: not a single bucket in the comparison period
    change_pct: float | None
    busiest_hour: int | None  # local hour of day 0..23 with most visitors over the period
    busiest_day: date | None  # local day with most visitors
    merchants_open: int  # active merchants open at some time in the period
    merchants_with_data: int  # merchants with at least one bucket in the period


@dataclass(frozen=True)
class Series:
    """Visitors per bucket (local start times) and merchant; None where no source sent a bucket.
    Weeks start on Monday; the first and last week hold only the period's days."""

    granularity: Granularity
    starts: list[datetime]
    visitors: dict[str, list[int | None]]


@dataclass(frozen=True)
class HeatMap:
    """Visitors by local weekday (Monday first) and hour of day; None where no bucket fell in."""

    cells: list[list[int | None]]  # 7 rows x 24 columns


@dataclass(frozen=True)
class LeagueRow:
    """One merchant in the league table (there is no shop area in the store: no per square metre)."""

    merchant_id: str
    name: str
    category: str
    visitors: int
    comparison_visitors: int | None
    change_pct: float | None
    open_hours: float
    visitors_per_open_hour: float | None


@dataclass(frozen=True)
class SourceCoverage:
    """Which opening hours of a merchant one counting source reported in; the rest are gaps."""

    merchant_id: str
    source: str
    hours_open: int
    hours_reported: int
    gaps: list[datetime]  # local starts of open hours without a single bucket from this source


# --- queries -----------------------------------------------------------------------------------


def _totals(session: Session, period: Period) -> tuple[int, int]:
    """(visitors, buckets) over ``period``."""
    stmt = select(func.coalesce(func.sum(Footfall.count_in), 0), func.count()).where(_in(period))
    visitors, buckets = session.execute(stmt).one()
    return int(visitors), int(buckets)


def _busiest(session: Session, period: Period, key: ColumnElement[int]) -> int | None:
    """The ``key`` with most visitors (the first on a tie), None without data."""
    total = func.sum(Footfall.count_in)
    stmt = select(key.label("key")).where(_in(period)).group_by(key).order_by(total.desc(), key).limit(1)
    found = session.scalar(stmt)
    return None if found is None else int(found)


def headline(session: Session, period: Period, compared_with: Period) -> Headline:
    """Visitors, their change against ``compared_with``, the busiest hour and day, merchants open."""
    visitors, _ = _totals(session, period)
    previous, previous_buckets = _totals(session, compared_with)
    compared = previous if previous_buckets else None
    local = _LocalTime.over(period)
    busiest_day = _busiest(session, period, local.day)
    merchants = session.execute(select(Merchant.opens, Merchant.closes).where(Merchant.active.is_(True))).all()
    with_data = session.scalar(select(func.count(func.distinct(Footfall.merchant_id))).where(_in(period)))
    return Headline(
        visitors=visitors,
        comparison_visitors=compared,
        change_pct=change_pct(visitors, compared),
        busiest_hour=_busiest(session, period, local.hour_of_day),
        busiest_day=None if busiest_day is None else _day(busiest_day),
        merchants_open=sum(1 for opens, closes in merchants if open_hours(opens, closes, period) > 0),
        merchants_with_data=int(with_data or 0),
    )


def series(session: Session, period: Period, granularity: Granularity) -> Series:
    """Visitors per merchant per local hour, day or week of ``period``."""
    key = _LocalTime.over(period).key(granularity).label("key")
    stmt = (
        select(Footfall.merchant_id, key, func.sum(Footfall.count_in))
        .where(_in(period))
        .group_by(Footfall.merchant_id, key)
    )
    starts = _bucket_starts(period, granularity)
    index = {start.astimezone(UTC): n for n, start in enumerate(starts)}  # UTC: a repeated local hour stays two
    visitors: dict[str, list[int | None]] = {}
    for merchant_id, bucket, total in session.execute(stmt):
        row = visitors.setdefault(merchant_id, [None] * len(starts))
        row[index[_bucket_start(int(bucket), granularity, period).astimezone(UTC)]] = int(total)
    return Series(granularity=granularity, starts=starts, visitors=dict(sorted(visitors.items())))


def heat_map(session: Session, period: Period) -> HeatMap:
    """Visitors by local weekday x hour of day over ``period``."""
    local = _LocalTime.over(period)
    weekday, hour = local.weekday.label("weekday"), local.hour_of_day.label("hour")
    stmt = select(weekday, hour, func.sum(Footfall.count_in)).where(_in(period)).group_by(weekday, hour)
    cells: list[list[int | None]] = [[None] * 24 for _ in range(7)]
    for day, hour_of_day, total in session.execute(stmt):
        cells[int(day)][int(hour_of_day)] = int(total)
    return HeatMap(cells=cells)


def league(session: Session, period: Period, compared_with: Period) -> list[LeagueRow]:
    """Every merchant with its visitors, change and visitors per opening hour, most visitors first."""
    now_in, then_in = _in(period), _in(compared_with)
    per_merchant = (
        select(
            Footfall.merchant_id.label("merchant_id"),
            func.sum(case((now_in, Footfall.count_in), else_=0)).label("visitors"),
            func.sum(case((then_in, Footfall.count_in), else_=0)).label("previous"),
            count_if(then_in).label("previous_buckets"),
        )
        .where(now_in | then_in)
        .group_by(Footfall.merchant_id)
        .subquery()
    )
    stmt = select(
        Merchant.id, Merchant.name, Merchant.category, Merchant.opens, Merchant.closes,
        per_merchant.c.visitors, per_merchant.c.previous, per_merchant.c.previous_buckets,
    ).outerjoin(per_merchant, per_merchant.c.merchant_id == Merchant.id).where(Merchant.active.is_(True))
    rows = []
    for m_id, name, category, opens, closes, visitors, previous, previous_buckets in session.execute(stmt):
        now_n, then_n = int(visitors or 0), int(previous or 0)
        compared = then_n if previous_buckets else None
        hours = open_hours(opens, closes, period)
        rows.append(LeagueRow(
            merchant_id=m_id, name=name, category=category, visitors=now_n, comparison_visitors=compared,
            change_pct=change_pct(now_n, compared), open_hours=hours,
            visitors_per_open_hour=now_n / hours if hours else None,
        ))
    return sorted(rows, key=lambda row: (-row.visitors, row.merchant_id))


def coverage(session: Session, period: Period) -> list[SourceCoverage]:
    """For each merchant and each source that counted for it in ``period``: its open hours without
    a single bucket (gaps: the counter was silent or offline, not zero visitors)."""
    hour = _LocalTime.over(period).hour_start.label("hour")
    stmt = (
        select(Footfall.merchant_id, Footfall.source, hour)
        .where(_in(period))
        .group_by(Footfall.merchant_id, Footfall.source, hour)
    )
    reported: dict[tuple[str, str], set[datetime]] = defaultdict(set)  # UTC hour starts
    for merchant_id, source, start in session.execute(stmt):
        reported[(merchant_id, source)].add(EPOCH + timedelta(minutes=int(start)))
    merchants = {m for m, _ in reported}
    hours = {m_id: (opens, closes) for m_id, opens, closes in session.execute(
        select(Merchant.id, Merchant.opens, Merchant.closes).where(Merchant.id.in_(merchants)))}
    result = []
    for (merchant_id, source), seen in sorted(reported.items()):
        expected = open_hour_starts(*hours[merchant_id], period)
        missing = [start for start in expected if start.astimezone(UTC) not in seen]
        result.append(SourceCoverage(
            merchant_id=merchant_id, source=source, hours_open=len(expected),
            hours_reported=len(expected) - len(missing), gaps=missing,
        ))
    return result


# --- opening hours (pure) ------------------------------------------------------------------------


def _opening_spans(opens: str, closes: str, period: Period) -> Iterable[tuple[datetime, datetime]]:
    """The merchant's opening times within ``period`` (in UTC), one span per local day; a closing
    time at or before the opening time means past midnight."""
    tz = period.tz
    open_at, close_at = _clock(opens), _clock(closes)
    for day in [period.days[0] - timedelta(days=1), *period.days]:  # the day before may run past midnight
        start = _real(local_midnight(day, tz) + timedelta(minutes=open_at))
        end_day = day + timedelta(days=1) if close_at <= open_at else day
        end = _real(local_midnight(end_day, tz) + timedelta(minutes=close_at))
        start, end = max(start, period.start.astimezone(UTC)), min(end, period.end.astimezone(UTC))
        if start < end:
            yield start, end


def _real(wall: datetime) -> datetime:
    """A local wall-clock time in UTC (arithmetic on aware datetimes of one zone ignores DST)."""
    return wall.astimezone(UTC)


def _clock(text: str) -> int:
    """Minutes after midnight of ``HH:MM`` (24:00 allowed)."""
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise ValueError(f"opening time {text!r}: expected HH:MM") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 1440:
        raise ValueError(f"opening time {text!r}: expected HH:MM between 00:00 and 24:00")
    return hours * 60 + minutes


def open_hours(opens: str, closes: str, period: Period) -> float:
    """Hours a merchant open ``opens``..``closes`` every day is open within ``period`` (pure)."""
    seconds = sum((end - start).total_seconds() for start, end in _opening_spans(opens, closes, period))
    return seconds / 3600


def open_hour_starts(opens: str, closes: str, period: Period) -> list[datetime]:
    """The local hours (their starts) in which the merchant is open for some time within ``period``."""
    spans = list(_opening_spans(opens, closes, period))
    return [
        start for start in _bucket_starts(period, "hour")
        if any(begin < start.astimezone(UTC) + HOUR and start < end for begin, end in spans)
    ]
