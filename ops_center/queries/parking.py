"""Parking panel: free spaces per lot now, and each lot's free spaces hour by hour today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from ops_center.queries.common import ReadContext, Stamp, time_bucket
from ops_center.store.models import ParkingCount, ParkingLevel, ParkingLot

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
