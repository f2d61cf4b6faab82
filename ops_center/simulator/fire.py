"""The fire system: two panels, their loops and ~150 addressed devices, and what they report.

Devices are addressed panel/loop/address and placed by building, floor and place. Their states come
from episodes drawn per day from the seed (a pre-alarm from cooking smoke for a few minutes, a
fault for some hours, low hydrant pressure for a day or two, a detector disabled for maintenance,
rarely a full alarm), so the state of every device at any moment is a pure function of the seed.
Each change of state is a ``fire_signals`` row; pressure gauges also report their value hourly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops_center.ingest import fire_alarm
from ops_center.simulator.base import SimContext, bulk_insert
from ops_center.simulator.timeline import EPOCH, drift, keyed_rng, local_days, local_hour, poisson, steps
from ops_center.store.models import FireDevice, FireSignal
from ops_center.store.writes import insert_ignore, raise_alarm
from ops_center.vocabulary import FireState

PRESSURE_KINDS = ("hydrant_pressure", "sprinkler_pressure")
READING_EVERY = timedelta(hours=1)
# what a device shows first
_PRIORITY = (FireState.DISABLED, FireState.ALARM, FireState.PRE_ALARM, FireState.SUPERVISORY, FireState.TROUBLE)

# state, device kinds it strikes, episodes per day, shortest and longest duration
_EPISODES: tuple[tuple[FireState, tuple[str, ...], float, timedelta, timedelta], ...] = (
    (FireState.PRE_ALARM, ("smoke",), 12.0, timedelta(minutes=3), timedelta(minutes=10)),
    (FireState.ALARM, ("smoke", "manual_call_point"), 0.07, timedelta(minutes=3), timedelta(minutes=8)),
    (FireState.TROUBLE, ("smoke", "heat", "manual_call_point"), 1.5, timedelta(hours=2), timedelta(hours=20)),
    (FireState.SUPERVISORY, PRESSURE_KINDS, 0.4, timedelta(hours=8), timedelta(days=3)),
    (FireState.DISABLED, ("smoke", "heat"), 0.3, timedelta(days=1), timedelta(days=7)),
)
_LONGEST = max(e[4] for e in _EPISODES)


@dataclass(frozen=True)
class Device:
    """A fire device as addressed on its panel."""

    id: str
    panel: int
    loop: int
    address: int
    kind: str
    building: str
    floor: str
    place: str

    @property
    def unit(self) -> str:
        """MPa for pressure gauges, deg C for heat detectors, nothing for the others."""
        return "MPa" if self.kind in PRESSURE_KINDS else "°C" if self.kind == "heat" else ""


@dataclass(frozen=True)
class Episode:
    """A device in ``state`` from ``start`` until ``end``."""

    device_id: str
    state: FireState
    start: datetime
    end: datetime


Placed = tuple[str, str, str, str]  # kind, building, floor, place
Layout = dict[str, list[tuple[str, str]]]  # floor ("*": every other floor) -> (kind, place)


def _building(name: str, floors: list[str], layout: Layout) -> list[Placed]:
    """(kind, building, floor, place) for every device of a building."""
    return [(kind, name, floor, place) for floor in floors for kind, place in layout.get(floor, layout["*"])]


def _residential(n: int) -> list[Placed]:
    floors = ["B1"] + [str(f) for f in range(1, 13)] + ["RF"]
    layout: Layout = {
        "*": [("smoke", "Lift lobby")],
        "B1": [("smoke", "Lift lobby"), ("heat", "Pump room"), ("hydrant_pressure", "Pump room main")],
        "RF": [("hydrant_pressure", "Roof tank outlet")],
    }
    for f in ("1", "3", "5", "7", "9", "11"):
        layout[f] = [("smoke", "Lift lobby"), ("manual_call_point", "Stair A door")]
    return _building(f"Building {n} {n}号楼", floors, layout)


_CLUBHOUSE: Layout = {
    "*": [
        ("smoke", "Lobby"), ("smoke", "Hall"), ("smoke", "Corridor"), ("heat", "Kitchen"),
        ("manual_call_point", "Main door"), ("sprinkler_pressure", "Alarm valve"),
    ]
}
_SHOPS = [
    ("smoke", "Arcade west"), ("smoke", "Arcade east"), ("smoke", "Corridor"), ("smoke", "Shop row"),
    ("heat", "Restaurant kitchens"), ("manual_call_point", "Exit"), ("sprinkler_pressure", "Alarm valve"),
]
_SQUARE: Layout = {"*": _SHOPS, "1": [*_SHOPS, ("heat", "Loading bay"), ("manual_call_point", "Loading bay")]}
_GARAGE: Layout = {
    "*": [
        ("smoke", "Ramp"), ("smoke", "Row A"), ("smoke", "Row D"), ("heat", "Charging bay"),
        ("hydrant_pressure", "Hydrant riser"), ("sprinkler_pressure", "Alarm valve"),
    ]
}


def _devices() -> tuple[Device, ...]:
    loops: list[tuple[int, int, list[Placed]]] = [
        (1, 1, _residential(1) + _residential(2)),
        (1, 2, _residential(3)),
        (1, 3, _residential(4) + _residential(5)),
        (2, 1, _building("Clubhouse 会所", ["1", "2"], _CLUBHOUSE)),
        (2, 2, _building("Commercial square 商业广场", ["1", "2"], _SQUARE)),
        (2, 3, _building("North garage 北区地库", ["B1", "B2"], _GARAGE)),
    ]
    out = []
    for panel, loop, devices in loops:
        for address, (kind, building, floor, place) in enumerate(devices, start=1):
            out.append(Device(f"P{panel}-L{loop:02d}-D{address:03d}", panel, loop, address, kind, building, floor, place))
    return tuple(out)


DEVICES = _devices()
# one smoke detector stays disabled throughout: renovation works on building 3's top floor
STANDING = (Episode(next(d.id for d in DEVICES if d.building.startswith("Building 3") and d.floor == "12"),
                    FireState.DISABLED, EPOCH, datetime.max.replace(tzinfo=EPOCH.tzinfo)),)


def day_episodes(ctx: SimContext, day: date) -> list[Episode]:
    """The episodes that begin on local ``day`` (pure: the seed and the date decide)."""
    rng = keyed_rng(ctx.seed, "fire", day.isoformat())
    start_of_day = datetime(day.year, day.month, day.day, tzinfo=ctx.tz)
    out = []
    for state, kinds, per_day, shortest, longest in _EPISODES:
        candidates = [d for d in DEVICES if d.kind in kinds]
        for _ in range(poisson(rng, per_day)):
            start = start_of_day + timedelta(seconds=rng.uniform(0, 86400))
            length = shortest + (longest - shortest) * rng.random()
            device = rng.choice(candidates)
            out.append(Episode(device.id, state, start.astimezone(EPOCH.tzinfo), (start + length).astimezone(EPOCH.tzinfo)))
    return out


def episodes_between(ctx: SimContext, after: datetime, until: datetime) -> list[Episode]:
    """Every episode that may be under way at some moment of ``(after, until]``."""
    found = [e for day in local_days(after, until, ctx.tz, back=_LONGEST) for e in day_episodes(ctx, day)]
    return [*STANDING, *(e for e in found if e.end > after and e.start <= until)]


def state_at(episodes: list[Episode], moment: datetime) -> FireState:
    """A device's state at ``moment`` given its episodes (the most urgent one under way wins)."""
    active = {e.state for e in episodes if e.start <= moment < e.end}
    return next((s for s in _PRIORITY if s in active), FireState.NORMAL)


