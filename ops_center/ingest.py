"""Sensor ingestion: validate a batch of readings and apply it to the store in one transaction.

Fire panels, parking gates and space cameras, footfall counters, the traffic feed and environment
stations post JSON batches ``{"items": [...]}``, one feed per kind (see ``FEEDS``). A batch is
validated whole (unknown keys, wrong types, unknown device/lot/merchant ids) and either applied
whole or refused with one ``InputError`` line naming the item and field, e.g.
``items[3].device_id: unknown fire device 'P9-L01-D001'``.

Resending is safe: history rows (fire signals, parking counts, traffic and environment readings)
already stored with the same key are skipped, a footfall bucket is overwritten per (merchant,
minute, source), a report older than a device's or space's current state goes to history only, and
a fire device turning to ``alarm`` raises one operator alarm whose id derives from the device and
the moment, so a resent alarm signal raises it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import func, insert, or_, select, tuple_
from sqlalchemy.orm import DeclarativeBase, Session

from ops_center.errors import InputError
from ops_center.records import AlarmRecord, stable_id
from ops_center.store.models import (
    EnvironmentReading,
    FireDevice,
    FireSignal,
    Footfall,
    Merchant,
    ParkingCount,
    ParkingLevel,
    ParkingLot,
    ParkingSpace,
    TrafficReading,
)
from ops_center.store.writes import raise_alarm, upsert
from ops_center.vocabulary import SIMULATOR_SOURCE, AlarmKind, FireState, Severity

MAX_ITEMS = 1000
MAX_CLOCK_AHEAD = timedelta(minutes=5)


# --- payload models ---------------------------------------------------------------------------


def _sensor_time(value: datetime, info: ValidationInfo) -> datetime:
    """In UTC, and not ahead of the server's clock (``context["now"]``) by more than a few minutes."""
    value = value.astimezone(UTC)
    now = (info.context or {}).get("now")
    if now is not None and value > now + MAX_CLOCK_AHEAD:
        minutes = int(MAX_CLOCK_AHEAD.total_seconds() // 60)
        raise ValueError(f"{value.isoformat()} lies more than {minutes} min in the future (check the sensor's clock)")
    return value


def _not_simulator(value: str) -> str:
    if value == SIMULATOR_SOURCE:
        raise ValueError(f"{SIMULATOR_SOURCE!r} is reserved for the demo simulator; name your counter")
    return value


SensorTime = Annotated[AwareDatetime, AfterValidator(_sensor_time)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)]
Count = Annotated[int, Field(ge=0)]
Reading = Annotated[float, Field(allow_inf_nan=False)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FireSignalIn(_Item):
    """A fire device's state (and reading), addressed by ``device_id`` or by panel/loop/address."""

    device_id: Id | None = None
    panel: Count | None = None
    loop: Count | None = None
    address: Count | None = None
    state: FireState
    value: Reading | None = None
    unit: Unit | None = None
    at: SensorTime

    @field_validator("state", mode="before")
    @classmethod
    def _known_state(cls, value: object) -> object:
        if value not in tuple(FireState):
            raise ValueError(f"{value!r} is not a fire state; use one of {', '.join(FireState)}")
        return value

    @model_validator(mode="after")
    def _one_address(self) -> FireSignalIn:
        by_address = (self.panel, self.loop, self.address)
        if self.device_id is None and None in by_address:
            raise ValueError("give device_id, or panel, loop and address")
        if self.device_id is not None and by_address != (None, None, None):
            raise ValueError("give device_id or panel/loop/address, not both")
        return self


class ParkingCountIn(_Item):
    """A lot's occupancy from a gate counter: ``occupied`` cars, or ``in``/``out`` since the last count."""

    lot_id: Id
    occupied: Count | None = None
    cars_in: Count | None = Field(default=None, alias="in")
    cars_out: Count | None = Field(default=None, alias="out")
    capacity: Annotated[int, Field(gt=0)] | None = None
    source: Annotated[str, StringConstraints(min_length=1, max_length=20), AfterValidator(_not_simulator)] = "gate"
    at: SensorTime

    @model_validator(mode="after")
    def _absolute_or_deltas(self) -> ParkingCountIn:
        deltas = self.cars_in is not None or self.cars_out is not None
        if (self.occupied is None) == (not deltas):
            raise ValueError("give occupied, or in/out deltas, not both" if deltas else "give occupied, or in/out")
        if self.occupied is not None and self.capacity is not None and self.occupied > self.capacity:
            raise ValueError(f"occupied {self.occupied} exceeds capacity {self.capacity}")
        return self


class ParkingSpaceIn(_Item):
    """One space taken or freed (from a space camera or sensor), with the car's plate when known."""

    space_id: Id
    occupied: bool
    plate: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None = None
    at: SensorTime

    @model_validator(mode="after")
    def _plate_needs_a_car(self) -> ParkingSpaceIn:
        if self.plate is not None and not self.occupied:
            raise ValueError("a free space has no plate")
        return self


class FootfallIn(_Item):
    """People in and out of a merchant during one minute, from one counter (camera or device)."""

    merchant_id: Id
    minute: SensorTime
    count_in: Count
    count_out: Count
    source: Annotated[Id, AfterValidator(_not_simulator)]

    @field_validator("minute")
    @classmethod
    def _whole_minute(cls, value: datetime) -> datetime:
        if value.second or value.microsecond:
            raise ValueError(f"{value.isoformat()} does not start a minute (seconds must be 0)")
        return value


class TrafficIn(_Item):
    """Congestion (0 free .. 4 jammed) and speed on an access road."""

    road: Name
    congestion: Annotated[int, Field(ge=0, le=4)]
    speed_kmh: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    at: SensorTime


class EnvironmentIn(_Item):
    """One metric of an environment station (temperature, humidity, pm25, lake_level, ...)."""

    station: Name
    metric: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    value: Reading
    unit: Unit = ""
    at: SensorTime


ItemT = TypeVar("ItemT", bound=_Item)


class Batch(BaseModel, Generic[ItemT]):
    """What every feed posts: ``{"items": [...]}``, 1 to ``MAX_ITEMS`` items."""

    model_config = ConfigDict(extra="forbid")
    items: list[ItemT] = Field(min_length=1, max_length=MAX_ITEMS)


def parse_items(item: type[ItemT], body: bytes | str, now: datetime) -> list[ItemT]:
    """The items of a JSON batch body, or an ``InputError`` naming the first bad field."""
    try:
        return Batch[item].model_validate_json(body, context={"now": now}).items  # type: ignore[valid-type]
    except ValidationError as exc:
        raise InputError(describe(exc, item)) from None


def describe(exc: ValidationError, item: type[BaseModel]) -> str:
    """One line: where the first problem is (``items[3].state``, ``body``), what it is, how many more."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = first["loc"]
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or "body"
    if first["type"] == "extra_forbidden":
        allowed = ("items",) if len(loc) < 3 else tuple(f.alias or name for name, f in item.model_fields.items())
        message = f"unknown field (allowed: {', '.join(allowed)})"
    elif first["type"] == "missing":
        message = "required field missing"
    elif first["type"] == "value_error":
        message = str(first["ctx"]["error"])
    else:
        message = first["msg"]
    others = len(errors) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    return f"{where}: {message}{more}"


# --- applying a batch -------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    """What a batch did: items received, rows written, items skipped (resent or older than the
    stored state) and the operator alarms it raised."""

    received: int
    stored: int
    skipped: int
    alarms: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer of the API."""
        return asdict(self)


def _result(items: Sequence[object], stored: int, alarms: list[str] | None = None) -> IngestResult:
    return IngestResult(received=len(items), stored=stored, skipped=len(items) - stored, alarms=alarms or [])


def _by_id(
    session: Session, model: type[DeclarativeBase], wanted: Sequence[str], where: str, what: str
) -> dict[str, Any]:
    """The rows with the ``wanted`` ids, locked for update (PostgreSQL), or an ``InputError`` naming
    the first unknown one as ``items[i].<where>``."""
    key = model.__table__.c.id
    rows = {row.id: row for row in session.scalars(select(model).where(key.in_(set(wanted))).with_for_update())}
    for index, wanted_id in enumerate(wanted):
        if wanted_id not in rows:
            raise InputError(f"items[{index}].{where}: unknown {what} {wanted_id!r}")
    return rows


def _insert_new(session: Session, model: type[DeclarativeBase], rows: list[dict[str, Any]], key: Iterable[str]) -> int:
    """Insert the history rows whose ``key`` (which includes ``at``) is neither stored nor repeated
    earlier in the batch; return how many were inserted."""
    table = model.__table__
    columns = [table.c[name] for name in key]
    stored = session.execute(select(*columns).where(table.c.at.in_({r["at"] for r in rows})))
    seen = {tuple(row) for row in stored}
    fresh = []
    for row in rows:
        row_key = tuple(row[c.name] for c in columns)
        if row_key not in seen:
            seen.add(row_key)
            fresh.append(row)
    if fresh:
        session.execute(insert(model), fresh)
    return len(fresh)


def _fire_devices(session: Session, items: Sequence[FireSignalIn]) -> list[FireDevice]:
    """The device of each signal (by id or by panel/loop/address), locked for update."""
    ids = {i.device_id for i in items if i.device_id is not None}
    addresses = {(i.panel, i.loop, i.address) for i in items if i.device_id is None}
    match = []
    if ids:
        match.append(FireDevice.id.in_(ids))
    if addresses:
        match.append(tuple_(FireDevice.panel, FireDevice.loop, FireDevice.address).in_(addresses))
    found = session.scalars(select(FireDevice).where(or_(*match)).with_for_update()).all()
    by_id = {d.id: d for d in found}
    by_address = {(d.panel, d.loop, d.address): d for d in found}
    devices = []
    for index, item in enumerate(items):
        if item.device_id is not None:
            device = by_id.get(item.device_id)
            if device is None:
                raise InputError(f"items[{index}].device_id: unknown fire device {item.device_id!r}")
        else:
            device = by_address.get((item.panel, item.loop, item.address))
            if device is None:
                raise InputError(
                    f"items[{index}].address: no fire device at panel {item.panel}, loop {item.loop}, "
                    f"address {item.address}"
                )
        devices.append(device)
    return devices


def fire_alarm(device: FireDevice, at: datetime) -> AlarmRecord:
    """The operator alarm of a device turning to ``alarm`` at ``at`` (same device and moment, same id)."""
    return AlarmRecord(
        id=stable_id("fire", device.id, at.astimezone(UTC).isoformat()),
        kind=AlarmKind.FIRE,
        severity=Severity.CRITICAL,
        title=f"Fire alarm: {device.kind.replace('_', ' ')} {device.id}",
        raised_at=at,
        place=f"{device.building}, floor {device.floor}, {device.place}",
        details={
            "device_id": device.id,
            "device_kind": device.kind,
            "panel": device.panel,
            "loop": device.loop,
            "address": device.address,
            "building": device.building,
            "floor": device.floor,
        },
    )


def apply_fire_signals(session: Session, items: Sequence[FireSignalIn]) -> IngestResult:
    """Append the signals to the history and bring each device to its newest state; a device that
    turns to ``alarm`` raises a critical operator alarm."""
    alarms = []
    signals = []
    for item, device in zip(items, _fire_devices(session, items), strict=True):
        signals.append({"device_id": device.id, "state": item.state, "value": item.value, "at": item.at})
        if item.at < device.updated_at:  # older than what the device shows: history only
            continue
        turned_to_alarm = item.state == FireState.ALARM and device.state != FireState.ALARM
        device.state, device.updated_at = item.state, item.at
        if item.value is not None:
            device.value = item.value
        if item.unit is not None:
            device.unit = item.unit
        if turned_to_alarm:
            alarm = fire_alarm(device, item.at)
            if raise_alarm(session, alarm):
                alarms.append(alarm.id)
    return _result(items, _insert_new(session, FireSignal, signals, key=("device_id", "at", "state")), alarms)


def _lot_capacity(session: Session, lot_id: str) -> int:
    return int(session.scalar(select(func.sum(ParkingLevel.capacity)).where(ParkingLevel.lot_id == lot_id)) or 0)


def apply_parking_counts(session: Session, items: Sequence[ParkingCountIn]) -> IngestResult:
    """Append each lot's count: ``occupied`` as given, or the lot's latest count at or before ``at``
    plus ``in`` minus ``out`` (kept within 0..capacity). A count with the same lot, source and time
    as a stored one is a resend and is skipped, so deltas are never applied twice."""
    _by_id(session, ParkingLot, [i.lot_id for i in items], "lot_id", "parking lot")  # locks: deltas in turn
    stored = 0
    for index, item in enumerate(items):
        same = (ParkingCount.lot_id == item.lot_id, ParkingCount.source == item.source, ParkingCount.at == item.at)
        if session.scalar(select(ParkingCount.id).where(*same)) is not None:
            continue
        before = session.scalars(
            select(ParkingCount)
            .where(ParkingCount.lot_id == item.lot_id, ParkingCount.at <= item.at)
            .order_by(ParkingCount.at.desc(), ParkingCount.id.desc())
            .limit(1)
        ).first()
        capacity = item.capacity or (before.capacity if before else _lot_capacity(session, item.lot_id))
        if item.occupied is not None:
            if item.occupied > capacity:
                raise InputError(f"items[{index}].occupied: {item.occupied} exceeds the lot's capacity {capacity}")
            occupied = item.occupied
        else:
            occupied = (before.occupied if before else 0) + (item.cars_in or 0) - (item.cars_out or 0)
            occupied = max(0, min(capacity, occupied))
        session.add(
            ParkingCount(lot_id=item.lot_id, at=item.at, occupied=occupied, capacity=capacity, source=item.source)
        )
        session.flush()  # the next delta of this lot starts from this count
        stored += 1
    return _result(items, stored)


def apply_parking_spaces(session: Session, items: Sequence[ParkingSpaceIn]) -> IngestResult:
    """Mark spaces taken (with the plate) or free; a report older than the space's state is skipped."""
    spaces = _by_id(session, ParkingSpace, [i.space_id for i in items], "space_id", "parking space")
    stored = 0
    for item in items:
        space = spaces[item.space_id]
        if item.at < space.updated_at:
            continue
        space.occupied, space.plate, space.updated_at = item.occupied, item.plate, item.at
        stored += 1
    return _result(items, stored)


def apply_footfall(session: Session, items: Sequence[FootfallIn]) -> IngestResult:
    """Write each bucket, overwriting a stored bucket of the same merchant, minute and source."""
    _by_id(session, Merchant, [i.merchant_id for i in items], "merchant_id", "merchant")
    for item in items:
        upsert(session, Footfall, item.model_dump(), key=("merchant_id", "minute", "source"))
    return _result(items, len(items))


def apply_traffic(session: Session, items: Sequence[TrafficIn]) -> IngestResult:
    """Append the readings; one already stored for the same road and time is skipped."""
    return _result(items, _insert_new(session, TrafficReading, [i.model_dump() for i in items], key=("road", "at")))


def apply_environment(session: Session, items: Sequence[EnvironmentIn]) -> IngestResult:
    """Append the readings; one already stored for the same station, metric and time is skipped."""
    rows = [i.model_dump() for i in items]
    return _result(items, _insert_new(session, EnvironmentReading, rows, key=("station", "metric", "at")))


@dataclass(frozen=True)
class Feed:
    """A kind of sensor data: the shape of one item and how a validated batch is stored."""

    item: type[_Item]
    apply: Callable[[Session, Any], IngestResult]


FEEDS: Mapping[str, Feed] = {
    "fire/signals": Feed(FireSignalIn, apply_fire_signals),
    "parking/counts": Feed(ParkingCountIn, apply_parking_counts),
    "parking/spaces": Feed(ParkingSpaceIn, apply_parking_spaces),
    "footfall": Feed(FootfallIn, apply_footfall),
    "traffic": Feed(TrafficIn, apply_traffic),
    "environment": Feed(EnvironmentIn, apply_environment),
}


def ingest(session: Session, feed: str, body: bytes | str, now: datetime) -> IngestResult:
    """Validate the JSON ``body`` of ``feed`` (a key of ``FEEDS``) and apply it through ``session``.

    Raises ``InputError`` (one line naming item and field) before anything is written, or while
    applying when an id is unknown: the caller's transaction must then be rolled back, as
    ``Store.session()`` does, so a refused batch stores nothing.
    """
    spec = FEEDS[feed]
    return spec.apply(session, parse_items(spec.item, body, now))
