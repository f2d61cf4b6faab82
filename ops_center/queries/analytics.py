"""Footfall analytics for managers: headline figures, series per merchant, the weekday x hour heat
map, the league table of merchants and the data coverage of each counting source.

The store keeps one-minute buckets per merchant and source and their exact roll-ups per UTC hour and
UTC day; every sum here is a ``GROUP BY`` in SQL over index ranges of the coarsest roll-up that fits
(``buckets``): days for plain sums over a period, hours for anything grouped by local time, minutes
only at a range's partial hours. Local time is computed in SQL too: the minute since the epoch
plus the site's UTC offset, which is a constant per stretch of the period between DST changes (a
``CASE`` on ``minute`` with one branch per change), so local hours, days and weekdays are exact on
SQLite and PostgreSQL alike. An hour or day without any bucket is a gap (``None``), never zero.

Reading fast: sums over all merchants (the heat map, the busiest day and hour, the garage's visitors)
take the hourly roll-up summed per hour, grouped in its time index's order (no sort); GROUP BYs name
the local time key first, so SQLite reads the roll-up's covering time index (migration 0013) instead
of skip-scanning its primary key; PostgreSQL plans these reads without parallel workers or JIT.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    ScalarSelect,
    Select,
    String,
    Subquery,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ops_center.opening_hours import Week
from ops_center.queries.common import count_if, days_since_epoch, time_bucket
from ops_center.queries.periods import Period, local_midnight
from ops_center.store import rollup
from ops_center.store.models import Footfall, FootfallDaily, FootfallHourly, Merchant, MerchantSales, ParkingCount
from ops_center.vocabulary import BusinessFormat

Granularity = Literal["hour", "day", "week"]
Grain = Literal["minute", "hour", "day"]
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


def _offset_minutes(period: Period, utc_minute: ColumnElement[int]) -> ColumnElement[int]:
    """The UTC offset (minutes) over ``period`` of each row's time (UTC minutes since the epoch)."""
    stretches = utc_offsets(period)
    if len(stretches) == 1:
        return literal(stretches[0][1], Integer)
    branches = [(utc_minute < _epoch_minutes(begins), offset) for (_, offset), (begins, _) in pairwise(stretches)]
    return case(*branches, else_=stretches[-1][1])


@dataclass(frozen=True)
class _LocalTime:
    """SQL expressions of a row's local time: minutes, hour start, day, week, weekday, hour."""

    minute: ColumnElement[int]  # local minutes since the epoch
    utc_minute: ColumnElement[int]  # UTC minutes since the epoch

    @classmethod
    def over(cls, period: Period, utc_minute: ColumnElement[int]) -> _LocalTime:
        """The local time in ``period``'s zone of rows at ``utc_minute`` (UTC minutes since the epoch)."""
        return cls(minute=utc_minute + _offset_minutes(period, utc_minute), utc_minute=utc_minute)

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


# --- the buckets a query reads: the hourly roll-up for whole hours, minutes at the edges ---------


def _epoch_minutes(at: datetime) -> int:
    return int(at.timestamp()) // 60


def _whole_hours(period: Period) -> bool:
    """Whether the site's local hours are whole UTC hours throughout ``period`` (not so in India,
    Nepal or Newfoundland): then a UTC hour of the roll-up is one local hour."""
    return all(offset % 60 == 0 for _, offset in utc_offsets(period))


def _segments(periods: Sequence[Period]) -> list[tuple[datetime, datetime]]:
    """The periods' time ranges (UTC) cut at every start and end: each segment lies wholly inside or
    wholly outside each period (so a roll-up row is counted in the right one) and none is read twice."""
    cuts = sorted({at.astimezone(UTC) for p in periods for at in (p.start, p.end)})
    return [(a, b) for a, b in pairwise(cuts) if any(p.start <= a and b <= p.end for p in periods)]


def _minute_rows(start: datetime, end: datetime) -> Select[str, str, datetime, int, int, int]:
    return select(
        Footfall.merchant_id, Footfall.source, Footfall.minute.label("at"),
        time_bucket(Footfall.minute, EPOCH, 60).label("utc_minute"), Footfall.count_in,
        literal(1, Integer).label("buckets"),
    ).where(Footfall.minute >= start, Footfall.minute < end)


