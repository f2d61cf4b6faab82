"""The store's write API: idempotent inserts of events and alarms, heartbeats, live frames.

Posting the same event or alarm twice stores it once (``INSERT ... ON CONFLICT DO NOTHING`` on its
stable id), so a worker may resend its outbox without fear.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import CursorResult, Result, Table, bindparam, func, inspect, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

from ops_center.config import CameraConfig
from ops_center.lifecycle import Status
from ops_center.records import AlarmRecord, CrossingRecord, EventRecord, FrameRecord, HeartbeatRecord, SpaceRecord
from ops_center.store.models import (
    Alarm,
    AlarmTransition,
    Camera,
    CameraFrame,
    CameraHeartbeat,
    DetectionEvent,
    Footfall,
    Merchant,
    ParkingCount,
    ParkingLevel,
    ParkingSpace,
    Snapshot,
    Zone,
)
from ops_center.store.types import utcnow
from ops_center.vocabulary import CAMERA_COUNT_SOURCE


def _insert(session: Session, model: type[DeclarativeBase]) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def begin_write(session: Session) -> None:
    """On SQLite, take the store's write lock now (``BEGIN IMMEDIATE``, waiting up to the busy
    timeout), unless the session's transaction holds it already: the reads that decide what a batch
    writes then see every write committed before it, and no other writer until it commits. SQLite's
    driver otherwise begins a transaction only at the first write, so two batches could read the
    same state and both build on it. PostgreSQL needs nothing here: rows are locked ``FOR UPDATE``."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_ignore(session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows``, skipping those whose primary key is stored already; return how many were new."""
    return len(insert_ignore_keys(session, model, rows))


def insert_ignore_keys(session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Insert ``rows``, skipping those whose primary key is stored already; return the new rows' keys."""
    if not rows:
        return []
    key = inspect(model).primary_key
    stmt = _insert(session, model).values(list(rows)).on_conflict_do_nothing().returning(*key)
    return [row[0] if len(row) == 1 else tuple(row) for row in session.execute(stmt).all()]


def upsert(session: Session, model: type[DeclarativeBase], row: Mapping[str, Any], key: Iterable[str]) -> None:
    """Insert ``row`` or overwrite the stored row with the same ``key`` columns."""
    key = list(key)
    stmt = _insert(session, model).values(dict(row))
    session.execute(stmt.on_conflict_do_update(index_elements=key, set_={k: stmt.excluded[k] for k in row if k not in key}))


def upsert_many(
    session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]], key: Iterable[str]
) -> None:
    """Insert ``rows`` in one statement (``bulk_insert``), each overwriting the stored row with the same
    ``key`` columns; of rows sharing a key the last one wins (PostgreSQL refuses to update a row twice
    in one statement, so they are merged first). The rows are written in key order, so that two
    batches sharing rows lock them in the same order and wait on each other, never in a circle (a
    deadlock, which PostgreSQL breaks by failing one of them)."""
    key = list(key)
    last = {tuple(row[k] for k in key): row for row in rows}
    if not last:
        return
    columns = list(next(iter(last.values())))
    quote = session.get_bind().dialect.identifier_preparer.quote
    update = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in key)
    bulk_insert(session, model, [row for _, row in sorted(last.items(), key=lambda pair: pair[0])],
                f"ON CONFLICT ({', '.join(map(quote, key))}) DO UPDATE SET {update}")


def insert_new(
    session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]], key: Iterable[str]
) -> int:
    """Insert ``rows`` in one statement (``bulk_insert``), skipping those whose ``key`` (a unique
    index) is stored already or repeated earlier in ``rows``; return how many were inserted. The
    unique index makes the check, so concurrent writers of the same rows store each once."""
    quote = session.get_bind().dialect.identifier_preparer.quote
    return bulk_insert(session, model, rows, f"ON CONFLICT ({', '.join(map(quote, key))}) DO NOTHING")


