"""Typed SQLAlchemy 2.0 models of the shared store.

Security (cameras, zones, events, alarms, evidence, heartbeats, live frames) and the domains beside
it (fire, parking, commerce, guards, traffic, environment). The domain tables have the shape real
ingestion (HTTP with a token, MQTT, camera counting) fills; the simulator writes the same tables.
Schema changes go through Alembic migrations in ``ops_center/store/migrations``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ops_center.lifecycle import Status
from ops_center.opening_hours import Week
from ops_center.store.types import DEFAULT_WEEK, EnumText, UTCDateTime, WeekJSON, utcnow
from ops_center.vocabulary import AlarmKind, BusinessFormat, CameraState, FireState, GuardStatus, ModelStatus, Severity

ID = String(64)
UUID = String(36)


class Base(DeclarativeBase):
    """Declarative base of every table in the store."""


# --- security: cameras, zones, events, alarms -------------------------------------------------


class Camera(Base):
    """A camera as configured; the source is kept without credentials."""

    __tablename__ = "cameras"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    source_kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text, default="", doc="redacted: no user or password")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Zone(Base):
    """A danger zone of one camera (polygon in relative coordinates)."""

    __tablename__ = "zones"
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(ID, primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    polygon: Mapped[list[list[float]]] = mapped_column(JSON)
    min_frames: Mapped[int] = mapped_column(Integer)
    dwell_s: Mapped[float] = mapped_column(Float)
    cooldown_s: Mapped[float] = mapped_column(Float)
    exit_grace_s: Mapped[float] = mapped_column(Float)
    severity: Mapped[Severity] = mapped_column(EnumText(Severity, 20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DetectionEvent(Base):
    """Something a camera worker saw: a person entering or leaving a zone, an alarm raised."""

    __tablename__ = "detection_events"
    __table_args__ = (Index("ix_detection_events_camera_time", "camera_id", "occurred_at"),)
    id: Mapped[str] = mapped_column(UUID, primary_key=True, doc="stable id: posting twice stores once")
    camera_id: Mapped[str] = mapped_column(ID)
    zone_name: Mapped[str | None] = mapped_column(ID, nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    track_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    frame_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    t_s: Mapped[float | None] = mapped_column(Float, nullable=True, doc="seconds into the source")
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    box: Mapped[list[float] | None] = mapped_column(JSON, nullable=True, doc="x1,y1,x2,y2 relative")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Alarm(Base):
    """An operator alarm: an incident with a lifecycle (see ``ops_center.lifecycle``)."""

    __tablename__ = "alarms"
    __table_args__ = (
        Index("ix_alarms_status", "status"),
        Index("ix_alarms_raised_at", "raised_at"),
    )
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    kind: Mapped[AlarmKind] = mapped_column(EnumText(AlarmKind, 32))
    severity: Mapped[Severity] = mapped_column(EnumText(Severity, 20))
    status: Mapped[Status] = mapped_column(EnumText(Status, 20), default=Status.NEW)
    title: Mapped[str] = mapped_column(String(300))
    camera_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    zone_name: Mapped[str | None] = mapped_column(ID, nullable=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    source_event_id: Mapped[str | None] = mapped_column(UUID, nullable=True)
    track_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    frame_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    t_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    snapshot_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, doc="bumped by every transition")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    guard_id: Mapped[str | None] = mapped_column(
        ForeignKey("guards.id", name="fk_alarms_guard_id", ondelete="SET NULL"),
        nullable=True,
        index=True,
        doc="the guard dispatched to it",
    )


class AlarmTransition(Base):
    """The audit trail: one row per lifecycle step, with who, when and an optional note."""

    __tablename__ = "alarm_transitions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alarm_id: Mapped[str] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[Status | None] = mapped_column(EnumText(Status, 20), nullable=True)
    to_status: Mapped[Status] = mapped_column(EnumText(Status, 20))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(String(50), nullable=True)


class Snapshot(Base):
    """The annotated evidence JPEG of an alarm, kept in the store so every host can show it."""

    __tablename__ = "snapshots"
    alarm_id: Mapped[str] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"), primary_key=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CameraHeartbeat(Base):
    """The latest health report of a camera worker (one row per camera, overwritten)."""

    __tablename__ = "camera_heartbeats"
    camera_id: Mapped[str] = mapped_column(ID, primary_key=True)
    status: Mapped[CameraState] = mapped_column(EnumText(CameraState, 32))
    model_status: Mapped[ModelStatus] = mapped_column(EnumText(ModelStatus, 32))
    message: Mapped[str] = mapped_column(Text, default="")
    fps_read: Mapped[float] = mapped_column(Float, default=0.0)
    fps_processed: Mapped[float] = mapped_column(Float, default=0.0)
    frames_read: Mapped[int] = mapped_column(Integer, default=0)
    frames_processed: Mapped[int] = mapped_column(Integer, default=0)
    frames_inferred: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_frame_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    store_reachable: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), doc="False while the worker cannot write to the store"
    )
    alarms_waiting: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="alarms in the worker's outbox, not yet in the store"
    )


class CameraFrame(Base):
    """The latest annotated frame of a camera, as JPEG, for the live tiles."""

    __tablename__ = "camera_frames"
    camera_id: Mapped[str] = mapped_column(ID, primary_key=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- fire -----------------------------------------------------------------------------------


class FireDevice(Base):
    """A fire-panel device addressed as panel/loop/address, mapped to building, floor and place."""

    __tablename__ = "fire_devices"
    __table_args__ = (UniqueConstraint("panel", "loop", "address"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True, doc="e.g. P1-L02-D015")
    panel: Mapped[int] = mapped_column(Integer)
    loop: Mapped[int] = mapped_column(Integer)
    address: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32), doc="smoke, heat, manual_call_point, hydrant_pressure, sprinkler_pressure")
    building: Mapped[str] = mapped_column(String(100))
    floor: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(200))
    state: Mapped[FireState] = mapped_column(EnumText(FireState, 20))
    value: Mapped[float | None] = mapped_column(Float, nullable=True, doc="pressure (MPa) or temperature")
    unit: Mapped[str] = mapped_column(String(10), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FireSignal(Base):
    """A state change or reading reported by a fire device (history)."""

    __tablename__ = "fire_signals"
    __table_args__ = (Index("ix_fire_signals_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("fire_devices.id", ondelete="CASCADE"))
    state: Mapped[FireState] = mapped_column(EnumText(FireState, 20))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- parking --------------------------------------------------------------------------------


class ParkingLot(Base):
    """A car park; ``map`` holds its drawing (entrances, walkways) for find-my-car."""

    __tablename__ = "parking_lots"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ParkingLevel(Base):
    """A level of a car park."""

    __tablename__ = "parking_levels"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("parking_lots.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer)


class ParkingSpace(Base):
    """One marked space; ``x``/``y`` place it on the lot map (0..1)."""

    __tablename__ = "parking_spaces"
    id: Mapped[str] = mapped_column(ID, primary_key=True, doc="e.g. A-B1-023")
    level_id: Mapped[str] = mapped_column(ForeignKey("parking_levels.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    occupied: Mapped[bool] = mapped_column(Boolean, default=False)
    plate: Mapped[str | None] = mapped_column(String(20), nullable=True)
    x: Mapped[float] = mapped_column(Float, default=0.0)
    y: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ParkingCount(Base):
    """Occupancy of a lot at a moment, from gate counters, cameras or the simulator."""

    __tablename__ = "parking_counts"
    __table_args__ = (Index("ix_parking_counts_lot_at", "lot_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("parking_lots.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    occupied: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="gate")


# --- commerce -------------------------------------------------------------------------------


class Merchant(Base):
    """A shop on the commercial square: its business format, shop area and weekly opening hours."""

    __tablename__ = "merchants"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), doc="the site's own finer kind: bakery, hotpot, pharmacy")
    business_format: Mapped[BusinessFormat] = mapped_column(
        EnumText(BusinessFormat, 20), default=BusinessFormat.RETAIL, server_default=BusinessFormat.RETAIL.value
    )
    area_m2: Mapped[float | None] = mapped_column(Float, nullable=True, doc="shop floor area; None: unknown")
    place: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[Week] = mapped_column(
        WeekJSON, default=DEFAULT_WEEK, server_default=json.dumps(DEFAULT_WEEK.entries()),
        doc="per weekday, Monday first: 'HH:MM-HH:MM' or null (closed)",
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Footfall(Base):
    """People in and out of a merchant in one one-minute bucket, per counting source.

    Every write is summed into ``footfall_hourly`` and ``footfall_daily`` in the same transaction by
    database triggers (``ops_center.store.rollup``)."""

    __tablename__ = "footfall"
    __table_args__ = (Index("ix_footfall_minute", "minute"),)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True)
    minute: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True, doc="camera id or counter id")
    count_in: Mapped[int] = mapped_column(Integer, default=0)
    count_out: Mapped[int] = mapped_column(Integer, default=0)


class FootfallHourly(Base):
    """The exact hourly roll-up of ``footfall``: per merchant, source and UTC hour, the sums of its
    minute buckets and how many there are (0 never stays: the row goes). Kept by triggers on
    ``footfall``; never written by the application except ``rollup.rebuild``."""

    __tablename__ = "footfall_hourly"
    __table_args__ = (  # SQLite reads a range of hours for the analytics from the index alone (no look-up per
        # row); PostgreSQL's index scan costs no more than that, and an index without the sums keeps the
        # triggers' updates of them HOT (no new index entries)
        Index("ix_footfall_hourly_hour", "hour").ddl_if(dialect="postgresql"),
        Index("ix_footfall_hourly_hour_sums", "hour", "merchant_id", "source", "utc_minute", "count_in",
              "minutes").ddl_if(dialect="sqlite"),
        # and a merchant's hours: a local day's sum is one range of it, no sort of the period's hours
        Index("ix_footfall_hourly_merchant_sums", "merchant_id", "hour", "count_in").ddl_if(dialect="sqlite"),
    )
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, doc="the UTC hour's start")
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    utc_minute: Mapped[int] = mapped_column(
        BigInteger, doc="the hour's start in minutes since the epoch: local time by arithmetic, no date parsing"
    )
    count_in: Mapped[int] = mapped_column(Integer)
    count_out: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer, doc="minute buckets summed in")


class FootfallDaily(Base):
    """The exact daily roll-up of ``footfall``: per merchant, source and UTC day, the sums of its
    minute buckets and how many there are (0 never stays: the row goes). Kept by the same triggers
    as ``footfall_hourly``; never written by the application except ``rollup.rebuild``."""

    __tablename__ = "footfall_daily"
    __table_args__ = (  # SQLite reads a range of days for the analytics from the index alone (no look-up per
        # row); PostgreSQL's index scan costs no more than that, and an index without the sums keeps the
        # triggers' updates of them HOT (no new index entries)
        Index("ix_footfall_daily_day", "day").ddl_if(dialect="postgresql"),
        Index("ix_footfall_daily_day_sums", "day", "merchant_id", "source", "utc_minute", "count_in",
              "minutes").ddl_if(dialect="sqlite"),
    )
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, doc="the UTC day's start")
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    utc_minute: Mapped[int] = mapped_column(BigInteger, doc="the day's start in minutes since the epoch")
    count_in: Mapped[int] = mapped_column(Integer)
    count_out: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer, doc="minute buckets summed in")


class MerchantSales(Base):
    """A merchant's sales on one local business day, from its till system through the ingest API."""

    __tablename__ = "merchant_sales"
    __table_args__ = (Index("ix_merchant_sales_day", "day"),)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, doc="the site's local day")
    transactions: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(BigInteger, doc="in the site's currency, hundredths")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- guards, traffic, environment ------------------------------------------------------------


