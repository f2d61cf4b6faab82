"""Benchmark: the analytics page's queries over a year of minute buckets for 50 merchants (26 M rows).

    python -m bench.analytics_queries [--small] [--stores sqlite,postgresql] [--postgres ADMIN_URL]
                                                  [--merchants N] [--days N] [--repeat N] [--store URL]

A fresh store (a SQLite file in a temporary folder; a new PostgreSQL database) gets ``--merchants``
merchants with a bucket for every minute of ``--days`` days up to now (``INSERT ... SELECT`` from a
recursive CTE or ``generate_series``, inside ``rollup.bulk_load``, which rebuilds the exact hourly
and daily roll-ups once at the end; then ``ANALYZE``; on PostgreSQL the roll-ups are clustered in
time order first, as a store filled over time has them, and ``VACUUM ANALYZE``), the commercial garage's counts every 5
minutes and daily sales.
``--store URL`` uses that store instead (and keeps it): generated into when it has no merchant yet,
measured as it is otherwise, with "now" just after its newest bucket. Then for every range the page
offers (today, yesterday, last 7 and 30 days, this month, a custom 90 days), each against the
previous period and the same period last year, every query the page makes runs ``--repeat`` times,
as the page makes them (the headline reuses the sales rows; the garage only for ranges drawn per
hour): the p95 of each (ms), of the whole page and of this process's CPU time over the page (on
SQLite that is the queries' own work, whatever the machine's load; on PostgreSQL only the client's),
and in the same run the baseline: the league's plain ``SUM(count_in) ... GROUP BY merchant_id`` over
the raw minute table for the range. Coverage
(gaps per counting source) is no panel of the page: it is timed beside it, outside the page's sum.
Pass: every page query's p95 under 300 ms. ``--small``: 10 merchants, 30 days.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from bench.ingest_throughput import POSTGRES_ADMIN_URL, fresh_store
from layouts.pages.analytics import HOURLY_MAX_DAYS
from ops_center.opening_hours import Week
from ops_center.queries import analytics
from ops_center.queries.periods import Comparison, Period, Preset, comparison, custom, preset
from ops_center.store import rollup
from ops_center.store.db import Store, open_store
from ops_center.store.models import Footfall, Merchant, MerchantSales, ParkingCount, ParkingLevel, ParkingLot
from ops_center.vocabulary import BusinessFormat

TZ = ZoneInfo("Asia/Shanghai")
LOT = "garage"
TARGET_MS = 300.0
QUERIES = ("sales", "headline", "league", "series", "heat", "garage", "profile")  # in the page's order
BESIDE = ("coverage",)  # timed, not on the page


def generate(store: Store, merchants: int, days: int, end: datetime) -> int:
    """Merchants, a bucket per merchant and minute over ``days`` days before ``end``, garage counts
    and daily sales; return the number of minute buckets."""
    start = end - timedelta(days=days)
    formats = list(BusinessFormat)
    with store.session() as s:
        s.execute(insert(Merchant), [
            {"id": f"m{n:03d}", "name": f"Shop {n}", "category": "bench", "business_format": formats[n % len(formats)],
             "area_m2": 50.0 + 10 * n, "hours": Week.every_day("10:00", "22:00"), "active": True}
            for n in range(merchants)
        ])
        s.execute(insert(ParkingLot), [{"id": LOT, "name": "Garage", "place": "", "map": {}}])
        s.execute(insert(ParkingLevel), [{"id": "g-b1", "lot_id": LOT, "name": "B1", "capacity": 400}])
        s.execute(insert(ParkingCount), [
            {"lot_id": LOT, "at": start + timedelta(minutes=5 * k), "occupied": (k * 7) % 400, "capacity": 400,
             "source": "gate"} for k in range(days * 288)
        ])
        first_day = start.astimezone(TZ).date()
        s.execute(insert(MerchantSales), [
            {"merchant_id": f"m{n:03d}", "day": first_day + timedelta(days=d), "transactions": 100 + n + d % 7,
             "revenue_cents": 100_000 + 37 * d, "updated_at": end} for n in range(merchants) for d in range(days)
        ])
    minutes = days * 1440
    with store.session() as s:
        _roomy(s)
        with rollup.bulk_load(s, start, end):
            s.execute(text(_BUCKETS[s.get_bind().dialect.name]), {"start": _bound(s, start), "n": minutes})
    postgres = store.engine.dialect.name == "postgresql"
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if postgres:  # the rebuild wrote the roll-ups' rows in its hash order, every period spread over
            # every page; a store filled as time passes has them in time order, as CLUSTER puts them
            conn.execute(text("CLUSTER footfall_hourly USING ix_footfall_hourly_hour"))
            conn.execute(text("CLUSTER footfall_daily USING ix_footfall_daily_day"))
        # planner statistics and, on PostgreSQL, the visibility map (index-only scans), as autovacuum
        # would gather them in time after the inserts
        conn.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))
    return minutes * merchants


_BUCKETS = {
    "sqlite": (
        "WITH RECURSIVE minutes(m) AS (SELECT 0 UNION ALL SELECT m + 1 FROM minutes WHERE m + 1 < :n) "
        "INSERT INTO footfall (merchant_id, minute, source, count_in, count_out) "
        "SELECT merchants.id, strftime('%Y-%m-%d %H:%M:%S.000000', :start + m * 60, 'unixepoch'), 'door', "
        "abs(random()) % 6, abs(random()) % 6 FROM minutes CROSS JOIN merchants"
    ),
    "postgresql": (
        "INSERT INTO footfall (merchant_id, minute, source, count_in, count_out) "
        "SELECT merchants.id, CAST(:start AS timestamptz) + make_interval(mins => g), 'door', "
        "floor(random() * 6)::int, floor(random() * 6)::int FROM generate_series(0, :n - 1) AS g CROSS JOIN merchants"
    ),
}


def _roomy(session: Session) -> None:
    """Memory for the load's sorts and the roll-ups' GROUP BY over every bucket (PostgreSQL's default
    4 MB spills 26 M rows to disk), for this transaction or connection only."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '512MB'"))
    else:
        session.execute(text("PRAGMA cache_size = -524288"))  # KiB: 512 MiB of pages


