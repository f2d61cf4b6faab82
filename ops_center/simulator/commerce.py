"""The commercial square: merchants and their footfall in one-minute buckets (in and out).

Footfall follows opening hours (none outside them), a weekday/weekend level and the shape of the
day: a lunch peak, an evening peak, and a category's own habits (breakfast for the bakery, the
evening for restaurants). Only minutes in which someone came or went are stored.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops_center.simulator.base import SimContext, bulk_insert
from ops_center.simulator.timeline import at_local, curve, keyed_rng, local_days, poisson
from ops_center.store.models import Footfall, Merchant
from ops_center.store.writes import insert_ignore
from ops_center.vocabulary import SIMULATOR_SOURCE

# id, name, category, place, opens, closes, visitors per minute at the busiest time
MERCHANTS: tuple[tuple[str, str, str, str, str, str, float], ...] = (
    ("m01", "Hualian Supermarket 华联超市", "supermarket", "Square A1-A2", "08:00", "22:00", 3.5),
    ("m02", "Lakeview Noodle House 湖景面馆", "restaurant", "Square A3", "10:30", "21:30", 2.2),
    ("m03", "Morning Bakery 晨光面包", "bakery", "Square A4", "07:00", "20:00", 1.6),
    ("m04", "Green Leaf Tea 绿叶茶饮", "tea", "Square A5", "10:00", "22:00", 1.8),
    ("m05", "Kangjian Pharmacy 康健大药房", "pharmacy", "Square B1", "08:00", "22:00", 0.9),
    ("m06", "Haidilao Hotpot 海底捞火锅", "restaurant", "Square B2-B3", "11:00", "23:00", 2.5),
    ("m07", "FamilyMart 全家便利店", "convenience", "Square B4", "06:00", "23:30", 2.4),
    ("m08", "Bank of Lakeside 湖畔银行", "bank", "Square B5", "09:00", "17:00", 0.5),
    ("m09", "Fresh Fruit Market 鲜果坊", "grocery", "Square C1", "08:00", "21:00", 1.4),
    ("m10", "Sunshine Kids Academy 阳光少儿", "education", "Square C2 (1F)", "09:00", "20:30", 0.6),
    ("m11", "Iron Lake Gym 铁湖健身", "fitness", "Square C3 (2F)", "06:30", "22:00", 0.8),
    ("m12", "Cloud Cafe 云朵咖啡", "cafe", "Square C4", "08:00", "21:00", 1.5),
    ("m13", "Clean Home Laundry 洁家洗衣", "services", "Square C5", "08:30", "20:00", 0.3),
    ("m14", "Style Hair Salon 造型美发", "services", "Square D1", "10:00", "21:00", 0.4),
)

# the shape of a day by category: (hour, share of the busiest minute)
_DAY_SHAPES: dict[str, tuple[tuple[float, float], ...]] = {
    "default": (
        (6, 0.1), (9, 0.35), (11.5, 0.7), (12.5, 0.9), (14, 0.5), (16, 0.45), (18.5, 1.0), (20, 0.8), (22, 0.3), (24, 0.1)
    ),
    "restaurant": (
        (10, 0.05), (11.5, 0.6), (12.3, 1.0), (13.5, 0.4), (16, 0.15), (18, 0.85), (19, 1.0), (21, 0.4), (23, 0.1)
    ),
    "bakery": ((6, 0.3), (7.5, 1.0), (9, 0.6), (12, 0.5), (15, 0.4), (18, 0.7), (20, 0.2)),
    "cafe": ((7, 0.3), (8.5, 0.9), (10, 0.6), (13, 0.8), (15, 1.0), (18, 0.5), (21, 0.2)),
    "fitness": ((6, 0.5), (7.5, 0.8), (10, 0.3), (12, 0.4), (16, 0.3), (19, 1.0), (22, 0.3)),
    "education": ((9, 0.3), (11, 0.4), (15, 0.5), (16.5, 1.0), (18.5, 0.8), (20.5, 0.2)),
    "bank": ((9, 0.6), (10.5, 1.0), (12, 0.7), (14, 0.8), (17, 0.4)),
}
_WEEKEND = {"default": 1.35, "restaurant": 1.5, "education": 1.8, "bank": 0.0, "fitness": 1.2, "bakery": 1.2}


def merchant_rows() -> list[dict[str, object]]:
    """The merchants of the square as ``merchants`` rows."""
    return [
        {"id": m, "name": n, "category": c, "place": p, "opens": o, "closes": cl, "active": True}
        for m, n, c, p, o, cl, _ in MERCHANTS
    ]


def _minute_of_day(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@cache
def _day_shape(category: str) -> tuple[float, ...]:
    """The category's share of its busiest minute, for each of the 1440 minutes of a day."""
    shape = _DAY_SHAPES.get(category, _DAY_SHAPES["default"])
    return tuple(curve(shape, m / 60) for m in range(24 * 60))


@lru_cache(maxsize=256)
def day_footfall(seed: int, merchant_id: str, day: date, tz: ZoneInfo) -> tuple[tuple[datetime, int, int], ...]:
    """(minute, in, out) for every minute of local ``day`` in which someone came or went (pure, cached)."""
    _, _, category, _, opens, closes, peak = next(m for m in MERCHANTS if m[0] == merchant_id)
    weekend = day.weekday() >= 5
    level = peak * (_WEEKEND.get(category, _WEEKEND["default"]) if weekend else 1.0)
    rng = keyed_rng(seed, "footfall", merchant_id, day.isoformat())
    level *= rng.uniform(0.85, 1.15)  # some days are busier than others
    shape = _day_shape(category)
    midnight = at_local(day, time(0), tz)
    rows = []
    for m in range(_minute_of_day(opens), _minute_of_day(closes)):
        mean = level * shape[m]
        come, go = poisson(rng, mean), poisson(rng, mean)
        if come or go:
            rows.append((midnight + timedelta(minutes=m), come, go))
    return tuple(rows)


def simulated_merchants(ctx: SimContext) -> list[str]:
    """The merchants whose footfall is simulated: all but those a camera counts (``ctx.camera_merchants``)."""
    return [merchant_id for merchant_id, *_ in MERCHANTS if merchant_id not in ctx.camera_merchants]


def footfall_rows(ctx: SimContext, after: datetime, until: datetime) -> list[dict[str, object]]:
    """Footfall rows of every merchant for the complete minutes in ``(after, until]``."""
    last_complete = until - timedelta(minutes=1)
    rows = []
    for day in local_days(after, last_complete, ctx.tz):
        for merchant_id in simulated_merchants(ctx):
            for minute, come, go in day_footfall(ctx.seed, merchant_id, day, ctx.tz):
                if after < minute <= last_complete:
                    rows.append({"merchant_id": merchant_id, "minute": minute, "source": SIMULATOR_SOURCE,
                                 "count_in": come, "count_out": go})
    return rows


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """Store the merchants (once); return the rows added."""
    return {"merchants": insert_ignore(session, Merchant, merchant_rows())}


def watermark(session: Session, ctx: SimContext) -> datetime | None:
    """The newest simulated footfall minute stored."""
    return session.scalar(select(func.max(Footfall.minute)).where(Footfall.source == SIMULATOR_SOURCE))


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Store the footfall of ``(after, until]``."""
    return {"footfall": bulk_insert(session, Footfall, footfall_rows(ctx, after, until))}
