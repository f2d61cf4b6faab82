"""Parking: free spaces per lot now and hour by hour today (the wall's panel), a lot's levels space by
space with the sources of their counts (the lot view), and the space a plate stands in (find-my-car)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ops_center.queries.common import ReadContext, Stamp, time_bucket
from ops_center.store.models import CameraHeartbeat, ParkingCount, ParkingLevel, ParkingLot, ParkingSpace
from ops_center.vocabulary import CAMERA_COUNT_SOURCE

LOTS_SHOWN = 8


@dataclass(frozen=True)
class LotStatus:
    """A car park's occupancy at its latest count."""

    lot_id: str
    name: str
    capacity: int
    occupied: int
    updated: Stamp

    @property
    def free(self) -> int:
        """Free spaces (never negative)."""
        return max(0, self.capacity - self.occupied)


@dataclass(frozen=True)
class ParkingTrend:
    """Average free spaces per lot for each local hour of today so far (None: no count that hour)."""

    hours: list[datetime]
    free: dict[str, list[float | None]]


@dataclass(frozen=True)
class ParkingPanel:
    """Every lot now, and today's trend."""

    lots: list[LotStatus]
    trend: ParkingTrend

    @property
    def total_free(self) -> int:
        """Free spaces over all lots."""
        return sum(lot.free for lot in self.lots)


def _shown_lots(limit: int) -> Select[str]:
    """The ids of the first ``limit`` lots (by id): the lots the panel shows."""
    return select(ParkingLot.id).order_by(ParkingLot.id).limit(limit)


def lot_status(session: Session, ctx: ReadContext, limit: int = LOTS_SHOWN) -> list[LotStatus]:
    """The first ``limit`` lots at their latest count; a lot never counted shows its levels'
    capacity, stale.

    The latest count is looked up per lot (one index probe on ``(lot_id, at)`` each), so the read
    does not grow with the history of counts."""
    latest_at = (
        select(func.max(ParkingCount.at))
        .where(ParkingCount.lot_id == ParkingLot.id)
        .correlate(ParkingLot)
        .scalar_subquery()
    )
    capacity = (
        select(ParkingLevel.lot_id, func.sum(ParkingLevel.capacity).label("capacity"))
        .group_by(ParkingLevel.lot_id)
        .subquery()
    )
    stmt = (
        select(ParkingLot.id, ParkingLot.name, capacity.c.capacity, ParkingCount)
        .outerjoin(ParkingCount, and_(ParkingCount.lot_id == ParkingLot.id, ParkingCount.at == latest_at))
        .outerjoin(capacity, capacity.c.lot_id == ParkingLot.id)
        .where(ParkingLot.id.in_(_shown_lots(limit).scalar_subquery()))
        .order_by(ParkingLot.id)
    )
    lots: dict[str, LotStatus] = {}
    for lot_id, name, level_capacity, count in session.execute(stmt):
        if lot_id in lots:  # two counts at the very same instant: keep the first
            continue
        lots[lot_id] = LotStatus(
            lot_id=lot_id,
            name=name,
            capacity=count.capacity if count else int(level_capacity or 0),
            occupied=count.occupied if count else 0,
            updated=ctx.stamp(count.at if count else None, "parking"),
        )
    return list(lots.values())