def bulk_insert(session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]],
                conflict: str = "") -> int:
    """Insert ``rows`` (all with the same keys, scalar columns) in their order, with the ``ON
    CONFLICT`` clause ``conflict`` if any; return how many rows were written.

    PostgreSQL gets one short statement whatever the batch's size: one array per column, unnested
    into rows (``INSERT ... SELECT FROM unnest(...)``), planned once per connection and sent in one
    round trip. A multi-row ``VALUES`` or an ``executemany`` costs the driver and the server per row
    (a 2,000-parameter statement parsed by psycopg at every batch, or 500 executions). SQLite gets
    its own ``executemany``, a loop inside sqlite3.
    """
    if not rows:
        return 0
    table = cast("Table", model.__table__)
    names = list(rows[0])
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    if dialect.name != "postgresql":
        params = [f":{name}" for name in names]
        stmt = text(f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join(params)}) {conflict}")
        stmt = stmt.bindparams(*(bindparam(name, type_=table.c[name].type) for name in names))
        return rows_changed(session.execute(stmt, [dict(row) for row in rows]))
    arrays = ", ".join(
        f"CAST(:c{i} AS {table.c[name].type.compile(dialect)}[])" for i, name in enumerate(names)
    )
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    stmt = text(
        f"INSERT INTO {quote(table.name)} ({columns}) SELECT {aliases} FROM unnest({arrays}) "
        f"WITH ORDINALITY AS batch({aliases}, n) ORDER BY n {conflict}"
    ).bindparams(*(bindparam(f"c{i}", type_=postgresql.ARRAY(table.c[name].type)) for i, name in enumerate(names)))
    return rows_changed(session.execute(stmt, {f"c{i}": [row[name] for row in rows] for i, name in enumerate(names)}))


def record_events(session: Session, events: Sequence[EventRecord]) -> int:
    """Store detection events; return how many were new."""
    return insert_ignore(session, DetectionEvent, [e.model_dump() for e in events])


def footfall_source(camera_id: str, line_name: str) -> str:
    """The footfall table's source of a camera's counting line."""
    return f"{camera_id}/{line_name}"


def record_crossings(session: Session, crossings: Sequence[CrossingRecord]) -> int:
    """Store line crossings once each and count each new one into its merchant's one-minute footfall bucket.

    Each crossing is a detection event (kind ``line_in`` / ``line_out``, the line as its zone) whose
    stable id makes posting twice count once; the bucket's source is camera and line. A line without
    a merchant, or with one the store does not know, keeps its events and fills no bucket. Returns
    how many crossings were new.
    """
    rows: list[dict[str, Any]] = [
        {"id": c.id, "camera_id": c.camera_id, "zone_name": c.line_name, "kind": f"line_{c.direction}",
         "track_id": c.track_id, "occurred_at": c.occurred_at, "frame_index": c.frame_index, "t_s": c.t_s,
         "details": {"merchant": c.merchant_id} if c.merchant_id else {}}
        for c in crossings
    ]
    new = set(insert_ignore_keys(session, DetectionEvent, rows))
    counted = [c for c in crossings if c.id in new and c.merchant_id]
    known = set(session.scalars(select(Merchant.id).where(Merchant.id.in_({c.merchant_id for c in counted}))))
    buckets: Counter[tuple[str, Any, str, str]] = Counter(
        (c.merchant_id, c.occurred_at.astimezone(UTC).replace(second=0, microsecond=0),
         footfall_source(c.camera_id, c.line_name), c.direction)
        for c in counted if c.merchant_id in known
    )
    cells: dict[tuple[str, Any, str], dict[str, Any]] = {}
    for (merchant, minute, source, direction), n in buckets.items():
        cell = cells.setdefault((merchant, minute, source), {
            "merchant_id": merchant, "minute": minute, "source": source, "count_in": 0, "count_out": 0})
        cell[f"count_{direction}"] += n
    if cells:
        stmt = _insert(session, Footfall).values(list(cells.values()))
        session.execute(stmt.on_conflict_do_update(
            index_elements=["merchant_id", "minute", "source"],
            set_={"count_in": Footfall.count_in + stmt.excluded.count_in,
                  "count_out": Footfall.count_out + stmt.excluded.count_out},
        ))
    return len(new)


