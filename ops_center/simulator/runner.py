"""Driving the simulated domains: ``seed`` fills history, ``LiveSimulator`` keeps it moving."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from zoneinfo import ZoneInfo

from ops_center.config import EnvironmentConfig, TrafficConfig
from ops_center.errors import InputError
from ops_center.simulator import commerce, environment, fire, guards, parking, traffic
from ops_center.simulator.base import SimContext
from ops_center.simulator.site import DEMO_ENVIRONMENT, DEMO_TRAFFIC
from ops_center.store.db import Store
from ops_center.store.types import utcnow

DOMAINS: tuple[ModuleType, ...] = (fire, parking, commerce, guards, traffic, environment)
HISTORY_PAUSE_S = 0.2  # between two days of shop history: other writers (the live tick, cameras, ingest) get the store
log = logging.getLogger(__name__)


@dataclass
class SeedSummary:
    """What ``seed`` added: new rows per table, the time span filled and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    seconds: float = 0.0

    def add(self, written: dict[str, int]) -> None:
        """Count rows added to some tables."""
        for table, n in written.items():
            self.rows[table] = self.rows.get(table, 0) + n

    @property
    def total(self) -> int:
        """Rows added to all tables."""
        return sum(self.rows.values())


def make_context(
    rng_seed: int,
    timezone: str,
    traffic: TrafficConfig = DEMO_TRAFFIC,
    environment: EnvironmentConfig = DEMO_ENVIRONMENT,
    camera_merchants: Collection[str] = (),
) -> SimContext:
    """The simulation's context; an unknown time zone is an ``InputError``."""
    try:
        return SimContext(seed=rng_seed, tz=ZoneInfo(timezone), traffic=traffic, environment=environment,
                          camera_merchants=frozenset(camera_merchants))
    except (KeyError, ValueError):
        raise InputError(f"simulator: unknown time zone {timezone!r} (e.g. Asia/Shanghai)") from None


def _advance_all(
    store: Store, ctx: SimContext, now: datetime, earliest: datetime, summary: SeedSummary,
    earliest_of: dict[ModuleType, datetime] | None = None,
) -> None:
    """Bring every domain from its newest stored row (or ``earliest``, or its own in ``earliest_of``)
    up to ``now``, one transaction each."""
    for domain in DOMAINS:
        with store.session() as session:
            newest = domain.watermark(session, ctx)
            first = (earliest_of or {}).get(domain, earliest)
            after = max(newest, first) if newest is not None else first
            if after < now:
                summary.add(domain.advance(session, ctx, after, now))


def seed(
    store: Store,
    now: datetime,
    history_days: int = 30,
    rng_seed: int = 7,
    *,
    timezone: str = "Asia/Shanghai",
    traffic: TrafficConfig = DEMO_TRAFFIC,
    environment: EnvironmentConfig = DEMO_ENVIRONMENT,
    camera_merchants: Collection[str] = (),
    commerce_history_days: int | None = None,
    commerce_first_days: int | None = None,
) -> SeedSummary:
    """Fill every simulated table with ``history_days`` of history ending at ``now``, the shops'
    footfall and sales with ``commerce_history_days`` (default: the same; a year gives the analytics
    page its comparison with last year) in whole local days, from the first day's midnight.

    Idempotent: on a seeded store it adds only what is missing between the newest stored rows and
    ``now``. ``timezone`` is the site's: it decides days, rush hours, opening hours and shifts;
    ``traffic`` and ``environment`` are the site's registered roads and stations (default: the demo's);
    ``camera_merchants`` the merchants whose footfall a camera counts, left to it. With
    ``commerce_first_days``, a store without shop history gets only that many days of it (the rest
    is ``load_shop_history``'s, in the background); one with some is brought up to ``now`` as usual.
    """
    if now.tzinfo is None:
        raise InputError(f"simulator: now={now!r} has no time zone; pass an aware UTC time")
    for name, value in (("history_days", history_days), ("commerce_history_days", commerce_history_days),
                        ("commerce_first_days", commerce_first_days)):
        if value is not None and value < 0:
            raise InputError(f"simulator: {name}={value} must be 0 or more")
    ctx = make_context(rng_seed, timezone, traffic, environment, camera_merchants)
    began = time.perf_counter()
    shop_days = history_days if commerce_history_days is None else commerce_history_days
    summary = SeedSummary(start=now - timedelta(days=max(history_days, shop_days)), end=now)
    with store.session() as session:
        for domain in DOMAINS:
            summary.add(domain.install(session, ctx, now))
        if commerce_first_days is not None and commerce.watermark(session, ctx) is None:
            shop_days = min(shop_days, commerce_first_days)
    shops = commerce.day_window(commerce.first_day(now, ctx.tz, shop_days), ctx.tz)[0]
    _advance_all(store, ctx, now, now - timedelta(days=history_days), summary, {commerce: shops})
    summary.seconds = time.perf_counter() - began
    return summary


