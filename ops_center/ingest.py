"""Sensor ingestion: validate a batch of readings and apply it to the store in one transaction.

Fire panels, parking gates and space cameras, footfall counters, merchants' tills (daily sales), the
traffic feed and environment stations post JSON batches ``{"items": [...]}``, one feed per kind (see ``FEEDS``). A batch is
validated whole (unknown keys, wrong types, control characters in text, numbers outside their
plausible range, times outside 1970-2100, ids and names the site has not registered: devices, lots,
spaces and merchants in the store, roads, stations and their metrics in the site configuration)
and either applied whole or refused with one ``InputError`` line naming the item and field, e.g.
``items[3].device_id: unknown fire device 'P9-L01-D001'``.

Resending is safe: history rows (fire signals, parking counts, traffic and environment readings)
already stored with the same key are skipped, a footfall bucket is overwritten per (merchant,
minute, source), a report older than a device's or space's current state goes to history only, and
a fire device turning to ``alarm`` raises one operator alarm whose id derives from the device and
the moment, so a resent alarm signal raises it once.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from math import inf
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import func, or_, select, tuple_, union_all
from sqlalchemy.orm import DeclarativeBase, Session

from ops_center.config import MetricConfig, SiteConfig
from ops_center.errors import InputError
from ops_center.records import AlarmRecord, stable_id
from ops_center.store.models import (
    EnvironmentReading,
    FireDevice,
    FireSignal,
    Footfall,
    Merchant,
    MerchantSales,
    ParkingCount,
    ParkingLevel,
    ParkingLot,
    ParkingSpace,
    TrafficReading,
)
from ops_center.store.types import STORABLE_FROM, STORABLE_UNTIL, check_storable, utcnow
from ops_center.store.writes import begin_write, bulk_insert, insert_new, raise_alarm, upsert_many
from ops_center.text import refuse_control_characters
from ops_center.vocabulary import SIMULATOR_SOURCE, AlarmKind, FireState, Severity

MAX_ITEMS = 1000
_BATCH_ORDER = 2**62  # orders a batch's new counts after every stored one (ids are below)
MAX_CLOCK_AHEAD = timedelta(minutes=5)
MAX_SPEED_KMH = 250.0
MAX_LOT_CARS = 20_000  # a lot's capacity, its occupancy and the cars through its gates between two counts
MAX_DAY_TRANSACTIONS = 1_000_000  # one merchant's sales in a day
MAX_DAY_REVENUE = Decimal(10**10)
MAX_ADDRESS = 65_535  # fire panel, loop and device numbers
KNOWN_SHOWN = 5  # names listed after an unknown one
# Plausible readings by fire device kind, in its unit (pressure in MPa, temperature in °C, smoke
# obscuration in %/m); other kinds within the last range.
FIRE_VALUE_RANGES: Mapping[str, tuple[float, float]] = {
    "hydrant_pressure": (0.0, 10.0),
    "sprinkler_pressure": (0.0, 10.0),
    "heat": (-50.0, 300.0),
    "smoke": (0.0, 100.0),
}
ANY_FIRE_VALUE = (-1000.0, 10_000.0)


# --- payload models ---------------------------------------------------------------------------


def _context(info: ValidationInfo) -> dict[str, Any]:
    return info.context or {}


def _site(info: ValidationInfo) -> SiteConfig:
    """The site whose registrations the batch is checked against (``context["site"]``)."""
    site: SiteConfig = _context(info)["site"]
    return site


def _sensor_time(value: datetime, info: ValidationInfo) -> datetime:
    """In UTC, within the store's span (1970-2100), and not ahead of the server's clock
    (``context["now"]``) by more than a few minutes."""
    try:
        check_storable(value)
    except ValueError:
        span = f"{STORABLE_FROM.year} and {STORABLE_UNTIL.year - 1}"
        raise ValueError(f"{value.isoformat()} is not between {span}") from None
    value = value.astimezone(UTC)
    now = _context(info).get("now")
    if now is not None and value > now + MAX_CLOCK_AHEAD:
        minutes = int(MAX_CLOCK_AHEAD.total_seconds() // 60)
        raise ValueError(f"{value.isoformat()} lies more than {minutes} min in the future (check the sensor's clock)")
    return value


def _not_simulator(value: str) -> str:
    if value == SIMULATOR_SOURCE:
        raise ValueError(f"{SIMULATOR_SOURCE!r} is reserved for the demo simulator; name your counter")
    return value


def unknown(what: str, value: str, known: Sequence[str], where: str = "") -> str:
    """``unknown road 'x' (known: a, b, c, ... 12 in all)``: the name refused and some of those registered."""
    listed = ", ".join(known[:KNOWN_SHOWN]) or "none registered"
    more = f", ... {len(known)} in all" if len(known) > KNOWN_SHOWN else ""
    return f"unknown {what} {value!r}{where} (known: {listed}{more})"


NoControl = AfterValidator(refuse_control_characters)
SensorTime = Annotated[AwareDatetime, AfterValidator(_sensor_time)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoControl]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoControl]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), NoControl]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10), NoControl]
MetricName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), NoControl]
Address = Annotated[int, Field(ge=0, le=MAX_ADDRESS)]
Cars = Annotated[int, Field(ge=0, le=MAX_LOT_CARS)]
People = Annotated[int, Field(ge=0)]  # bounded by the site's ``commerce`` section (FootfallIn._one_entrance)
Reading = Annotated[float, Field(allow_inf_nan=False)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FireSignalIn(_Item):
    """A fire device's state (and reading), addressed by ``device_id`` or by panel/loop/address."""

    device_id: Id | None = None
    panel: Address | None = None
    loop: Address | None = None
    address: Address | None = None
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
    occupied: Cars | None = None
    cars_in: Cars | None = Field(default=None, alias="in")
    cars_out: Cars | None = Field(default=None, alias="out")
    capacity: Annotated[int, Field(gt=0, le=MAX_LOT_CARS)] | None = None
    source: Annotated[Short, AfterValidator(_not_simulator)] = "gate"
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
    plate: Short | None = None
    at: SensorTime

    @model_validator(mode="after")
    def _plate_needs_a_car(self) -> ParkingSpaceIn:
        if self.plate is not None and not self.occupied:
            raise ValueError("a free space has no plate")
        return self


