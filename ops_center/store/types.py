"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ops_center.opening_hours import Week


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A closed set (a ``StrEnum``) kept as its value in a plain string column, read back as the member.

    No database enum type and no CHECK constraint: the column is the same ``VARCHAR`` as before, so
    typing a column or adding a member needs no migration. A value outside the set is refused on write.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


class WeekJSON(TypeDecorator[Week]):
    """Weekly opening hours (``opening_hours.Week``) kept as a JSON list of seven entries."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Week | None, dialect: Dialect) -> Any:
        return None if value is None else value.entries()

    def process_result_value(self, value: Any, dialect: Dialect) -> Week | None:
        return None if value is None else Week.parse(value)


DEFAULT_WEEK = Week.every_day("10:00", "22:00")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


STORABLE_FROM = datetime(1970, 1, 1, tzinfo=UTC)
STORABLE_UNTIL = datetime(2101, 1, 1, tzinfo=UTC)


def check_storable(value: datetime) -> datetime:
    """``value`` when the store can hold it (aware, in the years 1970 to 2100), else ``ValueError`` saying why."""
    if value.tzinfo is None:
        raise ValueError("needs a UTC offset")
    try:
        in_range = STORABLE_FROM <= value.astimezone(UTC) < STORABLE_UNTIL
    except OverflowError:  # year 1 or 9999 moved by its offset out of datetime's range
        in_range = False
    if not in_range:
        raise ValueError(f"is outside the years {STORABLE_FROM.year} to {STORABLE_UNTIL.year - 1}")
    return value
