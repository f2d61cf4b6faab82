"""The residents' page: free spaces per lot and level, the access roads' traffic and the notices shown,
and nothing else of the store (no plates, no alarms, no cameras, no names of staff).

Its figures are shared by every visitor: ``ResidentsFigures`` reads them at most once per interval
per process, so a crowd opening the page costs the store one read per interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from ops_center.config import SiteConfig
from ops_center.queries.common import ReadContext, Stamp, count_if
from ops_center.queries.parking import LotStatus, lot_status
from ops_center.queries.traffic import RoadTraffic, road_traffic
from ops_center.store.db import Store
from ops_center.store.models import Notice, ParkingLevel, ParkingSpace

NOTICES_SHOWN = 5


@dataclass(frozen=True)
class LevelFree:
    """Free spaces on one level, counted from its registered spaces (``free`` None: none registered)."""

    level_id: str
    name: str
    capacity: int
    free: int | None
    updated: Stamp


@dataclass(frozen=True)
class LotFree:
    """A lot at its latest count, and its levels."""

    lot: LotStatus
    levels: list[LevelFree]


@dataclass(frozen=True)
class PublicNotice:
    """A notice as residents see it (not who posted it)."""

    title: str
    body: str
    posted_at: datetime


@dataclass(frozen=True)
class ResidentsView:
    """Everything the residents' page shows, read at ``read_at``."""

    lots: list[LotFree]
    roads: list[RoadTraffic]
    notices: list[PublicNotice]
    read_at: datetime


def level_free(session: Session, ctx: ReadContext, lot_ids: list[str]) -> dict[str, list[LevelFree]]:
    """Per lot of ``lot_ids``, its levels (by name) with the free spaces among their registered spaces
    and the time of the latest change of one of them, counted in SQL."""
    if not lot_ids:
        return {}
    stmt = (
        select(
            ParkingLevel.lot_id,
            ParkingLevel.id,
            ParkingLevel.name,
            ParkingLevel.capacity,
            func.count(ParkingSpace.id),
            count_if(ParkingSpace.occupied == false()),
            func.max(ParkingSpace.updated_at),
        )
        .outerjoin(ParkingSpace, ParkingSpace.level_id == ParkingLevel.id)
        .where(ParkingLevel.lot_id.in_(lot_ids))
        .group_by(ParkingLevel.lot_id, ParkingLevel.id, ParkingLevel.name, ParkingLevel.capacity)
        .order_by(ParkingLevel.lot_id, ParkingLevel.name)
    )
    levels: dict[str, list[LevelFree]] = {}
    for lot_id, level_id, name, capacity, spaces, free, updated_at in session.execute(stmt):
        levels.setdefault(lot_id, []).append(
            LevelFree(level_id, name, capacity, int(free or 0) if spaces else None,
                      ctx.stamp(updated_at if spaces else None, "parking"))
        )
    return levels


def shown_notices(session: Session, now: datetime, limit: int = NOTICES_SHOWN) -> list[PublicNotice]:
    """The newest ``limit`` notices shown at ``now`` (posted, not removed, not expired)."""
    stmt = (
        select(Notice.title, Notice.body, Notice.posted_at)
        .where(Notice.removed_at.is_(None), Notice.posted_at <= now, Notice.expires_at > now)
        .order_by(Notice.posted_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    return [PublicNotice(title, body, posted_at) for title, body, posted_at in session.execute(stmt)]


def residents_view(session: Session, ctx: ReadContext, config: SiteConfig) -> ResidentsView:
    """The residents' figures now: lots and levels, the site's registered roads, the notices shown."""
    lots = lot_status(session, ctx)
    levels = level_free(session, ctx, [lot.lot_id for lot in lots])
    return ResidentsView(
        lots=[LotFree(lot, levels.get(lot.lot_id, [])) for lot in lots],
        roads=road_traffic(session, ctx, config.traffic),
        notices=shown_notices(session, ctx.now),
        read_at=ctx.now,
    )


class ResidentsFigures:
    """``residents_view`` read at most once per ``every_s`` seconds and shared by every caller.

    Callers that arrive while a read is running wait for it instead of starting their own, so any
    number of visitors costs the store one read per interval. A read that fails is not kept.
    """

    def __init__(self, store: Store, config: SiteConfig, every_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._store, self._config, self._every_s, self._clock = store, config, every_s, clock
        self._lock = threading.Lock()
        self._view: ResidentsView | None = None
        self._read_at = 0.0

    def get(self) -> ResidentsView:
        """The figures, read now if the last read is ``every_s`` old (or there is none)."""
        with self._lock:
            moment = self._clock()
            if self._view is None or moment - self._read_at >= self._every_s:
                with self._store.session() as session:
                    self._view = residents_view(session, ReadContext.for_site(self._config), self._config)
                self._read_at = moment
            return self._view