def _bound(session: Session, at: datetime) -> Any:
    return int(at.timestamp()) if session.get_bind().dialect.name == "sqlite" else at


def page_queries(period: Period, against: Period) -> dict[str, Callable[[Session], object]]:
    """What the page asks for one range and comparison, by name, in its order (and coverage)."""
    granularity: analytics.Granularity = "hour" if len(period.days) <= 2 else "day"
    sold: list[analytics.SalesRow] = []

    def sales(s: Session) -> object:
        sold[:] = analytics.sales(s, period)
        return analytics.sales_by_format(sold)

    queries: dict[str, Callable[[Session], object]] = {
        "sales": sales,
        "headline": lambda s: analytics.headline(s, period, against, sold),
        "league": lambda s: analytics.league_by_format(analytics.league(s, period, against)),
        "series": lambda s: analytics.series(s, period, granularity),
        "heat": lambda s: analytics.heat_map(s, period),
        "profile": lambda s: analytics.hourly_profile(s, period, "m001"),
        "coverage": lambda s: analytics.coverage(s, period),
    }
    if len(period.days) <= HOURLY_MAX_DAYS:  # the page draws the garage per hour, over short ranges only
        queries["garage"] = lambda s: analytics.garage_against_footfall(s, period, LOT)
    return queries


def baseline(session: Session, period: Period) -> None:
    """The league's core on the raw minute table: visitors per merchant over the range."""
    stmt = (select(Footfall.merchant_id, func.sum(Footfall.count_in))
            .where(Footfall.minute >= period.start, Footfall.minute < period.end).group_by(Footfall.merchant_id))
    session.execute(stmt).all()