class FootfallIn(_Item):
    """People in and out of a merchant during one minute, from one counter (camera or device); each
    count within what one entrance passes in a minute (the site's ``commerce`` bounds)."""

    merchant_id: Id
    minute: SensorTime
    count_in: People
    count_out: People
    source: Annotated[Id, AfterValidator(_not_simulator)]

    @field_validator("minute")
    @classmethod
    def _whole_minute(cls, value: datetime) -> datetime:
        if value.second or value.microsecond:
            raise ValueError(f"{value.isoformat()} does not start a minute (seconds must be 0)")
        return value

    @field_validator("count_in", "count_out")
    @classmethod
    def _one_entrance(cls, value: int, info: ValidationInfo) -> int:
        merchant = info.data.get("merchant_id")
        bound = _site(info).commerce.footfall_bound(merchant or "")
        if value > bound:
            raise ValueError(f"{value} people in one minute is more than one entrance passes (at most {bound})")
        return value


def _plain_amount(value: Any) -> Any:
    """A number or a numeric text, nothing else: pydantic reads a JSON list as Decimal's tuple form
    and fails with a bare ValueError (a 500) instead of naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number or a numeric text")
    return value


class SalesIn(_Item):
    """A merchant's sales on one local business day (from its till): transactions and revenue in the
    site's currency (at most two decimals). Posting a day again replaces its figures."""

    merchant_id: Id
    day: date
    transactions: Annotated[int, Field(ge=0, le=MAX_DAY_TRANSACTIONS)]
    revenue: Annotated[Decimal, BeforeValidator(_plain_amount),
                       Field(ge=0, le=MAX_DAY_REVENUE, decimal_places=2, allow_inf_nan=False)]

    @field_validator("day")
    @classmethod
    def _not_ahead(cls, value: date, info: ValidationInfo) -> date:
        try:
            check_storable(datetime(value.year, value.month, value.day, tzinfo=UTC))
        except ValueError as error:
            raise ValueError(f"{value.isoformat()} {error}") from None
        now = _context(info).get("now")
        if now is not None:
            today = now.astimezone(ZoneInfo(_site(info).site.timezone)).date()
            if value > today:
                raise ValueError(f"{value.isoformat()} is after the site's today ({today.isoformat()})")
        return value


class TrafficIn(_Item):
    """Congestion (0 free .. 4 jammed) and speed on a registered access road."""

    road: Name
    congestion: Annotated[int, Field(ge=0, le=4)]
    speed_kmh: Annotated[float, Field(ge=0, le=MAX_SPEED_KMH, allow_inf_nan=False)]
    at: SensorTime

    @field_validator("road")
    @classmethod
    def _registered(cls, value: str, info: ValidationInfo) -> str:
        roads = _site(info).traffic.roads
        if value not in roads:
            raise ValueError(unknown("road", value, roads))
        return value


