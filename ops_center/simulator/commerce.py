"""The commercial square: merchants (business format, shop area, opening hours per weekday), their
footfall in one-minute buckets (in and out) and the daily sales of those whose till reports.

Footfall follows opening hours (none outside them), a weekday/weekend level and the shape of the
day: a lunch peak, an evening peak, and a category's own habits (breakfast for the bakery, the
evening for restaurants). Only minutes in which someone came or went are stored.

A merchant a camera counts (``SimContext.camera_merchants``) gets no simulated footfall, and its
simulated sales follow the visitors the store holds for it (the camera's counts): a share of the
people counted in buys, so its conversion is the share of a real till, whatever the camera counts.

The shops' history is whole local days: it starts at a midnight and, loaded newest day first
(``runner.load_shop_history``), always holds every minute from its oldest day on (``ShopHistory``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops_center.opening_hours import Week
from ops_center.simulator.base import SimContext, bulk_insert
from ops_center.simulator.timeline import at_local, curve, keyed_rng, local_days
from ops_center.store import rollup
from ops_center.store.models import Footfall, Merchant, MerchantSales
from ops_center.store.writes import insert_ignore, insert_new
from ops_center.vocabulary import SIMULATOR_SOURCE, BusinessFormat


@dataclass(frozen=True)
class SimMerchant:
    """A simulated shop: its finer category (the shape of its day), business format, floor area,
    opening hours per weekday (Monday first, None: closed) and visitors per minute at its busiest."""

    id: str
    name: str
    category: str
    business_format: BusinessFormat
    place: str
    area_m2: float
    hours: tuple[str | None, ...]
    peak: float

    @property
    def week(self) -> Week:
        """The opening hours, parsed."""
        return Week.parse(self.hours)


def _days(weekdays: str | None, weekend: str | None = "") -> tuple[str | None, ...]:
    """Monday to Friday ``weekdays``, Saturday and Sunday ``weekend`` (default: the same)."""
    return (weekdays,) * 5 + ((weekdays if weekend == "" else weekend),) * 2


CATERING, RETAIL, SERVICES = BusinessFormat.CATERING, BusinessFormat.RETAIL, BusinessFormat.SERVICES
MERCHANTS: tuple[SimMerchant, ...] = (
    SimMerchant("m01", "Hualian Supermarket 华联超市", "supermarket", RETAIL, "Square A1-A2", 1200.0,
                _days("08:00-22:00"), 3.5),
    SimMerchant("m02", "Lakeview Noodle House 湖景面馆", "restaurant", CATERING, "Square A3", 180.0,
                _days("10:30-21:30", "10:00-22:00"), 2.2),
    SimMerchant("m03", "Morning Bakery 晨光面包", "bakery", CATERING, "Square A4", 85.0, _days("07:00-20:00"), 1.6),
    SimMerchant("m04", "Green Leaf Tea 绿叶茶饮", "tea", CATERING, "Square A5", 45.0,
                _days("10:00-22:00", "10:00-23:00"), 1.8),
    SimMerchant("m05", "Kangjian Pharmacy 康健大药房", "pharmacy", BusinessFormat.HEALTH, "Square B1", 120.0,
                _days("08:00-22:00"), 0.9),
    SimMerchant("m06", "Haidilao Hotpot 海底捞火锅", "restaurant", CATERING, "Square B2-B3", 620.0,
                _days("11:00-23:00", "11:00-02:00"), 2.5),
    SimMerchant("m07", "FamilyMart 全家便利店", "convenience", RETAIL, "Square B4", 110.0, _days("06:00-23:30"), 2.4),
    SimMerchant("m08", "Bank of Lakeside 湖畔银行", "bank", BusinessFormat.FINANCE, "Square B5", 260.0,
                _days("09:00-17:00", None), 0.5),
    SimMerchant("m09", "Fresh Fruit Market 鲜果坊", "grocery", RETAIL, "Square C1", 150.0, _days("08:00-21:00"), 1.4),
    SimMerchant("m10", "Sunshine Kids Academy 阳光少儿", "education", BusinessFormat.EDUCATION, "Square C2 (1F)", 400.0,
                (None, "15:00-20:30", "15:00-20:30", "15:00-20:30", "15:00-20:30", "09:00-18:00", "09:00-18:00"), 0.6),
    SimMerchant("m11", "Iron Lake Gym 铁湖健身", "fitness", BusinessFormat.FITNESS, "Square C3 (2F)", 850.0,
                _days("06:30-22:00", "08:00-21:00"), 0.8),
    SimMerchant("m12", "Cloud Cafe 云朵咖啡", "cafe", CATERING, "Square C4", 95.0, _days("08:00-21:00"), 1.5),
    SimMerchant("m13", "Clean Home Laundry 洁家洗衣", "services", SERVICES, "Square C5", 60.0,
                _days("08:30-20:00"), 0.3),
    SimMerchant("m14", "Style Hair Salon 造型美发", "services", SERVICES, "Square D1", 90.0,
                ("10:00-21:00", None, "10:00-21:00", "10:00-21:00", "10:00-21:00", "09:30-21:30", "09:30-21:30"), 0.4),
)
MERCHANT_BY_ID = {m.id: m for m in MERCHANTS}

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
# share of the visitors who buy, mean basket (CNY), by category; the bank, the school and the gym
# report no sales
_SALES: dict[str, tuple[float, float]] = {
    "supermarket": (0.8, 68.0), "restaurant": (0.85, 92.0), "bakery": (0.7, 28.0), "tea": (0.85, 21.0),
    "pharmacy": (0.6, 76.0), "convenience": (0.75, 23.0), "grocery": (0.7, 44.0), "cafe": (0.75, 35.0),
    "services": (0.9, 58.0),
}
BULK_ROWS = 20_000  # more footfall rows than this in one advance go through rollup.bulk_load
CAMERA_GRACE = timedelta(minutes=15)  # a counting camera's last buckets of a day reach the store after it ends
MINUTE = timedelta(minutes=1)
_WEEKEND = {"default": 1.35, "restaurant": 1.5, "education": 1.8, "fitness": 1.2, "bakery": 1.2}


def merchant_rows() -> list[dict[str, object]]:
    """The merchants of the square as ``merchants`` rows."""
    return [
        {"id": m.id, "name": m.name, "category": m.category, "business_format": m.business_format,
         "area_m2": m.area_m2, "place": m.place, "hours": m.week, "active": True}
        for m in MERCHANTS
    ]


@cache
def _day_shape(category: str) -> np.ndarray:
    """The category's share of its busiest minute, for each of the 1440 minutes of a day."""
    shape = _DAY_SHAPES.get(category, _DAY_SHAPES["default"])
    return np.array([curve(shape, m / 60) for m in range(24 * 60)])