def value_at(ctx: SimContext, device: Device, state: FireState, moment: datetime) -> float | None:
    """The reading of a gauge (MPa) or heat detector (deg C) at ``moment``; None for the others."""
    wobble = drift(ctx.seed, f"fire:{device.id}", moment)
    if device.kind == "hydrant_pressure":
        return round(0.11 + 0.01 * wobble if state == FireState.SUPERVISORY else 0.31 + 0.02 * wobble, 3)
    if device.kind == "sprinkler_pressure":
        return round(0.2 + 0.01 * wobble if state == FireState.SUPERVISORY else 0.52 + 0.03 * wobble, 3)
    if device.kind == "heat":
        kitchen = 8.0 if "itchen" in device.place else 0.0
        daily = math.cos(2 * math.pi * (local_hour(moment, ctx.tz) - 15) / 24)
        return round(23.0 + kitchen + 2.5 * daily + 1.5 * wobble, 1)
    return None


def device_rows(ctx: SimContext, now: datetime) -> list[dict[str, object]]:
    """Every device as a ``fire_devices`` row in its state at ``now``."""
    by_device = _by_device(episodes_between(ctx, now - timedelta(seconds=1), now))
    rows: list[dict[str, object]] = []
    for d in DEVICES:
        state = state_at(by_device.get(d.id, []), now)
        rows.append(
            {"id": d.id, "panel": d.panel, "loop": d.loop, "address": d.address, "kind": d.kind, "building": d.building,
             "floor": d.floor, "place": d.place, "state": state, "value": value_at(ctx, d, state, now), "unit": d.unit,
             "updated_at": now}
        )
    return rows