def load_shop_history(
    store: Store,
    now: datetime,
    days: int,
    rng_seed: int = 7,
    *,
    timezone: str = "Asia/Shanghai",
    camera_merchants: Collection[str] = (),
    stop_event: threading.Event | None = None,
    say: Callable[[str], None] = log.info,
    every_s: float = 10.0,
) -> SeedSummary:
    """Extend the shops' footfall and sales back to ``days`` days before ``now`` (whole local days),
    one local day per transaction, newest first, saying how far it got every ``every_s`` seconds.

    The store then always holds every minute from its oldest stored day on (``commerce.ShopHistory``),
    so a run stopped by ``stop_event`` (or a crash) goes on from that day when called again, and
    nothing is written twice (the footfall's key, ``insert_new`` for sales).
    """
    ctx = make_context(rng_seed, timezone, camera_merchants=camera_merchants)
    stop = stop_event or threading.Event()
    began = last_said = time.perf_counter()
    summary = SeedSummary(end=now)
    with store.session() as session:
        commerce.install(session, ctx, now)
        state = commerce.shop_history(session, now, ctx.tz, days, camera_merchants)
        cursor = commerce.oldest_minute(session) or now
    today = now.astimezone(ctx.tz).date()
    day = (cursor - commerce.MINUTE).astimezone(ctx.tz).date()  # the rest of the oldest day, then the days before
    total, chunks = state.days_total(today), 0
    if state.complete or day < state.first_day:
        return summary
    left = total if state.loaded_from is None else (state.loaded_from - state.first_day).days
    say(f"simulator: loading {left} more days of the shops' history in the background, back to {state.first_day} "
        "(the analytics page says so until it is done)")
    while day >= state.first_day and not stop.is_set():
        after, _ = commerce.day_window(day, ctx.tz)
        with store.session() as session:
            summary.add(commerce.advance(session, ctx, after, cursor))
        cursor, day = commerce.day_start(day, ctx.tz), day - timedelta(days=1)
        stop.wait(HISTORY_PAUSE_S)  # a SQLite writer waiting for the lock would otherwise find it taken again
        summary.start, summary.seconds, chunks = cursor, time.perf_counter() - began, chunks + 1
        remaining = (day - state.first_day).days + 1
        if remaining > 0 and time.perf_counter() - last_said >= every_s:
            last_said = time.perf_counter()
            eta = summary.seconds / chunks * remaining
            say(f"simulator: shop history loaded back to {day + timedelta(days=1)} ({total - remaining} of {total} "
                f"days, {summary.rows.get('footfall', 0):,} rows in {summary.seconds:.0f} s, about {eta:.0f} s left)")
    if day < state.first_day:
        say(f"simulator: shop history complete: {total} days back to {state.first_day} "
            f"({summary.rows.get('footfall', 0):,} rows in {summary.seconds:.0f} s)")
    return summary


class LiveSimulator:
    """Advances every simulated domain to the present: new footfall minutes, parking counts, traffic
    and environment readings, fire state changes with their signals, guards' shift changes."""

    def __init__(
        self,
        store: Store,
        rng_seed: int = 7,
        *,
        timezone: str = "Asia/Shanghai",
        traffic: TrafficConfig = DEMO_TRAFFIC,
        environment: EnvironmentConfig = DEMO_ENVIRONMENT,
        camera_merchants: Collection[str] = (),
    ) -> None:
        self.store = store
        self.ctx = make_context(rng_seed, timezone, traffic, environment, camera_merchants)
        self._installed = False

    def tick(self, now: datetime) -> None:
        """Write what happened since the newest stored rows (at most a day back), up to ``now``.

        Cheap when called every few seconds: usually a few rows and one query per domain.
        """
        if not self._installed:
            with self.store.session() as session:
                for domain in DOMAINS:
                    domain.install(session, self.ctx, now)
            self._installed = True
        _advance_all(self.store, self.ctx, now, now - timedelta(days=1), SeedSummary())


def run_forever(
    store: Store,
    interval_s: float = 5.0,
    stop_event: threading.Event | None = None,
    *,
    timezone: str = "Asia/Shanghai",
    traffic: TrafficConfig = DEMO_TRAFFIC,
    environment: EnvironmentConfig = DEMO_ENVIRONMENT,
    camera_merchants: Collection[str] = (),
) -> None:
    """Tick a ``LiveSimulator`` every ``interval_s`` seconds until ``stop_event`` is set.

    A failing tick (the store briefly unreachable) is logged and retried at the next interval.
    """
    stop = stop_event or threading.Event()
    simulator = LiveSimulator(store, timezone=timezone, traffic=traffic, environment=environment,
                              camera_merchants=camera_merchants)
    while not stop.is_set():
        try:
            simulator.tick(utcnow())
        except Exception:  # keep the demo alive: the next tick fills the gap
            log.exception("simulator tick failed; retrying in %.0f s", interval_s)
        stop.wait(interval_s)
