"""Traffic on the access roads (the lake bridge): congestion 0-4 and speed every 5 minutes.

Residents leave over the bridge in the weekday morning and come back in the evening; weekends are
calmer in the morning and busier at midday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops_center.simulator.base import SimContext, bulk_insert
from ops_center.simulator.timeline import curve, is_weekend, local_hour, noise, steps
from ops_center.store.models import TrafficReading

EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Road:
    """An access road: its free-flow speed and its demand over the day (hour, 0..1)."""

    name: str
    free_kmh: float
    weekday: tuple[tuple[float, float], ...]
    weekend: tuple[tuple[float, float], ...]


_NIGHT = ((0, 0.03), (5, 0.03))
ROADS = (
    Road(
        "Lake Bridge outbound 湖桥出城",
        50.0,
        (*_NIGHT, (6.5, 0.3), (7.75, 0.95), (8.75, 0.8), (10, 0.3), (16, 0.3), (18, 0.5), (21, 0.2), (24, 0.05)),
        (*_NIGHT, (8, 0.15), (10, 0.45), (13, 0.4), (17, 0.45), (21, 0.2), (24, 0.05)),
    ),
    Road(
        "Lake Bridge inbound 湖桥入城",
        50.0,
        (*_NIGHT, (7, 0.25), (8.5, 0.45), (10, 0.25), (16.5, 0.4), (18, 0.95), (19.25, 0.7), (21, 0.25), (24, 0.05)),
        (*_NIGHT, (9, 0.15), (12, 0.4), (17, 0.55), (19, 0.5), (22, 0.15), (24, 0.05)),
    ),
    Road(
        "East Gate Road 东门路",
        30.0,
        (*_NIGHT, (7, 0.3), (8, 0.6), (9.5, 0.3), (12, 0.35), (17.5, 0.6), (19, 0.4), (22, 0.1), (24, 0.03)),
        (*_NIGHT, (9, 0.2), (11, 0.45), (15, 0.4), (19, 0.45), (22, 0.1), (24, 0.03)),
    ),
)


def reading(ctx: SimContext, road: Road, moment: datetime) -> dict[str, object]:
    """The road's congestion (0 free .. 4 jammed) and speed at ``moment``."""
    shape = road.weekend if is_weekend(moment, ctx.tz) else road.weekday
    demand = curve(shape, local_hour(moment, ctx.tz)) + 0.12 * noise(ctx.seed, "traffic", road.name, moment.timestamp())
    demand = max(0.0, min(1.0, demand))
    congestion = min(4, int(demand * 5))
    speed = road.free_kmh * (1.0 - 0.85 * demand ** 1.6)
    speed *= 1.0 + 0.05 * noise(ctx.seed, "speed", road.name, moment.timestamp())
    return {"road": road.name, "at": moment, "congestion": congestion, "speed_kmh": round(max(3.0, speed), 1)}


def reading_rows(ctx: SimContext, after: datetime, until: datetime) -> list[dict[str, object]]:
    """Readings of every road every 5 minutes in ``(after, until]``."""
    return [reading(ctx, road, t) for t in steps(after, until, EVERY) for road in ROADS]


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """Roads are names in the readings: nothing to store up front."""
    return {}


def watermark(session: Session) -> datetime | None:
    """The newest simulated reading stored."""
    return session.scalar(select(func.max(TrafficReading.at)).where(TrafficReading.road.in_([r.name for r in ROADS])))


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Store the readings of ``(after, until]``."""
    return {"traffic_readings": bulk_insert(session, TrafficReading, reading_rows(ctx, after, until))}
