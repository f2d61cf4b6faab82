"""What every panel query shares: the read context, value stamps and SQL time buckets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, case, cast, extract, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ops_center.config import SiteConfig, StaleLimits
from ops_center.store.types import utcnow

Domain = Literal["cameras", "fire", "parking", "commerce", "guards", "traffic", "environment"]


@dataclass(frozen=True)
class Stamp:
    """When a value was measured, how old it is at the time of the read, and whether it is stale."""

    at: datetime | None
    age_s: float | None
    stale: bool


@dataclass(frozen=True)
class ReadContext:
    """The moment of a read, the site's time zone (for "today") and each domain's staleness limit."""

    now: datetime
    tz: ZoneInfo
    stale_after: StaleLimits

    @classmethod
    def for_site(cls, config: SiteConfig, now: datetime | None = None) -> ReadContext:
        """The context of a read for this site, at ``now`` (default: the current time)."""
        return cls(
            now=now or utcnow(),
            tz=ZoneInfo(config.site.timezone),
            stale_after=config.dashboard.stale_after_s,
        )

    def stamp(self, at: datetime | None, domain: Domain) -> Stamp:
        """Stamp a ``domain`` value measured at ``at``; a value never measured is stale."""
        if at is None:
            return Stamp(at=None, age_s=None, stale=True)
        age = self.age_s(at)
        return Stamp(at=at, age_s=age, stale=age > getattr(self.stale_after, domain))

    def age_s(self, at: datetime) -> float:
        """Seconds from ``at`` to the read, never negative."""
        return max(0.0, (self.now - at).total_seconds())

    def local(self, at: datetime) -> datetime:
        """``at`` in the site's time zone."""
        return at.astimezone(self.tz)

    def day_start(self, days_ago: int = 0) -> datetime:
        """Local midnight of today (or ``days_ago`` days before), as an aware UTC datetime."""
        day = self.local(self.now).date() - timedelta(days=days_ago)
        return datetime(day.year, day.month, day.day, tzinfo=self.tz).astimezone(UTC)

    def hour_start(self) -> datetime:
        """The start of the current local hour, as an aware UTC datetime."""
        return self.local(self.now).replace(minute=0, second=0, microsecond=0).astimezone(UTC)


class time_bucket(FunctionElement[int]):
    """``time_bucket(column, start, width_s)``: the index of ``width_s``-long buckets since ``start``.

    Renders as integer arithmetic on epoch seconds for SQLite and PostgreSQL alike, so grouping by
    hour stays in SQL. Callers filter out rows before ``start`` (SQLite truncates towards zero).
    """

    type = BigInteger()
    inherit_cache = True
    name = "time_bucket"

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any], start: datetime, width_s: int) -> None:
        super().__init__(column, literal(int(start.timestamp()), BigInteger), literal(int(width_s), BigInteger))


@compiles(time_bucket, "sqlite")
def _time_bucket_sqlite(element: time_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    column, start, width = element.clauses
    return compiler.process((cast(func.strftime("%s", column), BigInteger) - start) // width, **kw)


@compiles(time_bucket, "postgresql")
def _time_bucket_postgresql(element: time_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    column, start, width = element.clauses
    seconds = cast(func.floor(extract("epoch", column)), BigInteger) - start  # 64-bit: past 2038
    return compiler.process(seconds // width, **kw)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``: a conditional count inside one query."""
    return func.sum(case((condition, 1), else_=0))


class days_since_epoch(FunctionElement[int]):
    """``days_since_epoch(date_column)``: the day's number since 1970-01-01, on SQLite and PostgreSQL."""

    type = Integer()
    inherit_cache = True
    name = "days_since_epoch"


@compiles(days_since_epoch, "sqlite")
def _days_since_epoch_sqlite(element: days_since_epoch, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(cast(func.julianday(column) - 2440587.5, Integer), **kw)


@compiles(days_since_epoch, "postgresql")
def _days_since_epoch_postgresql(element: days_since_epoch, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return f"({compiler.process(column, **kw)} - DATE '1970-01-01')"