class Guard(Base):
    """A guard on the duty roster."""

    __tablename__ = "guards"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    radio_channel: Mapped[str] = mapped_column(String(20))
    post: Mapped[str] = mapped_column(String(100))
    status: Mapped[GuardStatus] = mapped_column(EnumText(GuardStatus, 20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrafficReading(Base):
    """Congestion and speed on an access road, from an external feed; one reading per road and time."""

    __tablename__ = "traffic_readings"
    __table_args__ = (Index("ux_traffic_road_at", "road", "at", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    road: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    congestion: Mapped[int] = mapped_column(Integer, doc="0 free, 1 light, 2 moderate, 3 heavy, 4 jammed")
    speed_kmh: Mapped[float] = mapped_column(Float)


class EnvironmentReading(Base):
    """A reading of an environment station (temperature, humidity, PM2.5, lake level); one per
    station, metric and time."""

    __tablename__ = "environment_readings"
    __table_args__ = (
        Index("ux_environment_station_metric_at", "station", "metric", "at", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- users and API tokens ----------------------------------------------------------------------


class User(Base):
    """A person who logs in: operator, guard (linked to a roster row), manager, admin or resident."""

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), doc="operator, guard, manager, admin, resident")
    password_hash: Mapped[str] = mapped_column(String(200), doc="argon2id; the password is never stored")
    guard_id: Mapped[str | None] = mapped_column(
        ForeignKey("guards.id", name="fk_users_guard_id", ondelete="SET NULL"), nullable=True, unique=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginSession(Base):
    """A signed-in browser: its cookie carries the id, the store keeps only the id's SHA-256.

    Deleting the row ends every copy of that cookie (logout); deleting a user's rows ends all of his
    sessions (new password, disabled, an admin's "log out everywhere").
    """

    __tablename__ = "login_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", name="fk_login_sessions_username", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, doc="the login; the session ends a fixed time after it")


class ApiToken(Base):
    """A bearer token for a camera worker or a sensor gateway; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), doc="worker, sensor")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class GeometryChange(Base):
    """The audit trail of the zone editor: who changed a camera's zones, lines and spaces, when, from what to what."""

    __tablename__ = "geometry_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ID, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the camera's zones, lines and spaces as the file had them")
    after: Mapped[dict[str, Any]] = mapped_column(JSON, doc="as the editor saved them")


class Notice(Base):
    """A community notice an admin posts for the residents' page, shown until it expires or is removed.

    Who posted and who removed it, and when, stay on the row (a removed notice is kept, not deleted).
    """

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(1000))
    posted_by: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    removed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