class EnvironmentIn(_Item):
    """One metric of a registered environment station (temperature, humidity, pm25, lake_level, ...),
    within the metric's registered range; the unit, when given, must be the registered one."""

    station: Name
    metric: MetricName
    value: Reading
    unit: Unit | None = Field(None, validate_default=True)
    at: SensorTime

    @field_validator("station")
    @classmethod
    def _registered_station(cls, value: str, info: ValidationInfo) -> str:
        stations = [s.name for s in _site(info).environment.stations]
        if value not in stations:
            raise ValueError(unknown("station", value, stations))
        return value

    @field_validator("metric")
    @classmethod
    def _registered_metric(cls, value: str, info: ValidationInfo) -> str:
        station = info.data.get("station")
        metrics = [m for s in _site(info).environment.stations if s.name == station for m in s.metrics]
        if station is not None and value not in metrics:
            raise ValueError(unknown("metric", value, metrics, where=f" of station {station!r}"))
        return value

    @field_validator("value")
    @classmethod
    def _plausible(cls, value: float, info: ValidationInfo) -> float:
        spec = _metric(info)
        if spec is not None and not spec.min <= value <= spec.max:
            unit = f" {spec.unit}" if spec.unit else ""
            raise ValueError(f"{value:g} is outside {info.data['metric']}'s range {spec.min:g}..{spec.max:g}{unit}")
        return value

    @field_validator("unit")
    @classmethod
    def _registered_unit(cls, value: str | None, info: ValidationInfo) -> str | None:
        spec = _metric(info)
        if spec is None:
            return value
        if value is not None and value != spec.unit:
            raise ValueError(f"{info.data['metric']} is measured in {spec.unit!r}, not {value!r}")
        return spec.unit


def _metric(info: ValidationInfo) -> MetricConfig | None:
    """The registered metric of the item being validated, once its station and metric are valid."""
    station, metric = info.data.get("station"), info.data.get("metric")
    if station is None or metric is None:
        return None
    return _site(info).environment.metric(station, metric)


ItemT = TypeVar("ItemT", bound=_Item)


class Batch(BaseModel, Generic[ItemT]):
    """What every feed posts: ``{"items": [...]}``, 1 to ``MAX_ITEMS`` items."""

    model_config = ConfigDict(extra="forbid")
    items: list[ItemT] = Field(min_length=1, max_length=MAX_ITEMS)


def parse_items(item: type[ItemT], body: bytes | str, now: datetime, site: SiteConfig) -> list[ItemT]:
    """The items of a JSON batch body, checked against ``site``'s registered roads, stations and
    bounds, or an ``InputError`` naming the first bad field."""
    try:
        return Batch[item].model_validate_json(body, context={"now": now, "site": site}).items  # type: ignore[valid-type]
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
    session: Session, model: type[DeclarativeBase], wanted: Sequence[str], where: str, what: str, *, lock: bool,
    whole: bool = True,
) -> dict[str, Any]:
    """The rows with the ``wanted`` ids (or, not ``whole``, their ids alone: no ORM objects to build),
    or an ``InputError`` naming the first unknown one as ``items[i].<where>``. With ``lock`` they are
    locked for update (PostgreSQL), in id order so that concurrent batches never wait on each other
    in a circle; on SQLite the batch takes the store's write lock first (``begin_write``)."""
    key = model.__table__.c.id
    if lock:
        begin_write(session)
    stmt = select(key, model if whole else key).where(key.in_(set(wanted))).order_by(key)
    rows = {row_id: row for row_id, row in session.execute(stmt.with_for_update() if lock else stmt)}
    for index, wanted_id in enumerate(wanted):
        if wanted_id not in rows:
            raise InputError(f"items[{index}].{where}: unknown {what} {wanted_id!r}")
    return rows


