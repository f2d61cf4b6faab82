"""The site's registered environment stations (the demo's lakeside one): temperature, humidity,
PM2.5 and the lake's water level every 10 minutes, for the metrics each station registers, in its
units and range. Each value is a daily cycle plus slow weather-like drift, so neighbouring readings
agree.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops_center.simulator.base import SimContext, bulk_insert
from ops_center.simulator.timeline import curve, drift, local_hour, noise, steps
from ops_center.store.models import EnvironmentReading

EVERY = timedelta(minutes=10)
# Shanghai's mean temperature (deg C) by month
_MONTHLY_MEAN_C = (4.8, 6.4, 10.1, 15.6, 20.8, 24.7, 28.7, 28.4, 24.9, 19.7, 13.9, 7.8)


def values(ctx: SimContext, moment: datetime) -> dict[str, float]:
    """Every metric of the station at ``moment``."""
    hour = local_hour(moment, ctx.tz)
    daily = math.cos(2 * math.pi * (hour - 14.5) / 24)  # warmest mid-afternoon
    weather = drift(ctx.seed, "weather", moment)
    month = moment.astimezone(ctx.tz).month
    temperature = _MONTHLY_MEAN_C[month - 1] + 4.0 * daily + 3.0 * weather
    humidity = 70.0 - 14.0 * daily - 12.0 * weather + 2.0 * noise(ctx.seed, "rh", moment.timestamp())
    rush = curve(((0, 0.0), (6.5, 0.0), (8, 1.0), (10, 0.2), (17, 0.3), (19, 1.0), (22, 0.2), (24, 0.0)), hour)
    pm25 = 32.0 + 20.0 * drift(ctx.seed, "haze", moment) + 12.0 * rush + 3.0 * noise(ctx.seed, "pm", moment.timestamp())
    level = 2.35 + 0.12 * drift(ctx.seed, "lake", moment, periods_h=(127.0, 311.0))
    return {
        "temperature": round(temperature + 0.3 * noise(ctx.seed, "t", moment.timestamp()), 1),
        "humidity": round(max(20.0, min(100.0, humidity)), 1),
        "pm25": round(max(3.0, pm25), 1),
        "lake_level": round(level, 3),
    }


def reading_rows(ctx: SimContext, after: datetime, until: datetime) -> list[dict[str, object]]:
    """Readings every 10 minutes in ``(after, until]`` of each registered station's metrics that the
    simulator knows (those above), kept within the metric's registered range."""
    rows = []
    for t in steps(after, until, EVERY):
        simulated = values(ctx, t)
        for station in ctx.environment.stations:
            for metric, spec in station.metrics.items():
                if metric in simulated:
                    value = max(spec.min, min(spec.max, simulated[metric]))
                    rows.append({"station": station.name, "metric": metric, "value": value, "unit": spec.unit, "at": t})
    return rows


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """Stations are registered in the site's configuration: nothing to store up front."""
    return {}


def watermark(session: Session, ctx: SimContext) -> datetime | None:
    """The newest reading of a registered station stored."""
    names = [s.name for s in ctx.environment.stations]
    return session.scalar(select(func.max(EnvironmentReading.at)).where(EnvironmentReading.station.in_(names)))


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Store the readings of ``(after, until]``."""
    return {"environment_readings": bulk_insert(session, EnvironmentReading, reading_rows(ctx, after, until))}
