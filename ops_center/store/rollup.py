"""The exact roll-ups of footfall: ``footfall_hourly`` per UTC hour and ``footfall_daily`` per UTC
day, kept by triggers on ``footfall``.

Every insert, update and delete of a minute bucket adds its difference to the bucket's UTC hour and
UTC day in the same statement, so the roll-ups commit or roll back with the write, whichever path
made it (ingest's overwriting upsert, a camera's incrementing upsert, the simulator, a cascade
delete) and whatever writers run at once (PostgreSQL locks the hour's and the day's rows as it locks
the bucket's). An hour or day whose buckets are all gone loses its row, so ``minutes > 0`` always
means "a counter reported". Days are UTC days, whatever the site's time zone: a query sums whole UTC
days from the daily roll-up, the hours around them from the hourly one, minutes at the ends.

Loading a lot of history at once (a year for the demo, the benchmark's 26 M rows) goes through
``bulk_load``: in one transaction the triggers are switched off, the rows written, and the touched
hours and days rebuilt from the minute table (``rebuild``, deterministic); the table lock taken by
the switch keeps other writers out until it commits, so no write slips past the roll-ups.

Changing the triggers needs a migration that calls ``install`` again (an older migration names the
levels it installed).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Level:
    """One roll-up: its table, the column of its UTC period's start, that period's length, and the
    finer table it is rebuilt from (its start column; the minute table's is ``minute``)."""

    table: str
    column: str
    seconds: int
    sqlite_start: str  # the period's start of a time ``{at}``, as SQLAlchemy's SQLite datetime text
    pg_start: str
    finer: str
    finer_column: str

    def start(self, postgres: bool, at: str) -> str:
        """SQL of the start of the period holding the time ``at`` (a column)."""
        return (self.pg_start if postgres else self.sqlite_start).format(at=at)

    def epoch_minute(self, postgres: bool, at: str) -> str:
        """SQL of the start of the period holding the time ``at`` (a column), in minutes since the epoch."""
        if postgres:
            return f"CAST(floor(extract(epoch FROM {at}) / {self.seconds}) AS BIGINT) * {self.seconds // 60}"
        return f"CAST(strftime('%s', {at}) AS INTEGER) / {self.seconds} * {self.seconds // 60}"

    def floor(self, at: datetime) -> datetime:
        """The start of ``at``'s UTC period (pure)."""
        seconds = int(at.astimezone(UTC).timestamp())
        return datetime.fromtimestamp(seconds - seconds % self.seconds, UTC)


HOURLY = Level("footfall_hourly", "hour", 3600, "substr({at}, 1, 13) || ':00:00.000000'",
               "date_trunc('hour', {at} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'", "footfall", "minute")
DAILY = Level("footfall_daily", "day", 86400, "substr({at}, 1, 10) || ' 00:00:00.000000'",
              "date_trunc('day', {at} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'", HOURLY.table, HOURLY.column)
LEVELS = (HOURLY, DAILY)  # finer first: each is rebuilt from the one before


def _add(level: Level, postgres: bool) -> str:
    """SQL adding the bucket NEW to its period's row, made if missing."""
    alias, h = (" AS h", "h.") if postgres else ("", "")
    return (
        f"INSERT INTO {level.table}{alias} (merchant_id, {level.column}, source, utc_minute, count_in, count_out, "
        f"minutes) VALUES (NEW.merchant_id, {level.start(postgres, 'NEW.minute')}, NEW.source, "
        f"{level.epoch_minute(postgres, 'NEW.minute')}, NEW.count_in, NEW.count_out, 1) "
        f"ON CONFLICT (merchant_id, {level.column}, source) DO UPDATE SET count_in = {h}count_in + excluded.count_in, "
        f"count_out = {h}count_out + excluded.count_out, minutes = {h}minutes + 1;"
    )


def _take(level: Level, postgres: bool) -> str:
    """SQL taking the bucket OLD out of its period's row, dropped when no bucket is left (an update,
    never an insert: in a merchant's cascade delete its roll-up rows may be gone already)."""
    match = f"merchant_id = OLD.merchant_id AND {level.column} = {level.start(postgres, 'OLD.minute')} AND source = OLD.source"
    return (
        f"UPDATE {level.table} SET count_in = count_in - OLD.count_in, count_out = count_out - OLD.count_out, "
        f"minutes = minutes - 1 WHERE {match}; DELETE FROM {level.table} WHERE {match} AND minutes = 0;"
    )


def _sqlite_triggers(levels: Sequence[Level]) -> dict[str, str]:
    add = " ".join(_add(level, False) for level in levels)
    take = " ".join(_take(level, False) for level in levels)
    return {
        "footfall_hourly_insert": f"AFTER INSERT ON footfall BEGIN {add} END",
        "footfall_hourly_update": f"AFTER UPDATE ON footfall BEGIN {take} {add} END",
        "footfall_hourly_delete": f"AFTER DELETE ON footfall BEGIN {take} END",
    }


def _pg_function(levels: Sequence[Level]) -> str:
    return f"""
CREATE OR REPLACE FUNCTION footfall_hourly_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {" ".join(_take(level, True) for level in levels)} END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN {" ".join(_add(level, True) for level in levels)} END IF;
  RETURN NULL;
END $$"""


_PG_TRIGGER = "footfall_hourly"  # named for the first roll-up; it keeps every level


def _create_triggers(conn: Connection, levels: Sequence[Level]) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(_pg_function(levels)))
        conn.execute(text(
            f"CREATE TRIGGER {_PG_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON footfall "
            "FOR EACH ROW EXECUTE FUNCTION footfall_hourly_apply()"
        ))
    else:
        for name, body in _sqlite_triggers(levels).items():
            conn.execute(text(f"CREATE TRIGGER {name} {body}"))