def p95(values: list[float]) -> float:
    """The 95th percentile of ``values`` (ms)."""
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def _ms(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def ranges(now: datetime) -> list[tuple[str, Period]]:
    """Every range the page offers at ``now``, with the custom one 90 days long."""
    today = now.astimezone(TZ).date()
    named = [(p.value, preset(p, now, TZ)) for p in Preset]
    return [*named, ("custom_90_days", custom(today - timedelta(days=90), today - timedelta(days=1), TZ))]


def measure(store: Store, now: datetime, repeat: int) -> bool:
    """Print each range's p95 per query; return whether every page query stayed under the target."""
    print(f"{'range':<15} {'against':<16}" + "".join(f"{q:>9}" for q in QUERIES) + f"{'page':>9}{'page CPU':>9}"
          + f"{'raw GROUP BY':>14}"
          + "".join(f"{q:>10}" for q in BESIDE) + "  over the target")
    ok = True
    for name, period in ranges(now):
        for kind in Comparison:
            against = comparison(period, kind)
            queries = page_queries(period, against)
            times: dict[str, list[float]] = {q: [] for q in (*queries, "page", "cpu", "raw")}
            with store.session() as s:
                for _ in range(repeat):
                    page = cpu = 0.0
                    for q, run in queries.items():
                        began = time.process_time()
                        spent = _ms(partial(run, s))
                        times[q].append(spent)
                        if q in QUERIES:
                            page, cpu = page + spent, cpu + (time.process_time() - began) * 1000
                    times["cpu"].append(cpu)
                    times["page"].append(page)
                    times["raw"].append(_ms(partial(baseline, s, period)))
            over = [q for q in QUERIES if q in queries and p95(times[q]) >= TARGET_MS]
            ok &= not over
            print(f"{name:<15} {kind.value:<16}"
                  + "".join(f"{p95(times[q]):9.1f}" if q in queries else f"{'-':>9}" for q in QUERIES)
                  + f"{p95(times['page']):9.1f}{p95(times['cpu']):9.1f}{p95(times['raw']):14.1f}"
                  + "".join(f"{p95(times[q]):10.1f}" for q in BESIDE) + "  " + (" ".join(over) or "none"), flush=True)
    return ok


def newest(store: Store) -> datetime | None:
    """Just after the newest minute bucket of ``store`` (None when it has none)."""
    with store.session() as s:
        last = s.scalar(select(func.max(Footfall.minute)))
    return None if last is None else last + timedelta(minutes=1)


def _load(kind: str, store: Store, merchants: int, days: int, repeat: int) -> bool:
    """Generate the buckets into ``store`` unless it has them, then measure."""
    now = newest(store)
    if now is None:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        began = time.perf_counter()
        rows = generate(store, merchants, days, now)
        print(f"\n{kind}: {rows:,} minute buckets ({merchants} merchants x {days} days) generated, roll-ups "
              f"rebuilt, in {time.perf_counter() - began:.0f} s", flush=True)
    else:
        with store.session() as s:
            print(f"\n{kind}: the store's {s.scalar(select(func.count()).select_from(Footfall)):,} minute buckets "
                  f"up to {now:%Y-%m-%d %H:%M} UTC", flush=True)
    print(f"p95 ms over {repeat} runs, target {TARGET_MS:.0f} ms per query; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    ok = measure(store, now, repeat)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="10 merchants, 30 days")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=POSTGRES_ADMIN_URL, help="admin URL of the PostgreSQL server")
    parser.add_argument("--merchants", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--store", help="a store URL to use (and keep) instead of fresh ones")
    args = parser.parse_args()
    merchants, days = (10, 30) if args.small else (args.merchants, args.days)
    ok = True
    if args.store:
        store = open_store(args.store)
        try:
            ok = _load(store.engine.dialect.name, store, merchants, days, args.repeat)
        finally:
            store.dispose()
    for kind in [] if args.store else args.stores.split(","):
        with tempfile.TemporaryDirectory() as folder, fresh_store(kind, Path(folder), args.postgres) as store:
            ok &= _load(kind, store, merchants, days, args.repeat)
    verdict = "PASS: every page query's p95 under" if ok else "FAIL: some page query's p95 over"
    print(f"\n{verdict} {TARGET_MS:.0f} ms")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
