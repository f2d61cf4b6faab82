"""The exact hourly roll-up of footfall: ``footfall_hourly`` kept by triggers on ``footfall``.

Every insert, update and delete of a minute bucket adds its difference to the bucket's UTC hour in
the same statement, so the roll-up commits or rolls back with the write, whichever path made it
(ingest's overwriting upsert, a camera's incrementing upsert, the simulator, a cascade delete) and
whatever writers run at once (PostgreSQL locks the hour's row as it locks the bucket's). An hour
whose buckets are all gone loses its row, so ``minutes > 0`` always means "a counter reported".

Loading a lot of history at once (a year for the demo, the benchmark's 26 M rows) goes through
``bulk_load``: in one transaction the triggers are switched off, the rows written, and the touched
hours rebuilt from the minute table (``rebuild``, deterministic); the table lock taken by the
switch keeps other writers out until it commits, so no write slips past the roll-up.

Changing the triggers needs a migration that calls ``install`` again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

_SQLITE_HOUR = "substr({row}.minute, 1, 13) || ':00:00.000000'"  # SQLAlchemy's SQLite datetime text
_PG_HOUR = "date_trunc('hour', {row}.minute AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
_SQLITE_EPOCH_MINUTE = "CAST(strftime('%s', {row}.minute) AS INTEGER) / 3600 * 60"
_PG_EPOCH_MINUTE = "CAST(floor(extract(epoch FROM {row}.minute) / 3600) AS BIGINT) * 60"


def _add(row: str, hour: str, minute: str, alias: str) -> str:
    """SQL adding the bucket ``row`` (NEW) to its hour's row, made if missing."""
    return (
        f"INSERT INTO footfall_hourly {alias} (merchant_id, hour, source, utc_minute, count_in, count_out, minutes) "
        f"VALUES ({row}.merchant_id, {hour}, {row}.source, {minute}, {row}.count_in, {row}.count_out, 1) "
        f"ON CONFLICT (merchant_id, hour, source) DO UPDATE SET count_in = {{h}}count_in + excluded.count_in, "
        f"count_out = {{h}}count_out + excluded.count_out, minutes = {{h}}minutes + 1;"
    ).format(h="h." if alias else "")


def _take(row: str, hour: str) -> str:
    """SQL taking the bucket ``row`` (OLD) out of its hour's row, dropped when no bucket is left (an
    update, never an insert: in a merchant's cascade delete its hour rows may be gone already)."""
    match = f"merchant_id = {row}.merchant_id AND hour = {hour} AND source = {row}.source"
    return (
        f"UPDATE footfall_hourly SET count_in = count_in - {row}.count_in, count_out = count_out - {row}.count_out, "
        f"minutes = minutes - 1 WHERE {match}; DELETE FROM footfall_hourly WHERE {match} AND minutes = 0;"
    )


_SQLITE_NEW, _SQLITE_OLD = _SQLITE_HOUR.format(row="NEW"), _SQLITE_HOUR.format(row="OLD")
_SQLITE_NEW_MINUTE = _SQLITE_EPOCH_MINUTE.format(row="NEW")
_SQLITE_TRIGGERS = {
    "footfall_hourly_insert": f"AFTER INSERT ON footfall BEGIN {_add('NEW', _SQLITE_NEW, _SQLITE_NEW_MINUTE, '')} END",
    "footfall_hourly_update": (
        f"AFTER UPDATE ON footfall BEGIN {_take('OLD', _SQLITE_OLD)} {_add('NEW', _SQLITE_NEW, _SQLITE_NEW_MINUTE, '')} END"
    ),
    "footfall_hourly_delete": f"AFTER DELETE ON footfall BEGIN {_take('OLD', _SQLITE_OLD)} END",
}
_PG_NEW = _add("NEW", _PG_HOUR.format(row="NEW"), _PG_EPOCH_MINUTE.format(row="NEW"), "AS h")
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION footfall_hourly_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {_take('OLD', _PG_HOUR.format(row='OLD'))} END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN {_PG_NEW} END IF;
  RETURN NULL;
END $$"""
_PG_TRIGGER = "footfall_hourly"


def install(conn: Connection) -> None:
    """Create (or replace) the triggers that keep ``footfall_hourly`` and fill it from ``footfall``."""
    uninstall(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text(_PG_FUNCTION))
        conn.execute(text(
            f"CREATE TRIGGER {_PG_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON footfall "
            "FOR EACH ROW EXECUTE FUNCTION footfall_hourly_apply()"
        ))
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            conn.execute(text(f"CREATE TRIGGER {name} {body}"))
    rebuild(conn)


def uninstall(conn: Connection) -> None:
    """Drop the triggers (the roll-up stops following ``footfall``)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON footfall"))
        conn.execute(text("DROP FUNCTION IF EXISTS footfall_hourly_apply()"))
    else:
        for name in _SQLITE_TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild(conn: Connection | Session, start: datetime | None = None, end: datetime | None = None) -> None:
    """Recompute the roll-up of the UTC hours touching ``[start, end)`` (all hours by default) from
    the minute buckets: the same figures the triggers keep, whatever was there before."""
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    postgres = dialect == "postgresql"
    hour = (_PG_HOUR if postgres else _SQLITE_HOUR).format(row="footfall")
    minute = (_PG_EPOCH_MINUTE if postgres else _SQLITE_EPOCH_MINUTE).format(row="footfall")
    params: dict[str, object] = {}
    where = []
    if start is not None:
        params["start"] = _bound(_hour_floor(start), dialect)
        where.append("{col} >= :start")
    if end is not None:
        floor = _hour_floor(end)
        params["end"] = _bound(floor if floor == end else floor + timedelta(hours=1), dialect)
        where.append("{col} < :end")
    only = " AND ".join(where)
    conn.execute(text("DELETE FROM footfall_hourly" + (" WHERE " + only.format(col="hour") if only else "")),
                 params)
    conn.execute(text(
        "INSERT INTO footfall_hourly (merchant_id, hour, source, utc_minute, count_in, count_out, minutes) "
        f"SELECT merchant_id, {hour}, source, MIN({minute}), SUM(count_in), SUM(count_out), COUNT(*) FROM footfall"
        + (" WHERE " + only.format(col="footfall.minute") if only else "")
        + f" GROUP BY merchant_id, {hour}, source"
    ), params)


def _hour_floor(at: datetime) -> datetime:
    """The start of ``at``'s UTC hour."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _bound(at: datetime, dialect: str) -> object:
    """``at`` as a raw statement binds it: on SQLite the text SQLAlchemy stores datetimes as."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else at


@contextmanager
def bulk_load(session: Session, start: datetime, end: datetime) -> Iterator[None]:
    """Within the block, write many minute buckets of ``[start, end)`` without the per-row triggers;
    on leaving, the hours of that range are rebuilt and the triggers are back. The caller's
    transaction covers all of it (commit on success, roll back on error)."""
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(text(f"ALTER TABLE footfall DISABLE TRIGGER {_PG_TRIGGER}"))
    else:
        for name in _SQLITE_TRIGGERS:
            conn.execute(text(f"DROP TRIGGER {name}"))
    yield
    rebuild(conn, start, end)
    if postgres:
        conn.execute(text(f"ALTER TABLE footfall ENABLE TRIGGER {_PG_TRIGGER}"))
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            conn.execute(text(f"CREATE TRIGGER {name} {body}"))
