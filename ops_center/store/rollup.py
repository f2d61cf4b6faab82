"""The exact roll-ups of footfall: ``footfall_hourly`` per UTC hour and ``footfall_daily`` per UTC
day, kept by triggers on ``footfall``.

Every insert, update and delete of minute buckets adds its difference (new minus old) to the
buckets' UTC hours and UTC days in the same statement, so the roll-ups commit or roll back with the
write, whichever path made it (ingest's overwriting upsert, a camera's incrementing upsert, the
simulator, a cascade delete) and whatever writers run at once (each roll-up row is locked as it is
changed, until the writer commits). An hour or day whose buckets are all gone loses its row, so
``minutes > 0`` always means "a counter reported". Days are UTC days, whatever the site's time zone:
a query sums whole UTC days from the daily roll-up, the hours around them from the hourly one,
minutes at the ends.

One mechanism per backend (migration 0012 on):

- **PostgreSQL: statement triggers with transition tables.** After each statement on ``footfall``,
  one trigger per operation (``footfall_rollup_insert``, ``_update``, ``_delete``) reads the rows it
  inserted (``NEW TABLE``), updated (``OLD TABLE`` and ``NEW TABLE``) or deleted (``OLD TABLE``),
  groups them per period and applies the sums to each roll-up in one statement: an ``INSERT ...
  ON CONFLICT DO UPDATE`` adding the difference (for an update new minus old, so a resent count adds
  nothing and a moved bucket leaves its old period), its rows in key order so that concurrent
  writers lock shared periods in the same order; for a delete an ``UPDATE`` only (in a merchant's
  cascade its roll-up rows may be gone already); then the periods left without a bucket go. An
  ``INSERT ... ON CONFLICT DO UPDATE`` fires both the insert and the update trigger, each with its
  own rows. A 500-bucket ingest batch costs two grouped statements, not 1,000 row-trigger statements
  (in-process, one writer: 9,800 items/s with the row trigger, 20,700 per statement, 20,200 with no
  trigger at all). Migrations 0009-0011 installed a row trigger (``install(per_statement=False)``),
  which 0012's downgrade puts back.
- **SQLite: row triggers** (it has no others): per bucket, take the old bucket out of its hour and
  day and add the new one. An update that changes no column of the bucket (a resend of the same
  count) is skipped by the trigger's ``WHEN``. Keeping the roll-ups in the ingest path instead would
  save part of the trigger's cost on ingest batches (18,600 items/s with the triggers, 29,000 with
  none, in-process) but every other writer (cameras, simulator, plain updates and deletes) would
  have to do the same by hand; SQLite serves one machine, and its HTTP ingest is bound by the web
  workers, not by these statements, so the triggers stay.

Loading a lot of history at once (a year for the demo, the benchmark's 26 M rows) goes through
``bulk_load``: in one transaction the triggers are switched off, the rows written, and the touched
hours and days rebuilt from the minute table (``rebuild``, deterministic); the table lock taken by
the switch keeps other writers out until it commits, so no write slips past the roll-ups.

Changing the triggers needs a migration that calls ``install`` again (an older migration names the
levels and the kind of trigger it installed).
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
        "footfall_hourly_update": f"AFTER UPDATE ON footfall WHEN {_CHANGED} BEGIN {take} {add} END",
        "footfall_hourly_delete": f"AFTER DELETE ON footfall BEGIN {take} END",
    }


# An update that changes none of the bucket's columns (a resent count) leaves the roll-ups as they are.
_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in ("merchant_id", "minute", "source", "count_in", "count_out"))


def _pg_row_function(levels: Sequence[Level]) -> str:
    """The row trigger's function (migrations 0009-0011; 0012 replaced it by the statement triggers)."""
    return f"""
CREATE OR REPLACE FUNCTION footfall_hourly_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {" ".join(_take(level, True) for level in levels)} END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN {" ".join(_add(level, True) for level in levels)} END IF;
  RETURN NULL;
END $$"""


_PG_ROW_TRIGGER = "footfall_hourly"  # named for the first roll-up; it keeps every level
_PG_OPS = ("insert", "update", "delete")  # one statement trigger and function each: footfall_rollup_<op>


def _grouped(level: Level, rows: str, sign: str) -> str:
    """SQL of the bucket rows of the transition table ``rows`` per period of ``level``, as
    (merchant_id, start, source, utc_minute, count_in, count_out, minutes), signed by ``sign``."""
    start = level.start(True, "minute")
    return (
        f"SELECT merchant_id, {start} AS start, source, {level.epoch_minute(True, 'minute')} AS utc_minute, "
        f"{sign}count_in AS count_in, {sign}count_out AS count_out, {sign}1 AS minutes FROM {rows}"
    )


