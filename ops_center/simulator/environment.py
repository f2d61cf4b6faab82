"""The lakeside environment station: temperature, humidity, PM2.5 and the lake's water level every
10 minutes. Each value is a daily cycle plus slow weather-like drift, so neighbouring readings agree.
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
STATION = "Lakeside station 湖畔监测站"
# Shanghai's mean temperature (deg C) by month
_MONTHLY_MEAN_C = (4.8, 6.4, 10.1, 15.6, 20.8, 24.7, 28.7, 28.4, 24.9, 19.7, 13.9, 7.8)
UNITS = {"temperature": "°C", "humidity": "%", "pm25": "µg/m³", "lake_level": "m"}


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
    """Readings of every metric every 10 minutes in ``(after, until]``."""
    return [
        {"station": STATION, "metric": metric, "value": value, "unit": UNITS[metric], "at": t}
        for t in steps(after, until, EVERY)
        for metric, value in values(ctx, t).items()
    ]


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """The station is a name in the readings: nothing to store up front."""
    return {}


def watermark(session: Session) -> datetime | None:
    """The newest simulated reading stored."""
    return session.scalar(select(func.max(EnvironmentReading.at)).where(EnvironmentReading.station == STATION))


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Store the readings of ``(after, until]``."""
    return {"environment_readings": bulk_insert(session, EnvironmentReading, reading_rows(ctx, after, until))}