def _rollup_rows(grain: Grain, start: datetime, end: datetime,
                 merged: bool = False) -> Select[str, str, datetime, int, int, int]:
    model = FootfallDaily if grain == "day" else FootfallHourly
    at = FootfallDaily.day if grain == "day" else FootfallHourly.hour
    if merged:  # one row per period, every merchant and source summed: grouped in the index's order, no sort
        nobody = cast(null(), String(64))
        return select(nobody.label("merchant_id"), nobody.label("source"), at.label("at"),
                      func.min(model.utc_minute).label("utc_minute"), func.sum(model.count_in).label("count_in"),
                      func.sum(model.minutes).label("buckets")).where(at >= start, at < end).group_by(at)
    return select(model.merchant_id, model.source, at.label("at"), model.utc_minute, model.count_in,
                  model.minutes.label("buckets")).where(at >= start, at < end)


_FINER: dict[str, Grain] = {"day": "hour", "hour": "minute"}


def _parts(start: datetime, end: datetime, grain: Grain,
           merged: bool = False) -> list[Select[str, str, datetime, int, int, int]]:
    """``[start, end)`` as the whole UTC periods of ``grain``'s roll-up inside it and, around them, the
    next finer grain's rows, down to minutes."""
    if start >= end:
        return []
    if grain == "minute":
        return [_minute_rows(start, end)]
    level = rollup.DAILY if grain == "day" else rollup.HOURLY
    first, last = level.floor(start + timedelta(seconds=level.seconds, microseconds=-1)), level.floor(end)
    if first >= last:
        return _parts(start, end, _FINER[grain], merged)
    return [*_parts(start, first, _FINER[grain], merged), _rollup_rows(grain, first, last, merged),
            *_parts(last, end, _FINER[grain], merged)]


def buckets(*periods: Period, grain: Grain = "hour", merged: bool = False) -> Subquery:
    """The footfall of ``periods`` as rows ``(merchant_id, source, at, utc_minute, count_in, buckets)``
    read from the coarsest exact roll-up that fits: with ``grain`` "hour", the hourly roll-up for the
    whole UTC hours inside each range (``at`` the hour's start, ``utc_minute`` the same as minutes
    since the epoch, ``buckets`` its minute buckets) and the minute buckets at the ranges' partial
    first and last hours (``buckets`` 1); with "day", also the daily roll-up for whole UTC days (only
    for sums over the periods: a UTC day is no local day); with "minute" (or, for "hour", a site
    whose hours are not whole UTC hours) every row is a minute bucket. The sums are the same.
    ``merged``: for sums over all merchants, a roll-up's rows come summed per period already (one row
    an hour, ``merchant_id`` and ``source`` NULL), read in the index's order without sorting."""
    if grain == "hour" and not all(_whole_hours(p) for p in periods):
        grain = "minute"
    parts = [part for start, end in _segments(periods) for part in _parts(start, end, grain, merged)]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("buckets")


def _day_ranges(period: Period) -> list[tuple[int, datetime, datetime]]:
    """Each local day of ``period``: its number (local days since the epoch) and its time range (UTC)
    within the period (pure)."""
    found = []
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    for day in period.days:
        begins = max(local_midnight(day, period.tz).astimezone(UTC), start)
        ends = min(local_midnight(day + timedelta(days=1), period.tz).astimezone(UTC), end)
        if begins < ends:
            found.append(((day - EPOCH_DAY).days, begins, ends))
    return found


def _per_local_day(session: Session, period: Period) -> Subquery | None:
    """On SQLite, for a site whose hours are whole UTC hours: visitors per local day and merchant
    (``day``, ``merchant_id``, ``visitors``; NULL where no bucket) without sorting the period's
    hours: for each merchant and local day one sum over a range of the hourly roll-up's merchant
    index (migration 0013), plus the minute buckets of partial hours at the period's ends. None
    elsewhere: PostgreSQL groups the hours by hashing, which is faster than its nested loop would be."""
    if session.get_bind().dialect.name != "sqlite" or not _whole_hours(period):
        return None
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    first, last = rollup.HOURLY.floor(start + HOUR - timedelta(microseconds=1)), rollup.HOURLY.floor(end)
    parts: list[Select[Any]] = []
    edges = [(start, end)]
    ranges = [(n, max(a, first), min(b, last)) for n, a, b in _day_ranges(period) if max(a, first) < min(b, last)]
    if ranges:
        edges = [(start, first), (last, end)]
        stored = [[n, f"{a:%Y-%m-%d %H:%M:%S.%f}", f"{b:%Y-%m-%d %H:%M:%S.%f}"] for n, a, b in ranges]  # as SQLite keeps UTC
        listed = func.json_each(literal(json.dumps(stored), String)).table_valued("value")  # one parameter, not 3 a day
        days = select(*(func.json_extract(listed.c.value, f"$[{n}]").label(name)
                        for n, name in enumerate(("day", "day_start", "day_end")))).cte("days")
        hours = (select(func.sum(FootfallHourly.count_in))
                 .where(FootfallHourly.merchant_id == Merchant.id, FootfallHourly.hour >= days.c.day_start,
                        FootfallHourly.hour < days.c.day_end)
                 .scalar_subquery())
        parts.append(select(days.c.day, Merchant.id.label("merchant_id"), hours.label("visitors"))
                     .select_from(days).join(Merchant, true()))
    for a, b in edges:
        if a < b:
            minutes = _minute_rows(a, b).subquery()
            day = _LocalTime.over(period, minutes.c.utc_minute).day.label("day")
            parts.append(select(day, minutes.c.merchant_id, minutes.c.count_in.label("visitors")))
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    return (select(cast(rows.c.day, Integer).label("day"), rows.c.merchant_id, func.sum(rows.c.visitors).label("visitors"))
            .group_by(rows.c.day, rows.c.merchant_id).subquery())


