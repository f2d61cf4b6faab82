"""Benchmark: seeding the demo store with 30 days of simulated history.

    python -m bench.simulator_seed [--days N] [--url sqlite:///path | postgresql://...]

Prints, in the same run: the time to generate the rows alone (the pure generators, no store) as the
baseline, then the full ``seed`` into a fresh store, the rows per table, and a live tick's time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from ops_center.simulator import LiveSimulator, seed
from ops_center.simulator.runner import DOMAINS, make_context
from ops_center.store.db import open_store
from ops_center.store.types import utcnow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    parser.add_argument("--url", help="store URL (default: a fresh SQLite file in a temporary folder)")
    args = parser.parse_args()
    now = utcnow()
    ctx = make_context(7, "Asia/Shanghai")
    start = now - timedelta(days=args.days)

    began = time.perf_counter()
    generated = 0
    for domain in DOMAINS:
        for name in ("footfall_rows", "count_rows", "reading_rows", "signal_rows"):
            if hasattr(domain, name):
                generated += len(getattr(domain, name)(ctx, start, now))
    generate_s = time.perf_counter() - began
    print(f"generate only (baseline): {generated} rows in {generate_s:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(args.url or f"sqlite:///{Path(tmp) / 'ops.db'}")
        summary = seed(store, now, history_days=args.days)
        print(f"seed {args.days} days: {summary.total} rows in {summary.seconds:.2f} s "
              f"({summary.seconds / generate_s:.1f}x the generation alone)")
        for table, n in sorted(summary.rows.items()):
            print(f"  {table:22s} {n:>8d}")
        live = LiveSimulator(store)
        live.tick(now + timedelta(seconds=5))  # installs nothing new, warms the caches
        began = time.perf_counter()
        live.tick(now + timedelta(seconds=10))
        print(f"one live tick: {1000 * (time.perf_counter() - began):.1f} ms")
        store.dispose()


if __name__ == "__main__":
    main()
