"""Traffic on the site's registered access roads (the lake bridge): congestion 0-4 and speed every 5 minutes.

Residents leave over the bridge in the weekday morning and come back in the evening; weekends are
calmer in the morning and busier at midday. The n-th registered road follows the n-th profile (the
demo's three roads in order), cycling when a site registers more.
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
class Profile:
    """How a road behaves: its free-flow speed and its demand over the day (hour, 0..1)."""

    free_kmh: float
    weekday: tuple[tuple[float, float], ...]
    weekend: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Road:
    """A registered access road and the profile it follows."""

    name: str
    profile: Profile


_NIGHT = ((0, 0.03), (5, 0.03))
PROFILES = (
    Profile(  # the bridge out of town: the weekday morning rush
        50.0,
        (*_NIGHT, (6.5, 0.3), (7.75, 0.95), (8.75, 0.8), (10, 0.3), (16, 0.3), (18, 0.5), (21, 0.2), (24, 0.05)),
        (*_NIGHT, (8, 0.15), (10, 0.45), (13, 0.4), (17, 0.45), (21, 0.2), (24, 0.05)),
    ),
    Profile(  # the bridge into town: the evening rush
        50.0,
        (*_NIGHT, (7, 0.25), (8.5, 0.45), (10, 0.25), (16.5, 0.4), (18, 0.95), (19.25, 0.7), (21, 0.25), (24, 0.05)),
        (*_NIGHT, (9, 0.15), (12, 0.4), (17, 0.55), (19, 0.5), (22, 0.15), (24, 0.05)),
    ),
    Profile(  # a side road: two smaller peaks
        30.0,
        (*_NIGHT, (7, 0.3), (8, 0.6), (9.5, 0.3), (12, 0.35), (17.5, 0.6), (19, 0.4), (22, 0.1), (24, 0.03)),
        (*_NIGHT, (9, 0.2), (11, 0.45), (15, 0.4), (19, 0.45), (22, 0.1), (24, 0.03)),
    ),
)


def roads(ctx: SimContext) -> list[Road]:
    """The site's registered roads, each with its profile."""
    return [Road(name, PROFILES[i % len(PROFILES)]) for i, name in enumerate(ctx.traffic.roads)]


def reading(ctx: SimContext, road: Road, moment: datetime) -> dict[str, object]:
    """The road's congestion (0 free .. 4 jammed) and speed at ``moment``."""
    profile = road.profile
    shape = profile.weekend if is_weekend(moment, ctx.tz) else profile.weekday
    demand = curve(shape, local_hour(moment, ctx.tz)) + 0.12 * noise(ctx.seed, "traffic", road.name, moment.timestamp())
    demand = max(0.0, min(1.0, demand))
    congestion = min(4, int(demand * 5))
    speed = profile.free_kmh * (1.0 - 0.85 * demand ** 1.6)
    speed *= 1.0 + 0.05 * noise(ctx.seed, "speed", road.name, moment.timestamp())
    return {"road": road.name, "at": moment, "congestion": congestion, "speed_kmh": round(max(3.0, speed), 1)}


def reading_rows(ctx: SimContext, after: datetime, until: datetime) -> list[dict[str, object]]:
    """Readings of every registered road every 5 minutes in ``(after, until]``."""
    registered = roads(ctx)
    return [reading(ctx, road, t) for t in steps(after, until, EVERY) for road in registered]


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """Roads are names in the readings: nothing to store up front."""
    return {}


def watermark(session: Session, ctx: SimContext) -> datetime | None:
    """The newest reading of a registered road stored."""
    return session.scalar(select(func.max(TrafficReading.at)).where(TrafficReading.road.in_(ctx.traffic.roads)))


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Store the readings of ``(after, until]``."""
    return {"traffic_readings": bulk_insert(session, TrafficReading, reading_rows(ctx, after, until))}