def today_trend(session: Session, ctx: ReadContext, limit: int = LOTS_SHOWN) -> ParkingTrend:
    """Average free spaces per lot (the first ``limit``) and local hour, from midnight to now,
    grouped in SQL (today's counts of each lot read by an index range on ``(lot_id, at)``, not a
    scan of the history)."""
    start = ctx.day_start()
    n_hours = int((ctx.now - start).total_seconds() // 3600) + 1
    bucket = time_bucket(ParkingCount.at, start, 3600).label("bucket")
    stmt = (
        select(ParkingCount.lot_id, bucket, func.avg(ParkingCount.capacity - ParkingCount.occupied))
        .where(ParkingCount.lot_id.in_(_shown_lots(limit).scalar_subquery()), ParkingCount.at >= start,
               ParkingCount.at <= ctx.now)
        .group_by(ParkingCount.lot_id, bucket)
    )
    free: dict[str, list[float | None]] = {}
    for lot_id, index, avg_free in session.execute(stmt):
        series = free.setdefault(lot_id, [None] * n_hours)
        if 0 <= index < n_hours:
            series[index] = float(avg_free)
    hours = [ctx.local(start + timedelta(hours=i)) for i in range(n_hours)]
    return ParkingTrend(hours=hours, free=free)


def parking_panel(session: Session, ctx: ReadContext, limit: int = LOTS_SHOWN) -> ParkingPanel:
    """Everything the parking module shows, for the first ``limit`` lots."""
    return ParkingPanel(lots=lot_status(session, ctx, limit), trend=today_trend(session, ctx, limit))


PLATE_SEPARATORS = (" ", "·", "-", ".")


@dataclass(frozen=True)
class CountSource:
    """Where a level's numbers come from: a camera watching its spaces, or the lot's gate counter."""

    kind: Literal["camera", "gate"]
    name: str
    updated: Stamp


@dataclass(frozen=True)
class LevelState:
    """A level of a lot: its stored spaces, those taken now, and the sources that count them."""

    level: str
    spaces: int
    taken: frozenset[str]
    sources: tuple[CountSource, ...]

    @property
    def free(self) -> int:
        """Spaces not taken."""
        return self.spaces - len(self.taken)

    @property
    def counted_by(self) -> Literal["camera", "gate"] | None:
        """Cameras when any watches the level's spaces, else the gate when it ever counted, else None."""
        return self.sources[0].kind if self.sources else None


@dataclass(frozen=True)
class LotView:
    """A lot, level by level, as the lot view draws it."""

    lot_id: str
    name: str
    levels: tuple[LevelState, ...]


def lot_view(
    session: Session, ctx: ReadContext, lot_id: str, levels: Sequence[str], watched: Mapping[str, Sequence[str]]
) -> LotView | None:
    """The lot's ``levels`` (their names in the store) with each space's state, and per level its
    sources: the cameras of ``watched`` (space id -> camera ids) that watch its spaces, with the age
    of their heartbeats, or else the lot's latest gate count and its age. None for a lot the store
    does not hold. Bounded by the lot's spaces; the gate count is one probe on ``(lot_id, at)``."""
    name = session.scalar(select(ParkingLot.name).where(ParkingLot.id == lot_id))
    if name is None:
        return None
    stored: dict[str, list[tuple[str, bool]]] = {level: [] for level in levels}
    rows = session.execute(
        select(ParkingLevel.name, ParkingSpace.id, ParkingSpace.occupied)
        .join(ParkingSpace, ParkingSpace.level_id == ParkingLevel.id)
        .where(ParkingLevel.lot_id == lot_id, ParkingLevel.name.in_(list(levels)))
    )
    for level, space_id, occupied in rows:
        stored[level].append((space_id, occupied))
    cameras = {cam for spaces in stored.values() for space_id, _ in spaces for cam in watched.get(space_id, ())}
    beats = {camera: at for camera, at in session.execute(
        select(CameraHeartbeat.camera_id, CameraHeartbeat.updated_at).where(CameraHeartbeat.camera_id.in_(cameras))
    )} if cameras else {}
    gate = session.execute(
        select(ParkingCount.source, ParkingCount.at)
        .where(ParkingCount.lot_id == lot_id, ParkingCount.source != CAMERA_COUNT_SOURCE)
        .order_by(ParkingCount.at.desc()).limit(1)
    ).first()
    gate_source = (CountSource("gate", gate.source, ctx.stamp(gate.at, "parking")),) if gate else ()
    states = []
    for level in levels:
        spaces = stored[level]
        watching = sorted({cam for space_id, _ in spaces for cam in watched.get(space_id, ())})
        sources = tuple(CountSource("camera", cam, ctx.stamp(beats.get(cam), "cameras")) for cam in watching)
        states.append(LevelState(level=level, spaces=len(spaces),
                                 taken=frozenset(space_id for space_id, occupied in spaces if occupied),
                                 sources=sources or gate_source))
    return LotView(lot_id=lot_id, name=name, levels=tuple(states))


def normal_plate(plate: str) -> str:
    """A plate as compared: upper case, without blanks, dots and dashes (``沪a·9c123`` -> ``沪A9C123``)."""
    text = plate.upper()
    for separator in PLATE_SEPARATORS:
        text = text.replace(separator, "")
    return text


def space_of_plate(session: Session, plate: str) -> str | None:
    """The id of the taken space where a car with this plate stands (the latest reported), or None.

    Only the space is returned, never a plate: whoever asks already typed it."""
    wanted = normal_plate(plate)
    if not wanted:
        return None
    stored: ColumnElement[str | None] = ParkingSpace.plate.expression
    for separator in PLATE_SEPARATORS:
        stored = func.replace(stored, separator, "")
    return session.scalar(
        select(ParkingSpace.id).where(ParkingSpace.occupied, func.upper(stored) == wanted)
        .order_by(ParkingSpace.updated_at.desc()).limit(1)
    )