@lru_cache(maxsize=256)
def day_footfall(seed: int, merchant_id: str, day: date, tz: ZoneInfo) -> tuple[tuple[datetime, int, int], ...]:
    """(minute, in, out) for every minute of local ``day`` in which someone came or went (pure, cached);
    nothing while the shop is closed (a closed shop's counter is not silent: nobody comes)."""
    merchant = MERCHANT_BY_ID[merchant_id]
    weekend = day.weekday() >= 5
    level = merchant.peak * (_WEEKEND.get(merchant.category, _WEEKEND["default"]) if weekend else 1.0)
    rng = keyed_rng(seed, "footfall", merchant_id, day.isoformat())
    level *= rng.uniform(0.85, 1.15)  # some days are busier than others
    draws = np.random.default_rng(rng.getrandbits(64))  # a year of minutes: drawn as arrays
    shape = _day_shape(merchant.category)
    rows: list[tuple[datetime, int, int]] = []
    for opens, closes in merchant.week.spans(day, day, tz):  # closed days have none; late ones run past midnight
        first = int((opens - at_local(day, time(0), tz)).total_seconds()) // 60
        means = level * shape[(first + np.arange(int((closes - opens).total_seconds()) // 60)) % 1440]
        come, go = draws.poisson(means), draws.poisson(means)
        rows += [(opens + timedelta(minutes=int(m)), int(come[m]), int(go[m])) for m in np.flatnonzero(come + go)]
    return tuple(rows)


def simulated_merchants(ctx: SimContext) -> list[SimMerchant]:
    """The merchants whose footfall is simulated: all but those a camera counts (``ctx.camera_merchants``)."""
    return [merchant for merchant in MERCHANTS if merchant.id not in ctx.camera_merchants]


def footfall_rows(ctx: SimContext, after: datetime, until: datetime) -> list[dict[str, object]]:
    """Footfall rows of every merchant for the complete minutes in ``(after, until]``."""
    last_complete = until - timedelta(minutes=1)
    rows = []
    for day in local_days(after - timedelta(days=1), last_complete, ctx.tz):  # a late night runs past midnight
        for merchant in simulated_merchants(ctx):
            for minute, come, go in day_footfall(ctx.seed, merchant.id, day, ctx.tz):
                if after < minute <= last_complete:
                    rows.append({"merchant_id": merchant.id, "minute": minute, "source": SIMULATOR_SOURCE,
                                 "count_in": come, "count_out": go})
    return rows


def day_sales(seed: int, merchant_id: str, day: date, tz: ZoneInfo, visitors: int | None = None) -> tuple[int, int] | None:
    """(transactions, revenue in cents) of a merchant whose till reports, on local ``day``: a share
    of the day's ``visitors`` (default: its simulated footfall) buys a basket of the category's size;
    None when it does not report or nobody came (pure)."""
    merchant = MERCHANT_BY_ID[merchant_id]
    habits = _SALES.get(merchant.category)
    if visitors is None:
        visitors = sum(come for _, come, _ in day_footfall(seed, merchant_id, day, tz))
    if habits is None or not visitors:
        return None
    rng = keyed_rng(seed, "sales", merchant_id, day.isoformat())
    buying, basket = habits
    transactions = round(visitors * buying * rng.uniform(0.85, 1.1))
    return transactions, round(transactions * basket * rng.uniform(0.9, 1.1) * 100)


def _day_complete(merchant: SimMerchant, day: date, tz: ZoneInfo, counted: bool) -> datetime:
    """When local ``day``'s takings are counted: at midnight, or when a late night closes; for a
    merchant a camera counts (``counted``), once the camera's buckets of the day are in."""
    ends = [end for _, end in merchant.week.spans(day, day, tz)]
    return max([at_local(day + timedelta(days=1), time(0), tz), *ends]) + (CAMERA_GRACE if counted else timedelta(0))


def due_sales(ctx: SimContext, after: datetime, until: datetime) -> list[tuple[str, date]]:
    """(merchant id, local day) of every merchant whose takings of the day are counted in ``(after, until]``."""
    return [(merchant.id, day) for day in local_days(after - timedelta(days=2), until, ctx.tz) for merchant in MERCHANTS
            if after < _day_complete(merchant, day, ctx.tz, merchant.id in ctx.camera_merchants) <= until]


def sales_rows(ctx: SimContext, after: datetime, until: datetime,
               counted: Mapping[tuple[str, date], int] | None = None) -> list[dict[str, object]]:
    """Sales of every reporting merchant for the local days whose takings are counted in ``(after, until]``;
    a camera-counted merchant's follow its visitors of the day in ``counted`` (none there: no sales)."""
    rows: list[dict[str, object]] = []
    for merchant_id, day in due_sales(ctx, after, until):
        visitors = (counted or {}).get((merchant_id, day), 0) if merchant_id in ctx.camera_merchants else None
        sold = day_sales(ctx.seed, merchant_id, day, ctx.tz, visitors)
        if sold is not None:
            rows.append({"merchant_id": merchant_id, "day": day, "transactions": sold[0],
                         "revenue_cents": sold[1], "updated_at": until})
    return rows


def counted_visitors(session: Session, tz: ZoneInfo, days: Iterable[tuple[str, date]]) -> dict[tuple[str, date], int]:
    """People in that the store holds for each (merchant id, local day), over every source (summed in SQL)."""
    found = {}
    for merchant_id, day in days:
        start, end = at_local(day, time(0), tz), at_local(day + timedelta(days=1), time(0), tz)
        found[(merchant_id, day)] = int(session.scalar(
            select(func.coalesce(func.sum(Footfall.count_in), 0))
            .where(Footfall.merchant_id == merchant_id, Footfall.minute >= start, Footfall.minute < end)
        ) or 0)
    return found


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """Store the merchants (once); return the rows added."""
    return {"merchants": insert_ignore(session, Merchant, merchant_rows())}


def watermark(session: Session, ctx: SimContext) -> datetime | None:
    """The newest simulated footfall minute stored."""
    return session.scalar(select(func.max(Footfall.minute)).where(Footfall.source == SIMULATOR_SOURCE))


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Store the footfall of ``(after, until]`` and the sales of the days that ended in it; a long
    stretch (seeding a year) is written past the roll-up's triggers, which then rebuilds its hours."""
    rows = footfall_rows(ctx, after, until)
    if len(rows) >= BULK_ROWS:
        with rollup.bulk_load(session, after, until + timedelta(minutes=1)):
            written = bulk_insert(session, Footfall, rows)
    else:
        written = bulk_insert(session, Footfall, rows)
    counted = counted_visitors(session, ctx.tz, [(m, day) for m, day in due_sales(ctx, after, until)
                                                 if m in ctx.camera_merchants])
    sales = insert_new(session, MerchantSales, sales_rows(ctx, after, until, counted), key=("merchant_id", "day"))
    return {"footfall": written, "merchant_sales": sales}


# --- the history as whole local days, newest first -------------------------------------------------


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC moment local ``day`` begins."""
    return at_local(day, time(0), tz)


def first_day(now: datetime, tz: ZoneInfo, days: int) -> date:
    """The oldest local day of ``days`` days of history before ``now`` (kept whole, from its midnight)."""
    return (now - timedelta(days=days)).astimezone(tz).date()


def day_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``(after, until)`` for ``advance`` that holds every minute of local ``day`` and no other."""
    return day_start(day, tz) - MINUTE, day_start(day + timedelta(days=1), tz)


def oldest_minute(session: Session) -> datetime | None:
    """The oldest simulated footfall minute stored (walks the minute index from its start)."""
    return session.scalar(
        select(Footfall.minute).where(Footfall.source == SIMULATOR_SOURCE).order_by(Footfall.minute).limit(1)
    )


@dataclass(frozen=True)
class ShopHistory:
    """How far back the simulated shops' history reaches against the history it is to have: every
    minute from ``loaded_from``'s midnight on is stored (None: nothing yet), none before."""

    first_day: date  # the oldest local day it is to hold
    loaded_from: date | None

    @property
    def complete(self) -> bool:
        """Every day from ``first_day`` on is stored."""
        return self.loaded_from is not None and self.loaded_from <= self.first_day

    def days_loaded(self, today: date) -> int:
        """Days stored, today included."""
        return 0 if self.loaded_from is None else (today - max(self.loaded_from, self.first_day)).days + 1

    def days_total(self, today: date) -> int:
        """Days it is to hold, today included."""
        return (today - self.first_day).days + 1


def shop_history(session: Session, now: datetime, tz: ZoneInfo, days: int,
                 camera_merchants: Collection[str] = ()) -> ShopHistory:
    """How much of ``days`` days of simulated shop history before ``now`` is stored (complete when
    every merchant is counted by a camera: nothing is simulated then)."""
    first = first_day(now, tz, days)
    if all(m.id in camera_merchants for m in MERCHANTS):
        return ShopHistory(first_day=first, loaded_from=first)
    oldest = oldest_minute(session)
    return ShopHistory(first_day=first, loaded_from=None if oldest is None else oldest.astimezone(tz).date())