def record_space_changes(session: Session, changes: Sequence[SpaceRecord]) -> int:
    """Store space changes once each, mark the spaces taken or free, and add a count for each lot touched.

    Each change is a detection event (kind ``space_taken`` / ``space_free``, the space as its zone);
    a new one sets the space's state unless the store holds a newer one. Each lot with a changed
    space gets a ``parking_counts`` row (source ``camera``): its spaces taken and its levels'
    capacity. A camera reads no plate: a space it changes forgets the plate a sensor reported. A space
    the store does not know keeps its event only. Returns how many changes were new.
    """
    rows: list[dict[str, Any]] = [
        {"id": c.id, "camera_id": c.camera_id, "zone_name": c.space_id,
         "kind": "space_taken" if c.occupied else "space_free", "occurred_at": c.occurred_at,
         "frame_index": c.frame_index, "t_s": c.t_s, "details": {}}
        for c in changes
    ]
    new = set(insert_ignore_keys(session, DetectionEvent, rows))
    lots: dict[str, Any] = {}
    for change in sorted((c for c in changes if c.id in new), key=lambda c: c.occurred_at):
        updated = session.execute(
            update(ParkingSpace)
            .where(ParkingSpace.id == change.space_id, ParkingSpace.updated_at <= change.occurred_at)
            .values(occupied=change.occupied, plate=None, updated_at=change.occurred_at)
            .returning(ParkingSpace.level_id)
        ).first()
        if updated is not None:
            lots[session.scalars(select(ParkingLevel.lot_id).where(ParkingLevel.id == updated[0])).one()] = (
                change.occurred_at
            )
    for lot, at in lots.items():
        taken = session.scalar(
            select(func.count()).select_from(ParkingSpace).join(ParkingLevel, ParkingSpace.level_id == ParkingLevel.id)
            .where(ParkingLevel.lot_id == lot, ParkingSpace.occupied)
        )
        capacity = session.scalar(select(func.sum(ParkingLevel.capacity)).where(ParkingLevel.lot_id == lot))
        session.add(ParkingCount(lot_id=lot, at=at, occupied=taken or 0, capacity=capacity or 0,
                                 source=CAMERA_COUNT_SOURCE))
    return len(new)


def raise_alarm(session: Session, alarm: AlarmRecord) -> bool:
    """Store a new alarm with its snapshot and first audit row; False when it was stored already."""
    row = alarm.model_dump(exclude={"snapshot_jpeg", "snapshot_size"})
    row.update(status=Status.NEW.value, updated_at=alarm.raised_at, version=1)
    if not insert_ignore(session, Alarm, [row]):
        return False
    if alarm.snapshot_jpeg is not None and alarm.snapshot_size is not None:
        width, height = alarm.snapshot_size
        session.add(Snapshot(alarm_id=alarm.id, jpeg=alarm.snapshot_jpeg, width=width, height=height))
    session.add(
        AlarmTransition(
            alarm_id=alarm.id,
            from_status=None,
            to_status=Status.NEW.value,
            actor=f"camera:{alarm.camera_id}" if alarm.camera_id else "system",
            at=alarm.raised_at,
            note=alarm.title,
        )
    )
    return True


def save_heartbeat(session: Session, beat: HeartbeatRecord) -> None:
    """Overwrite the camera's health row with the newest report."""
    upsert(session, CameraHeartbeat, beat.model_dump(), key=["camera_id"])


def save_frame(session: Session, frame: FrameRecord) -> None:
    """Overwrite the camera's latest live frame."""
    upsert(session, CameraFrame, frame.model_dump(), key=["camera_id"])


def sync_cameras(session: Session, cameras: Sequence[CameraConfig]) -> None:
    """Write the configured cameras and their zones to the store (credentials left out)."""
    now = utcnow()
    for cam in cameras:
        upsert(
            session,
            Camera,
            {
                "id": cam.id,
                "name": cam.name,
                "place": cam.place,
                "source_kind": source_kind(cam.source),
                "source": redact_source(cam.source),
                "enabled": cam.enabled,
                "updated_at": now,
            },
            key=["id"],
        )
        session.query(Zone).filter(
            Zone.camera_id == cam.id, Zone.name.not_in([z.name for z in cam.zones])
        ).delete(synchronize_session=False)
        for zone in cam.zones:
            upsert(
                session,
                Zone,
                {
                    "camera_id": cam.id,
                    "name": zone.name,
                    "label": zone.label,
                    "polygon": [list(p) for p in zone.polygon],
                    "min_frames": zone.min_frames,
                    "dwell_s": zone.dwell_s,
                    "cooldown_s": zone.cooldown_s,
                    "exit_grace_s": zone.exit_grace_s,
                    "severity": zone.severity,
                    "updated_at": now,
                },
                key=["camera_id", "name"],
            )


def source_kind(source: str) -> str:
    """Classify a camera source: rtsp, http, webcam, synthetic or file."""
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("rtsp", "rtsps"):
        return "rtsp"
    if scheme in ("http", "https"):
        return "http"
    if scheme in ("webcam", "synthetic"):
        return scheme
    return "file"


def redact_source(source: str) -> str:
    """The source URL without user name or password."""
    parts = urlsplit(source)
    if not parts.password and not parts.username:
        return source
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def count_rows(session: Session, model: type[DeclarativeBase]) -> int:
    """How many rows a table holds (for checks and the CLI)."""
    return int(session.query(func.count()).select_from(model).scalar() or 0)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an ``UPDATE`` or ``DELETE`` executed through a session matched."""
    return cast("CursorResult[Any]", result).rowcount