def _by_device(episodes: list[Episode]) -> dict[str, list[Episode]]:
    out: dict[str, list[Episode]] = {}
    for e in episodes:
        out.setdefault(e.device_id, []).append(e)
    return out


def signal_rows(ctx: SimContext, after: datetime, until: datetime) -> list[dict[str, object]]:
    """State changes in ``(after, until]`` and the hourly readings of the pressure gauges, by time."""
    by_device = _by_device(episodes_between(ctx, after, until))
    devices = {d.id: d for d in DEVICES}
    rows: list[dict[str, object]] = []
    for device_id, episodes in by_device.items():
        device = devices[device_id]
        for moment in sorted({t for e in episodes for t in (e.start, e.end) if after < t <= until}):
            before, now = state_at(episodes, moment - timedelta(microseconds=1)), state_at(episodes, moment)
            if before != now:
                value = value_at(ctx, device, now, moment)
                rows.append({"device_id": device_id, "state": now, "value": value, "at": moment})
    for moment in steps(after, until, READING_EVERY):
        for device in DEVICES:
            if device.kind in PRESSURE_KINDS:
                state = state_at(by_device.get(device.id, []), moment)
                value = value_at(ctx, device, state, moment)
                rows.append({"device_id": device.id, "state": state, "value": value, "at": moment})
    rows.sort(key=lambda r: r["at"])  # type: ignore[arg-type, return-value]
    return rows


def alarm_onsets(ctx: SimContext, moment: datetime) -> list[tuple[str, datetime]]:
    """The devices in a fire alarm at ``moment`` and when that alarm began (pure)."""
    by_device = _by_device(episodes_between(ctx, moment - timedelta(microseconds=1), moment))
    out = []
    for device_id, episodes in by_device.items():
        if state_at(episodes, moment) == FireState.ALARM:
            began = min(e.start for e in episodes if e.state == FireState.ALARM and e.start <= moment < e.end)
            out.append((device_id, began))
    return out


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """Store the devices (once), in their state at ``now``; return the rows added."""
    return {"fire_devices": insert_ignore(session, FireDevice, device_rows(ctx, now))}


def watermark(session: Session, ctx: SimContext) -> datetime | None:
    """The newest fire signal stored."""
    return session.scalar(select(func.max(FireSignal.at)))


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Store the signals of ``(after, until]`` and bring every device to its state and value at ``until``."""
    written = bulk_insert(session, FireSignal, signal_rows(ctx, after, until))
    wanted = {str(r["id"]): r for r in device_rows(ctx, until)}
    for device in session.scalars(select(FireDevice).where(FireDevice.id.in_(list(wanted)))):
        row = wanted[device.id]
        if device.state != row["state"] or device.value != row["value"]:
            device.state, device.updated_at = FireState(str(row["state"])), until
            device.value = row["value"]  # type: ignore[assignment]
    # A fire alarm is an operator alarm, as when a real panel reports it through the ingest API: the
    # same record and id (device + onset), so every tick during the alarm stores it once.
    for device_id, began in alarm_onsets(ctx, until):
        raise_alarm(session, fire_alarm(session.get_one(FireDevice, device_id), began))
    return {"fire_signals": written}