def _new_signals(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the fire signals whose device, time and state are neither stored nor repeated earlier
    in the batch (the stored ones found through the index on ``at``); return how many were inserted."""
    stored = select(FireSignal.device_id, FireSignal.at, FireSignal.state).where(FireSignal.at.in_({r["at"] for r in rows}))
    seen = {tuple(row) for row in session.execute(stored)}
    fresh = []
    for row in rows:
        key = (row["device_id"], row["at"], row["state"])
        if key not in seen:
            seen.add(key)
            fresh.append(row)
    if fresh:
        bulk_insert(session, FireSignal, fresh)
    return len(fresh)


def _fire_devices(session: Session, items: Sequence[FireSignalIn]) -> list[FireDevice]:
    """The device of each signal (by id or by panel/loop/address), locked for update (on SQLite:
    the store's write lock, ``begin_write``)."""
    ids = {i.device_id for i in items if i.device_id is not None}
    addresses = {(i.panel, i.loop, i.address) for i in items if i.device_id is None}
    begin_write(session)
    match = []
    if ids:
        match.append(FireDevice.id.in_(ids))
    if addresses:
        match.append(tuple_(FireDevice.panel, FireDevice.loop, FireDevice.address).in_(addresses))
    found = session.scalars(select(FireDevice).where(or_(*match)).with_for_update()).all()
    by_id = {d.id: d for d in found}
    by_address: dict[tuple[int | None, int | None, int | None], FireDevice] = {
        (d.panel, d.loop, d.address): d for d in found
    }
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
    for index, (item, device) in enumerate(zip(items, _fire_devices(session, items), strict=True)):
        low, high = FIRE_VALUE_RANGES.get(device.kind, ANY_FIRE_VALUE)
        if item.value is not None and not low <= item.value <= high:
            kind = device.kind.replace("_", " ")
            range_ = f"{low:g}..{high:g}"
            raise InputError(f"items[{index}].value: {item.value:g} is outside a {kind} device's range {range_}")
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
    return _result(items, _new_signals(session, signals), alarms)


@dataclass
class _LotCounts:
    """A lot's counts around a batch: stored ones and those of the batch so far, ordered by time and
    then by the order they were stored in (as ids order them)."""

    capacity: int  # of the lot's levels: the capacity of a first count that gives none
    counts: list[tuple[datetime, int, int, int]] = field(default_factory=list)  # at, order, occupied, capacity
    sent: set[tuple[str, datetime]] = field(default_factory=set)  # (source, at) of the stored counts and the batch's

    def before(self, at: datetime) -> tuple[int, int] | None:
        """(occupied, capacity) of the latest count at or before ``at``."""
        index = bisect_right(self.counts, (at, inf))
        return self.counts[index - 1][2:] if index else None

    def add(self, at: datetime, order: int, occupied: int, capacity: int) -> None:
        insort(self.counts, (at, order, occupied, capacity))


def _lot_counts(session: Session, items: Sequence[ParkingCountIn]) -> dict[str, _LotCounts]:
    """Per lot of the batch: its levels' capacity, and its stored counts from the latest one at or
    before the batch's earliest time to its latest (one index range on ``(lot_id, at)`` per lot),
    which hold every count the batch may resend."""
    earliest: dict[str, datetime] = {}
    latest: dict[str, datetime] = {}
    for item in items:
        earliest[item.lot_id] = min(item.at, earliest.get(item.lot_id, item.at))
        latest[item.lot_id] = max(item.at, latest.get(item.lot_id, item.at))
    levels = select(ParkingLevel.lot_id, func.sum(ParkingLevel.capacity)).where(ParkingLevel.lot_id.in_(earliest))
    capacity = dict(session.execute(levels.group_by(ParkingLevel.lot_id)).all())
    lots = {lot_id: _LotCounts(int(capacity.get(lot_id) or 0)) for lot_id in earliest}
    columns = (ParkingCount.lot_id, ParkingCount.source, ParkingCount.at, ParkingCount.id, ParkingCount.occupied,
               ParkingCount.capacity)
    ranges = []
    for lot_id, start in earliest.items():
        last_before = (
            select(ParkingCount.at).where(ParkingCount.lot_id == lot_id, ParkingCount.at <= start)
            .order_by(ParkingCount.at.desc()).limit(1).scalar_subquery()
        )
        ranges.append(select(*columns).where(
            ParkingCount.lot_id == lot_id,
            ParkingCount.at >= func.coalesce(last_before, start),
            ParkingCount.at <= latest[lot_id],
        ))
    for lot_id, source, at, order, occupied, cap in session.execute(union_all(*ranges)):  # one round trip
        lots[lot_id].add(at, order, occupied, cap)
        lots[lot_id].sent.add((source, at))
    return lots


def apply_parking_counts(session: Session, items: Sequence[ParkingCountIn]) -> IngestResult:
    """Append each lot's count: ``occupied`` as given, or the lot's latest count at or before ``at``
    (stored, or earlier in the batch) plus ``in`` minus ``out`` (kept within 0..capacity). A count with
    the same lot, source and time as a stored one is a resend and is skipped, so deltas are never
    applied twice. Each lot is locked once for the batch, so concurrent deltas apply in turn."""
    _by_id(session, ParkingLot, [i.lot_id for i in items], "lot_id", "parking lot", lock=True, whole=False)
    counts = _lot_counts(session, items)
    rows = []
    for index, item in enumerate(items):
        lot = counts[item.lot_id]
        if (item.source, item.at) in lot.sent:
            continue
        lot.sent.add((item.source, item.at))
        before = lot.before(item.at)
        capacity = item.capacity or (before[1] if before else lot.capacity)
        if item.occupied is not None:
            if item.occupied > capacity:
                raise InputError(f"items[{index}].occupied: {item.occupied} exceeds the lot's capacity {capacity}")
            occupied = item.occupied
        else:
            occupied = (before[0] if before else 0) + (item.cars_in or 0) - (item.cars_out or 0)
            occupied = max(0, min(capacity, occupied))
        lot.add(item.at, _BATCH_ORDER + index, occupied, capacity)  # stored after every stored count
        rows.append({"lot_id": item.lot_id, "at": item.at, "occupied": occupied, "capacity": capacity,
                     "source": item.source})
    if rows:
        bulk_insert(session, ParkingCount, rows)
    return _result(items, len(rows))


def apply_parking_spaces(session: Session, items: Sequence[ParkingSpaceIn]) -> IngestResult:
    """Mark spaces taken (with the plate) or free; a report older than the space's state is skipped."""
    spaces = _by_id(session, ParkingSpace, [i.space_id for i in items], "space_id", "parking space", lock=True)
    stored = 0
    for item in items:
        space = spaces[item.space_id]
        if item.at < space.updated_at:
            continue
        space.occupied, space.plate, space.updated_at = item.occupied, item.plate, item.at
        stored += 1
    return _result(items, stored)


def apply_footfall(session: Session, items: Sequence[FootfallIn]) -> IngestResult:
    """Write the buckets in one statement, each overwriting a stored bucket of the same merchant,
    minute and source (of two in the batch, the later one)."""
    _by_id(session, Merchant, [i.merchant_id for i in items], "merchant_id", "merchant", lock=False, whole=False)
    upsert_many(session, Footfall, [i.model_dump() for i in items], key=("merchant_id", "minute", "source"))
    return _result(items, len(items))


def apply_sales(session: Session, items: Sequence[SalesIn]) -> IngestResult:
    """Write each merchant's day in one statement, overwriting a stored day (of two in the batch,
    the later one)."""
    _by_id(session, Merchant, [i.merchant_id for i in items], "merchant_id", "merchant", lock=False, whole=False)
    now = utcnow()
    rows = [{"merchant_id": i.merchant_id, "day": i.day, "transactions": i.transactions,
             "revenue_cents": int(i.revenue * 100), "updated_at": now} for i in items]
    upsert_many(session, MerchantSales, rows, key=("merchant_id", "day"))
    return _result(items, len(items))


def apply_traffic(session: Session, items: Sequence[TrafficIn]) -> IngestResult:
    """Append the readings; one already stored for the same road and time is skipped (by the unique
    index on road and time)."""
    return _result(items, insert_new(session, TrafficReading, [i.model_dump() for i in items], key=("road", "at")))


def apply_environment(session: Session, items: Sequence[EnvironmentIn]) -> IngestResult:
    """Append the readings; one already stored for the same station, metric and time is skipped (by
    the unique index on station, metric and time)."""
    rows = [i.model_dump() for i in items]
    return _result(items, insert_new(session, EnvironmentReading, rows, key=("station", "metric", "at")))


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
    "sales": Feed(SalesIn, apply_sales),
    "traffic": Feed(TrafficIn, apply_traffic),
    "environment": Feed(EnvironmentIn, apply_environment),
}


def ingest(session: Session, feed: str, body: bytes | str, now: datetime, site: SiteConfig) -> IngestResult:
    """Validate the JSON ``body`` of ``feed`` (a key of ``FEEDS``) against ``site``'s registrations
    and apply it through ``session``.

    Raises ``InputError`` (one line naming item and field) before anything is written, or while
    applying when an id is unknown: the caller's transaction must then be rolled back, as
    ``Store.session()`` does, so a refused batch stores nothing.
    """
    spec = FEEDS[feed]
    return spec.apply(session, parse_items(spec.item, body, now, site))