def _pg_upsert(level: Level, delta: str, having: bool) -> str:
    """SQL adding the summed rows of ``delta`` to their periods' rows, made if missing: one row per
    period (ON CONFLICT may touch a row once per statement), in key order (concurrent statements lock
    the rows they share in the same order, so they wait on each other, never in a circle)."""
    keep = " HAVING SUM(count_in) <> 0 OR SUM(count_out) <> 0 OR SUM(minutes) <> 0" if having else ""
    return (
        f"INSERT INTO {level.table} AS h (merchant_id, {level.column}, source, utc_minute, count_in, count_out, "
        f"minutes) SELECT merchant_id, start, source, MIN(utc_minute), SUM(count_in), SUM(count_out), SUM(minutes) "
        f"FROM ({delta}) AS delta GROUP BY merchant_id, start, source{keep} ORDER BY merchant_id, start, source "
        f"ON CONFLICT (merchant_id, {level.column}, source) DO UPDATE SET count_in = h.count_in + excluded.count_in, "
        f"count_out = h.count_out + excluded.count_out, minutes = h.minutes + excluded.minutes;"
    )


def _pg_drop_empty(level: Level) -> str:
    """SQL dropping the periods of the old rows that no bucket is left in."""
    return (
        f"DELETE FROM {level.table} AS h USING (SELECT DISTINCT merchant_id, {level.start(True, 'minute')} AS start, "
        f"source FROM old_rows) AS o WHERE h.merchant_id = o.merchant_id AND h.{level.column} = o.start "
        f"AND h.source = o.source AND h.minutes = 0;"
    )


def _pg_statement_sql(level: Level, op: str) -> str:
    """What one statement's trigger does to ``level`` for the rows it inserted (``new_rows``), updated
    (``old_rows`` to ``new_rows``) or deleted (``old_rows``)."""
    if op == "insert":
        return _pg_upsert(level, _grouped(level, "new_rows", ""), having=False)
    if op == "update":  # new minus old: a resent count adds nothing, a moved bucket leaves its period
        delta = f"{_grouped(level, 'new_rows', '')} UNION ALL {_grouped(level, 'old_rows', '-')}"
        return _pg_upsert(level, delta, having=True) + " " + _pg_drop_empty(level)
    # delete: an update, never an insert (in a merchant's cascade delete its roll-up rows may be gone already)
    return (
        f"UPDATE {level.table} AS h SET count_in = h.count_in - o.count_in, count_out = h.count_out - o.count_out, "
        f"minutes = h.minutes - o.minutes FROM (SELECT merchant_id, start, source, SUM(count_in) AS count_in, "
        f"SUM(count_out) AS count_out, COUNT(*) AS minutes FROM ({_grouped(level, 'old_rows', '')}) AS g "
        f"GROUP BY merchant_id, start, source) AS o WHERE h.merchant_id = o.merchant_id "
        f"AND h.{level.column} = o.start AND h.source = o.source; " + _pg_drop_empty(level)
    )


def _pg_statement_triggers(conn: Connection, levels: Sequence[Level]) -> None:
    tables = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
              "delete": "OLD TABLE AS old_rows"}
    for op in _PG_OPS:
        body = " ".join(_pg_statement_sql(level, op) for level in levels) or "NULL;"
        conn.execute(text(
            f"CREATE OR REPLACE FUNCTION footfall_rollup_{op}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$"
        ))
        conn.execute(text(
            f"CREATE TRIGGER footfall_rollup_{op} AFTER {op.upper()} ON footfall REFERENCING {tables[op]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION footfall_rollup_{op}()"
        ))


def _create_triggers(conn: Connection, levels: Sequence[Level], per_statement: bool = True) -> None:
    if conn.dialect.name != "postgresql":
        for name, body in _sqlite_triggers(levels).items():
            conn.execute(text(f"CREATE TRIGGER {name} {body}"))
    elif per_statement:
        _pg_statement_triggers(conn, levels)
    else:
        conn.execute(text(_pg_row_function(levels)))
        conn.execute(text(
            f"CREATE TRIGGER {_PG_ROW_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON footfall "
            "FOR EACH ROW EXECUTE FUNCTION footfall_hourly_apply()"
        ))


def install(conn: Connection, levels: Sequence[Level] = LEVELS, fill: Sequence[Level] | None = None, *,
            per_statement: bool = True) -> None:
    """Create (or replace) the triggers that keep the roll-ups ``levels`` and fill ``fill`` (default:
    all of ``levels``) from ``footfall``. On PostgreSQL ``per_statement=False`` installs the row
    trigger of migrations 0009-0011 instead of the statement triggers (SQLite has row triggers only)."""
    uninstall(conn)
    _create_triggers(conn, levels, per_statement)
    rebuild(conn, levels=levels if fill is None else fill)


def uninstall(conn: Connection) -> None:
    """Drop the triggers, whichever kind is installed (the roll-ups stop following ``footfall``)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP TRIGGER IF EXISTS {_PG_ROW_TRIGGER} ON footfall"))
        conn.execute(text("DROP FUNCTION IF EXISTS footfall_hourly_apply()"))
        for op in _PG_OPS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS footfall_rollup_{op} ON footfall"))
            conn.execute(text(f"DROP FUNCTION IF EXISTS footfall_rollup_{op}()"))
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
    if postgres:  # whichever triggers the store's revision installed (USER: not the foreign keys' own)
        conn.execute(text("ALTER TABLE footfall DISABLE TRIGGER USER"))
    else:
        uninstall(conn)
    yield
    rebuild(conn, start, end)
    if postgres:
        conn.execute(text("ALTER TABLE footfall ENABLE TRIGGER USER"))
    else:
        _create_triggers(conn, LEVELS)