def install(conn: Connection, levels: Sequence[Level] = LEVELS, fill: Sequence[Level] | None = None) -> None:
    """Create (or replace) the triggers that keep the roll-ups ``levels`` and fill ``fill`` (default:
    all of ``levels``) from ``footfall``."""
    uninstall(conn)
    _create_triggers(conn, levels)
    rebuild(conn, levels=levels if fill is None else fill)


def uninstall(conn: Connection) -> None:
    """Drop the triggers (the roll-ups stop following ``footfall``)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON footfall"))
        conn.execute(text("DROP FUNCTION IF EXISTS footfall_hourly_apply()"))
    else:
        for name in _sqlite_triggers(()):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild(conn: Connection | Session, start: datetime | None = None, end: datetime | None = None,
            levels: Sequence[Level] = LEVELS) -> None:
    """Recompute the roll-ups' UTC hours and days touching ``[start, end)`` (all by default), each
    from the finer one (hours from the minute buckets, days from the hours): the same figures the
    triggers keep, whatever was there before."""
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    postgres = dialect == "postgresql"
    for level in levels:
        params: dict[str, object] = {}
        where = []
        if start is not None:
            params["start"] = _bound(level.floor(start), dialect)
            where.append("{col} >= :start")
        if end is not None:
            floor = level.floor(end)
            params["end"] = _bound(floor if floor == end else floor + timedelta(seconds=level.seconds), dialect)
            where.append("{col} < :end")
        only = " AND ".join(where)
        conn.execute(text(f"DELETE FROM {level.table}" + (" WHERE " + only.format(col=level.column) if only else "")),
                     params)
        finer = f"{level.finer}.{level.finer_column}"
        begins = level.start(postgres, finer)
        minutes = "COUNT(*)" if level.finer == "footfall" else "SUM(minutes)"  # a finer roll-up's rows hold many
        conn.execute(text(
            f"INSERT INTO {level.table} (merchant_id, {level.column}, source, utc_minute, count_in, count_out, minutes) "
            f"SELECT merchant_id, {begins}, source, MIN({level.epoch_minute(postgres, finer)}), SUM(count_in), "
            f"SUM(count_out), {minutes} FROM {level.finer}"
            + (" WHERE " + only.format(col=finer) if only else "")
            + f" GROUP BY merchant_id, {begins}, source"
        ), params)


def _bound(at: datetime, dialect: str) -> object:
    """``at`` as a raw statement binds it: on SQLite the text SQLAlchemy stores datetimes as."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else at


@contextmanager
def bulk_load(session: Session, start: datetime, end: datetime) -> Iterator[None]:
    """Within the block, write many minute buckets of ``[start, end)`` without the per-row triggers;
    on leaving, the hours and days of that range are rebuilt and the triggers are back. The caller's
    transaction covers all of it (commit on success, roll back on error)."""
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(text(f"ALTER TABLE footfall DISABLE TRIGGER {_PG_TRIGGER}"))
    else:
        uninstall(conn)
    yield
    rebuild(conn, start, end)
    if postgres:
        conn.execute(text(f"ALTER TABLE footfall ENABLE TRIGGER {_PG_TRIGGER}"))
    else:
        _create_triggers(conn, LEVELS)