def _in(rows: Subquery, period: Period) -> ColumnElement[bool]:
    return (rows.c.at >= period.start) & (rows.c.at < period.end)


def _day(number: int) -> date:
    return EPOCH_DAY + timedelta(days=number)


def _bucket_starts(period: Period, granularity: Granularity) -> list[datetime]:
    """Every bucket the period covers, as local start times, first to last (pure)."""
    return list(_bucket_starts_once(period, granularity))


@lru_cache(maxsize=64)
def _bucket_starts_once(period: Period, granularity: Granularity) -> tuple[datetime, ...]:
    """``_bucket_starts``, computed once per period (a page asks for the same hours several times)."""
    return tuple(_buckets_of(period, granularity))


def _buckets_of(period: Period, granularity: Granularity) -> list[datetime]:
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


def _bucket_key(start: datetime, granularity: Granularity) -> int:
    """The key SQL gives the bucket starting at ``start`` (local): ``_LocalTime.key`` (pure)."""
    if granularity == "hour":
        return _epoch_minutes(start)  # UTC minutes: a repeated local hour stays two
    return (start.date() - EPOCH_DAY).days  # the local day, or the Monday starting the week


# --- results -----------------------------------------------------------------------------------


def change_pct(current: int, previous: int | None) -> float | None:
    """Change in percent from ``previous`` to ``current``; None when there is nothing to compare with."""
    if not previous:
        return None
    return (current - previous) * 100.0 / previous


@dataclass(frozen=True)
class Headline:
    """The page's headline figures for a period and its comparison period."""

    visitors: int | None  # None: not a single bucket in the period
    comparison_visitors: int | None  # None: not a single bucket in the comparison period
    change_pct: float | None
    busiest_hour: int | None  # local hour of day 0..23 with most visitors over the period
    busiest_day: date | None  # local day with most visitors
    merchants_open: int  # active merchants open at some time in the period
    merchants_with_data: int  # merchants with at least one bucket in the period
    conversion_pct: float | None  # transactions per 100 visitors, over the days with both; None: no sales known


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
    """One merchant in the league table: visitors (None: not a single bucket while it was open, a
    silent counter; 0 when it was closed throughout), their change, and visitors per opening hour and per square metre of shop."""

    merchant_id: str
    name: str
    category: str
    visitors: int | None
    comparison_visitors: int | None
    change_pct: float | None
    open_hours: float
    visitors_per_open_hour: float | None
    business_format: BusinessFormat
    area_m2: float | None
    visitors_per_m2: float | None


@dataclass(frozen=True)
class FormatRow:
    """One business format in the league table: its merchants' sums (of those with data), visitors
    per opening hour and per square metre (over the merchants whose area is known)."""

    business_format: BusinessFormat
    merchants: int
    merchants_with_data: int
    visitors: int | None
    comparison_visitors: int | None
    change_pct: float | None
    open_hours: float
    visitors_per_open_hour: float | None
    visitors_per_m2: float | None


@dataclass(frozen=True)
class SourceCoverage:
    """Which opening hours of a merchant one counting source reported in; the rest are gaps."""

    merchant_id: str
    source: str
    hours_open: int
    hours_reported: int
    gaps: list[datetime]  # local starts of open hours without a single bucket from this source


# --- queries -----------------------------------------------------------------------------------


def _plan_small(session: Session) -> None:
    """On PostgreSQL, plan this transaction's reads without parallel workers and JIT compilation:
    they read index ranges of the roll-ups (thousands of rows), where starting workers or compiling
    took longer than the work (a 1 ms plan took 65 ms). Transaction-local, sums unchanged."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.set_config("max_parallel_workers_per_gather", "0", True),
                               func.set_config("jit", "off", True)))


def _totals(session: Session, period: Period, compared_with: Period) -> tuple[int | None, int | None, int]:
    """Visitors over ``period`` and over ``compared_with`` (None without a single bucket) and the
    merchants with a bucket in ``period``, in one pass."""
    rows = buckets(period, compared_with, grain="day")
    now_in, then_in = _in(rows, period), _in(rows, compared_with)
    stmt = select(
        func.sum(case((now_in, rows.c.count_in), else_=0)), func.sum(case((now_in, rows.c.buckets), else_=0)),
        func.sum(case((then_in, rows.c.count_in), else_=0)), func.sum(case((then_in, rows.c.buckets), else_=0)),
        func.count(func.distinct(case((now_in, rows.c.merchant_id)))),
    )
    visitors, counted, previous, previous_counted, merchants = session.execute(stmt).one()
    return int(visitors) if counted else None, int(previous) if previous_counted else None, int(merchants or 0)


def _busiest(session: Session, period: Period) -> tuple[int | None, int | None]:
    """The local day (days since the epoch) and the local hour of day with most visitors (the first
    on a tie), None without data: both from one pass over the buckets, summed per day and hour."""
    rows = buckets(period, merged=True)
    local = _LocalTime.over(period, rows.c.utc_minute)
    day, hour = local.day.label("day"), local.hour_of_day.label("hour")
    cells = (
        select(day, hour, func.sum(rows.c.count_in).label("visitors"))
        .group_by(day, hour)
        .cte("cells")  # read twice: materialised once on SQLite and PostgreSQL
    )

    def top(key: ColumnElement[int]) -> ScalarSelect[int]:
        return select(key).group_by(key).order_by(func.sum(cells.c.visitors).desc(), key).limit(1).scalar_subquery()

    busiest_day, busiest_hour = session.execute(select(top(cells.c.day), top(cells.c.hour))).one()
    return None if busiest_day is None else int(busiest_day), None if busiest_hour is None else int(busiest_hour)


def headline(session: Session, period: Period, compared_with: Period, sold: Sequence[SalesRow] | None = None) -> Headline:
    """Visitors, their change against ``compared_with``, the busiest hour and day, merchants open
    and, where merchants' sales are known, the conversion rate (from ``sold``, the period's ``sales``
    when the caller has them already)."""
    _plan_small(session)
    visitors, compared, with_data = _totals(session, period, compared_with)
    busiest_day, busiest_hour = _busiest(session, period)
    weeks = session.scalars(select(Merchant.hours).where(Merchant.active.is_(True))).all()
    sold = sales(session, period) if sold is None else sold
    return Headline(
        visitors=visitors,
        comparison_visitors=compared,
        change_pct=None if visitors is None else change_pct(visitors, compared),
        busiest_hour=busiest_hour,
        busiest_day=None if busiest_day is None else _day(busiest_day),
        merchants_open=sum(1 for week in weeks if open_hours(week, period) > 0),
        merchants_with_data=with_data,
        conversion_pct=_ratio(_known_sum(r.transactions_matched for r in sold),
                              _known_sum(r.visitors_matched for r in sold), 100),
    )


def series(session: Session, period: Period, granularity: Granularity) -> Series:
    """Visitors per merchant per local hour, day or week of ``period``."""
    _plan_small(session)
    per_day = None if granularity == "hour" else _per_local_day(session, period)
    if per_day is not None:
        day, counted = per_day.c.day, per_day.c.visitors.is_not(None)
        if granularity == "day":
            stmt = select(per_day.c.merchant_id, day, per_day.c.visitors).where(counted)
        else:
            key = (day - (day + 3) % 7).label("key")  # the Monday starting the week
            stmt = (select(per_day.c.merchant_id, key, func.sum(per_day.c.visitors))
                    .where(counted).group_by(key, per_day.c.merchant_id))
    else:
        rows = buckets(period)
        key = _LocalTime.over(period, rows.c.utc_minute).key(granularity).label("key")
        stmt = select(rows.c.merchant_id, key, func.sum(rows.c.count_in)).group_by(key, rows.c.merchant_id)
    starts = _bucket_starts(period, granularity)
    index = {_bucket_key(start, granularity): n for n, start in enumerate(starts)}  # a repeated local hour stays two
    visitors: dict[str, list[int | None]] = {}
    for merchant_id, bucket, total in session.execute(stmt):
        row = visitors.setdefault(merchant_id, [None] * len(starts))
        row[index[int(bucket)]] = int(total)
    return Series(granularity=granularity, starts=starts, visitors=dict(sorted(visitors.items())))


def heat_map(session: Session, period: Period) -> HeatMap:
    """Visitors by local weekday x hour of day over ``period``."""
    _plan_small(session)
    rows = buckets(period, merged=True)
    local = _LocalTime.over(period, rows.c.utc_minute)
    weekday, hour = local.weekday.label("weekday"), local.hour_of_day.label("hour")
    stmt = select(weekday, hour, func.sum(rows.c.count_in)).group_by(weekday, hour)
    cells: list[list[int | None]] = [[None] * 24 for _ in range(7)]
    for day, hour_of_day, total in session.execute(stmt):
        cells[int(day)][int(hour_of_day)] = int(total)
    return HeatMap(cells=cells)


def _ratio(numerator: float | None, denominator: float | None, scale: float = 1) -> float | None:
    """``numerator / denominator`` (times ``scale``); None when either is unknown or the denominator is 0."""
    return None if numerator is None or not denominator else numerator * scale / denominator


def league(session: Session, period: Period, compared_with: Period) -> list[LeagueRow]:
    """Every active merchant with its visitors, change, visitors per opening hour and per square
    metre, most visitors first (merchants without data last)."""
    _plan_small(session)
    both = buckets(period, compared_with, grain="day")
    now_in, then_in = _in(both, period), _in(both, compared_with)
    per_merchant = (
        select(
            both.c.merchant_id.label("merchant_id"),
            func.sum(case((now_in, both.c.count_in), else_=0)).label("visitors"),
            func.sum(case((now_in, both.c.buckets), else_=0)).label("counted"),
            func.sum(case((then_in, both.c.count_in), else_=0)).label("previous"),
            func.sum(case((then_in, both.c.buckets), else_=0)).label("previous_counted"),
        )
        .group_by(both.c.merchant_id)
        .subquery()
    )
    stmt = select(
        Merchant.id, Merchant.name, Merchant.category, Merchant.business_format, Merchant.area_m2, Merchant.hours,
        per_merchant.c.visitors, per_merchant.c.counted, per_merchant.c.previous, per_merchant.c.previous_counted,
    ).outerjoin(per_merchant, per_merchant.c.merchant_id == Merchant.id).where(Merchant.active.is_(True))
    rows = []
    for m_id, name, category, business_format, area, week, visitors, counted, previous, previous_counted in (
            session.execute(stmt)):
        hours = open_hours(week, period)
        now_n = int(visitors) if counted else (None if hours else 0)  # closed throughout: nobody came
        compared = int(previous) if previous_counted else None
        rows.append(LeagueRow(
            merchant_id=m_id, name=name, category=category, business_format=business_format, area_m2=area,
            visitors=now_n, comparison_visitors=compared,
            change_pct=None if now_n is None else change_pct(now_n, compared), open_hours=hours,
            visitors_per_open_hour=_ratio(now_n, hours), visitors_per_m2=_ratio(now_n, area),
        ))
    return sorted(rows, key=lambda row: (row.visitors is None, -(row.visitors or 0), row.merchant_id))


def _known_sum(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def league_by_format(rows: Sequence[LeagueRow]) -> list[FormatRow]:
    """The merchants' league rows summed by business format, most visitors first (pure: the sums in
    SQL are the league's). Per opening hour and per square metre count only merchants with data
    (and, per square metre, a known area), so a silent counter does not dilute its format."""
    by_format: dict[BusinessFormat, list[LeagueRow]] = defaultdict(list)
    for row in rows:
        by_format[row.business_format].append(row)
    result = []
    for business_format, members in by_format.items():
        counted = [r for r in members if r.visitors is not None]
        visitors = _known_sum(r.visitors for r in counted)
        compared = _known_sum(r.comparison_visitors for r in counted)
        with_area = [r for r in counted if r.area_m2]
        hours = sum(r.open_hours for r in counted)
        result.append(FormatRow(
            business_format=business_format, merchants=len(members), merchants_with_data=len(counted),
            visitors=visitors, comparison_visitors=compared,
            change_pct=None if visitors is None else change_pct(visitors, compared),
            open_hours=hours, visitors_per_open_hour=_ratio(visitors, hours),
            visitors_per_m2=_ratio(_known_sum(r.visitors for r in with_area), sum(r.area_m2 or 0 for r in with_area)),
        ))
    return sorted(result, key=lambda row: (row.visitors is None, -(row.visitors or 0), row.business_format))


def _by_utc_day(starts: Iterable[datetime]) -> dict[int, dict[int, datetime]]:
    """Hour starts by UTC day (days since the epoch) and by their UTC hour of that day, the bit they
    have in a day's mask (pure)."""
    found: dict[int, dict[int, datetime]] = defaultdict(dict)
    for start in starts:
        minute = _epoch_minutes(start)
        found[minute // 1440][minute // 60 % 24] = start
    return found


class _bits_or(FunctionElement[int]):
    """``_bits_or(bit)``: the bitwise OR of single-bit values (an aggregate): PostgreSQL's ``bit_or``
    (no sort per group), on SQLite the sum of the distinct bits."""

    type = BigInteger()
    inherit_cache = True
    name = "bits_or"


@compiles(_bits_or, "sqlite")
def _bits_or_sqlite(element: _bits_or, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(func.sum(distinct(*element.clauses)), **kw)


@compiles(_bits_or, "postgresql")
def _bits_or_postgresql(element: _bits_or, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(func.bit_or(*element.clauses), **kw)


def coverage(session: Session, period: Period) -> list[SourceCoverage]:
    """For each merchant and each source that counted for it in ``period``: its open hours without
    a single bucket (gaps: the counter was silent or offline, not zero visitors). The store answers
    one row per merchant, source and UTC day with a mask of the hours reported (one bit per hour:
    local hours start on distinct UTC hours, whatever the zone); the opening hours are set against
    those masks a day at a time."""
    _plan_small(session)
    rows = buckets(period)
    hour = _LocalTime.over(period, rows.c.utc_minute).hour_start
    day = (hour // 1440).label("day")
    bit = cast(hour // 60 % 24, Integer)  # PostgreSQL shifts a bigint by an integer
    bits = _bits_or(literal(1, BigInteger).op("<<")(bit))
    stmt = select(rows.c.merchant_id, rows.c.source, day, bits).group_by(day, rows.c.merchant_id, rows.c.source)
    reported: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for merchant_id, source, number, mask in session.execute(stmt):
        reported[(merchant_id, source)][int(number)] = int(mask)
    weeks = {m_id: week for m_id, week in session.execute(
        select(Merchant.id, Merchant.hours).where(Merchant.id.in_({m for m, _ in reported})))}
    open_by_week: dict[Week, dict[int, dict[int, datetime]]] = {}  # merchants share opening hours
    result = []
    for (merchant_id, source), masks in sorted(reported.items()):
        week = weeks[merchant_id]
        if week not in open_by_week:
            open_by_week[week] = _by_utc_day(open_hour_starts(week, period))
        expected = open_by_week[week]
        missing = [start for number, starts in expected.items() for bit, start in starts.items()
                   if not masks.get(number, 0) >> bit & 1]
        hours_open = sum(len(starts) for starts in expected.values())
        result.append(SourceCoverage(
            merchant_id=merchant_id, source=source, hours_open=hours_open,
            hours_reported=hours_open - len(missing), gaps=missing,
        ))
    return result


# --- sales, the garage and a merchant's profile ----------------------------------------------------


@dataclass(frozen=True)
class SalesRow:
    """A merchant's sales over the days of a period that reported them; conversion (transactions per
    100 visitors) and revenue per visitor over the days that have footfall too (None without)."""

    merchant_id: str
    business_format: BusinessFormat
    days: int
    transactions: int
    revenue: float
    days_matched: int
    transactions_matched: int
    revenue_matched: float
    visitors_matched: int | None
    conversion_pct: float | None
    revenue_per_visitor: float | None


@dataclass(frozen=True)
class FormatSalesRow:
    """A business format's sales: the sums of its merchants' ``SalesRow``s."""

    business_format: BusinessFormat
    merchants: int
    transactions: int
    revenue: float
    visitors_matched: int | None
    conversion_pct: float | None
    revenue_per_visitor: float | None


def sales_days(period: Period) -> list[date]:
    """The local days whose sales count for ``period``: those starting within it."""
    return [day for day in period.days if period.start <= local_midnight(day, period.tz) < period.end]


def sales(session: Session, period: Period) -> list[SalesRow]:
    """Every merchant with sales on the period's days, with conversion and revenue per visitor
    where footfall was counted on the same days; most revenue first."""
    days = sales_days(period)
    if not days:
        return []
    _plan_small(session)
    per_day = _per_local_day(session, period)
    if per_day is None:
        rows = buckets(period)
        local_day = cast(_LocalTime.over(period, rows.c.utc_minute).day, Integer).label("day")  # as the sales' (a key)
        per_day = (
            select(local_day, rows.c.merchant_id, func.sum(rows.c.count_in).label("visitors"))
            .group_by(local_day, rows.c.merchant_id)
            .subquery()
        )
    sold = (  # the day's number as a column: the join looks up (day, merchant) instead of scanning a merchant's days
        select(MerchantSales.merchant_id, days_since_epoch(MerchantSales.day).label("day"), MerchantSales.transactions,
               MerchantSales.revenue_cents)
        .where(MerchantSales.day >= days[0], MerchantSales.day <= days[-1])
        .subquery()
    )
    matched = per_day.c.visitors.is_not(None)
    stmt = (
        select(
            sold.c.merchant_id, Merchant.business_format, func.count(), func.sum(sold.c.transactions),
            func.sum(sold.c.revenue_cents), count_if(matched),
            func.sum(case((matched, sold.c.transactions), else_=0)),
            func.sum(case((matched, sold.c.revenue_cents), else_=0)), func.sum(per_day.c.visitors),
        )
        .join(Merchant, Merchant.id == sold.c.merchant_id)
        .outerjoin(per_day, (per_day.c.day == sold.c.day) & (per_day.c.merchant_id == sold.c.merchant_id))
        .group_by(sold.c.merchant_id, Merchant.business_format)
    )
    result = []
    for m_id, business_format, n, transactions, cents, n_matched, t_matched, c_matched, visitors in session.execute(stmt):
        seen = int(visitors) if n_matched else None
        result.append(SalesRow(
            merchant_id=m_id, business_format=business_format, days=int(n), transactions=int(transactions),
            revenue=int(cents) / 100, days_matched=int(n_matched), transactions_matched=int(t_matched),
            revenue_matched=int(c_matched) / 100, visitors_matched=seen,
            conversion_pct=_ratio(int(t_matched), seen, 100), revenue_per_visitor=_ratio(int(c_matched) / 100, seen),
        ))
    return sorted(result, key=lambda row: (-row.revenue, row.merchant_id))


def sales_by_format(rows: Sequence[SalesRow]) -> list[FormatSalesRow]:
    """The merchants' sales summed by business format, most revenue first (pure)."""
    by_format: dict[BusinessFormat, list[SalesRow]] = defaultdict(list)
    for row in rows:
        by_format[row.business_format].append(row)
    result = []
    for business_format, members in by_format.items():
        visitors = _known_sum(r.visitors_matched for r in members)
        t_matched, revenue_matched = sum(r.transactions_matched for r in members), sum(r.revenue_matched for r in members)
        result.append(FormatSalesRow(
            business_format=business_format, merchants=len(members),
            transactions=sum(r.transactions for r in members), revenue=sum(r.revenue for r in members),
            visitors_matched=visitors, conversion_pct=_ratio(t_matched, visitors, 100),
            revenue_per_visitor=_ratio(revenue_matched, visitors),
        ))
    return sorted(result, key=lambda row: (-row.revenue, row.business_format))


@dataclass(frozen=True)
class GarageHours:
    """A car park against footfall, per local hour of a period: the cars parked (mean of the hour's
    counts), the share of its spaces, and visitors over all merchants; None where nothing reported."""

    lot_id: str
    starts: list[datetime]
    occupied: list[float | None]
    occupancy_pct: list[float | None]
    visitors: list[int | None]


def garage_against_footfall(session: Session, period: Period, lot_id: str) -> GarageHours:
    """Lot ``lot_id``'s use and the footfall of all merchants, hour by hour over ``period``."""
    starts = _bucket_starts(period, "hour")
    index = {start.astimezone(UTC): n for n, start in enumerate(starts)}
    occupied: list[float | None] = [None] * len(starts)
    occupancy: list[float | None] = [None] * len(starts)
    visitors: list[int | None] = [None] * len(starts)

    _plan_small(session)

    def slot(hour_start: int) -> int:
        return index[(EPOCH + timedelta(minutes=int(hour_start))).astimezone(UTC)]

    hour = _LocalTime.over(period, time_bucket(ParkingCount.at, EPOCH, 60)).hour_start.label("hour")
    counts = (
        select(hour, func.avg(ParkingCount.occupied), func.avg(cast(ParkingCount.occupied, Float) / ParkingCount.capacity))
        .where(ParkingCount.lot_id == lot_id, ParkingCount.at >= period.start, ParkingCount.at < period.end)
        .group_by(hour)
    )
    for start, cars, share in session.execute(counts):
        occupied[slot(start)] = float(cars)
        occupancy[slot(start)] = None if share is None else float(share) * 100
    rows = buckets(period, merged=True)
    people = _LocalTime.over(period, rows.c.utc_minute).hour_start.label("hour")
    for start, total in session.execute(select(people, func.sum(rows.c.count_in)).group_by(people)):
        visitors[slot(start)] = int(total)
    return GarageHours(lot_id=lot_id, starts=starts, occupied=occupied, occupancy_pct=occupancy, visitors=visitors)


@dataclass(frozen=True)
class HourlyProfile:
    """A merchant's visitors by local hour of day (the mean over the period's days on which that hour
    reported) against the mean of the same figure over its format's merchants; None: no data."""

    merchant_id: str
    business_format: BusinessFormat
    merchant: list[float | None]  # 24 hours
    format_average: list[float | None]  # 24 hours
    format_merchants: list[int]  # per hour: merchants of the format with data in it


def hourly_profile(session: Session, period: Period, merchant_id: str) -> HourlyProfile:
    """The click-through of the league table: ``merchant_id``'s hourly profile and its format's."""
    business_format = session.scalar(select(Merchant.business_format).where(Merchant.id == merchant_id))
    if business_format is None:
        raise ValueError(f"unknown merchant {merchant_id!r}")
    _plan_small(session)
    rows = buckets(period)
    local = _LocalTime.over(period, rows.c.utc_minute)
    hour = local.hour_of_day.label("hour")
    per_merchant = (
        select(rows.c.merchant_id, hour,
               (cast(func.sum(rows.c.count_in), Float) / func.count(func.distinct(local.day))).label("per_day"))
        .join(Merchant, Merchant.id == rows.c.merchant_id)
        .where(Merchant.business_format == business_format, Merchant.active.is_(True))
        .group_by(hour, rows.c.merchant_id)
        .subquery()
    )
    own = func.max(case((per_merchant.c.merchant_id == merchant_id, per_merchant.c.per_day)))
    stmt = select(per_merchant.c.hour, own, func.avg(per_merchant.c.per_day), func.count()).group_by(per_merchant.c.hour)
    mine: list[float | None] = [None] * 24
    average: list[float | None] = [None] * 24
    merchants = [0] * 24
    for hour_of_day, value, mean, n in session.execute(stmt):
        mine[int(hour_of_day)] = None if value is None else float(value)
        average[int(hour_of_day)], merchants[int(hour_of_day)] = float(mean), int(n)
    return HourlyProfile(merchant_id=merchant_id, business_format=business_format, merchant=mine,
                         format_average=average, format_merchants=merchants)


# --- opening hours (pure) ------------------------------------------------------------------------


def _opening_spans(week: Week, period: Period) -> Iterable[tuple[datetime, datetime]]:
    """The merchant's opening times within ``period`` (in UTC), one span per open local day."""
    days = period.days
    for start, end in week.spans(days[0] - timedelta(days=1), days[-1], period.tz):  # the day before may
        start, end = max(start, period.start.astimezone(UTC)), min(end, period.end.astimezone(UTC))  # run late
        if start < end:
            yield start, end


@lru_cache(maxsize=1024)  # the league and the headline ask it for every merchant; most share their hours
def open_hours(week: Week, period: Period) -> float:
    """Hours a merchant with opening hours ``week`` is open within ``period`` (pure)."""
    seconds = sum((end - start).total_seconds() for start, end in _opening_spans(week, period))
    return seconds / 3600


def open_hour_starts(week: Week, period: Period) -> list[datetime]:
    """The local hours (their starts) in which the merchant is open for some time within ``period``."""
    spans = sorted(_opening_spans(week, period))
    found, first = [], 0
    for start in _bucket_starts(period, "hour"):
        begin = start.astimezone(UTC)
        while first < len(spans) and spans[first][1] <= begin:  # spans over before this hour
            first += 1
        if first < len(spans) and spans[first][0] < begin + HOUR:
            found.append(start)
    return found
