"""Benchmark: sensor ingestion through the HTTP API, 8 concurrent writers, SQLite and PostgreSQL.

    python -m bench.ingest_throughput [--items N] [--batch N] [--writers N] [--stores sqlite,postgresql]
                                      [--postgres ADMIN_URL] [--year-readings N]

The dashboard runs as in production (``gunicorn -w 4 'run_dashboard:wsgi()'``, the README's Scale
section) over a fresh store; each feed's batches are posted by concurrent writers with a sensor
token (after two untimed batches per writer of other items, which warm the web workers up), and
every answer must be 200 with every item stored. Baseline in the same run: a raw
``executemany`` of the same rows by the same number of writers, in batches of the same size, into
another fresh store. Then the resend check at scale: traffic and environment into a store holding a
year of readings of the same roads and station, against another fresh store, in turn slice by slice
(both servers up at once), so that the machine's changing load weighs on both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import DeclarativeBase

from ops_center.auth import create_token
from ops_center.simulator import seed
from ops_center.simulator.commerce import MERCHANTS
from ops_center.simulator.parking import LOTS
from ops_center.store.db import Store, open_store
from ops_center.store.models import EnvironmentReading, Footfall, ParkingCount, TrafficReading

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROADS = [f"Bench road {i}" for i in range(3)]
STATIONS = {f"Bench station {i}": ("temperature", "humidity", "pm25", "lake_level") for i in range(1)}
METRICS = {"temperature": ("°C", -40, 60), "humidity": ("%", 0, 100), "pm25": ("µg/m³", 0, 1000),
           "lake_level": ("m", 0, 10)}
FEEDS: dict[str, type[DeclarativeBase]] = {
    "footfall": Footfall, "parking/counts": ParkingCount, "traffic": TrafficReading, "environment": EnvironmentReading,
}
TARGETS = {"sqlite": 5_000, "postgresql": 10_000}  # items/s through the HTTP API with 8 writers (issue 11)
START = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)  # every item lies after it


@dataclass(frozen=True)
class Load:
    """One feed's load: per writer, its batches as the JSON bodies the API gets and the rows they store."""

    feed: str
    bodies: list[list[bytes]]
    rows: list[list[list[dict[str, Any]]]]

    @property
    def items(self) -> int:
        return sum(len(batch) for writer in self.rows for batch in writer)


def _item(feed: str, k: int, writer: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``k``-th item of a feed (unique key) as posted, and the row it stores."""
    at = START + timedelta(seconds=k)
    if feed == "footfall":
        merchant = MERCHANTS[k % len(MERCHANTS)].id
        minute = START + timedelta(minutes=k // len(MERCHANTS))
        row = {"merchant_id": merchant, "minute": minute, "count_in": k % 7, "count_out": k % 5,
               "source": f"bench-{writer}"}
        return {**row, "minute": minute.isoformat()}, row
    if feed == "parking/counts":
        lot = LOTS[k % len(LOTS)].id
        row = {"lot_id": lot, "at": at, "occupied": 10, "capacity": 40, "source": f"bench-{writer}"}
        counts = {"occupied": 10, "capacity": 40} if k % 10 == 0 else {"in": k % 3, "out": k % 2}
        return {"lot_id": lot, "at": at.isoformat(), "source": row["source"], **counts}, row
    if feed == "traffic":
        row = {"road": ROADS[k % len(ROADS)], "at": at, "congestion": k % 5, "speed_kmh": 20.0 + k % 40}
        return {**row, "at": at.isoformat()}, row
    station = list(STATIONS)[k % len(STATIONS)]
    metric = list(METRICS)[k // len(STATIONS) % len(METRICS)]
    row = {"station": station, "metric": metric, "value": 1.0 + k % 9, "unit": METRICS[metric][0], "at": at}
    return {**row, "at": at.isoformat()}, row


def make_load(feed: str, writers: int, items: int, batch: int, first: int = 0) -> Load:
    """``items`` items of ``feed`` (the ``first``-th on) in batches of ``batch``, dealt round-robin to ``writers``."""
    bodies: list[list[bytes]] = [[] for _ in range(writers)]
    rows: list[list[list[dict[str, Any]]]] = [[] for _ in range(writers)]
    for number, start in enumerate(range(first, first + items, batch)):
        writer = number % writers
        pairs = [_item(feed, k, writer) for k in range(start, min(first + items, start + batch))]
        bodies[writer].append(json.dumps({"items": [p for p, _ in pairs]}).encode())
        rows[writer].append([r for _, r in pairs])
    return Load(feed, bodies, rows)


def concurrently(work: list[Callable[[], None]]) -> float:
    """Run each callable in its own thread, all at once; seconds until the last one ends."""
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in work]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - began


def through_api(url: str, token: str, load: Load) -> float:
    """Items/s of the load posted by one writer per thread; every item must be stored."""

    def writer(bodies: list[bytes]) -> Callable[[], None]:
        def post_all() -> None:
            with requests.Session() as http:
                http.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                for body in bodies:
                    answer = http.post(f"{url}/api/v1/{load.feed}", data=body, timeout=120)
                    if answer.status_code != 200 or answer.json()["skipped"]:
                        raise RuntimeError(f"{load.feed}: {answer.status_code} {answer.text[:200]}")
        return post_all

    return load.items / concurrently([writer(bodies) for bodies in load.bodies])


def in_turn(load: Load, servers: list[tuple[str, str]], rounds: int) -> list[float]:
    """Items/s of the same load posted to each server (URL, token), in ``rounds`` slices taken in
    turn (each slice to every server, the first server first in even rounds, last in odd ones), so a
    change in the machine's load weighs on every server alike."""
    seconds = [0.0] * len(servers)
    for number in range(rounds):
        part = Load(load.feed, [bodies[number::rounds] for bodies in load.bodies],
                    [batches[number::rounds] for batches in load.rows])
        order = list(range(len(servers)))
        for index in order if number % 2 == 0 else order[::-1]:
            url, token = servers[index]
            seconds[index] += part.items / through_api(url, token, part)
    return [load.items / spent for spent in seconds]


def raw_executemany(store: Store, load: Load) -> float:
    """Items/s of the same rows by the same writers: one plain ``executemany`` and commit per batch."""
    model = FEEDS[load.feed]

    def writer(batches: list[list[dict[str, Any]]]) -> Callable[[], None]:
        def insert_all() -> None:
            for rows in batches:
                with store.engine.begin() as conn:
                    conn.execute(insert(model), rows)
        return insert_all

    return load.items / concurrently([writer(batches) for batches in load.rows])


def year_of_readings(store: Store, readings: int) -> int:
    """Fill the store with a year of readings of the bench roads (every 5 minutes) and station
    metrics (every 10 minutes) before ``START``, up to ``readings`` rows of each; return the rows."""
    written = 0
    for model, every, keys in (
        (TrafficReading, timedelta(minutes=5), [{"road": r} for r in ROADS]),
        (EnvironmentReading, timedelta(minutes=10), [{"station": s, "metric": m, "unit": METRICS[m][0]}
                                                     for s, metrics in STATIONS.items() for m in metrics]),
    ):
        steps = min(int(timedelta(days=365) / every), readings // len(keys))
        rows = []
        for step in range(1, steps + 1):
            for key in keys:
                values = {"congestion": 1, "speed_kmh": 40.0} if model is TrafficReading else {"value": 20.0}
                rows.append({**key, **values, "at": START - step * every})
        with store.engine.begin() as conn:
            for start in range(0, len(rows), 20_000):
                conn.execute(insert(model), rows[start:start + 20_000])
        written += len(rows)
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return written


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_store(kind: str, folder: Path, admin_url: str) -> Iterator[Store]:
    """A new, empty store: a SQLite file in ``folder`` or a new PostgreSQL database (dropped after)."""
    if kind == "sqlite":
        store = open_store(f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}")
        try:
            yield store
        finally:
            store.dispose()
        return
    name = f"bench_ingest_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield store
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def dashboard(store: Store, folder: Path, workers: int) -> Iterator[tuple[str, str]]:
    """The dashboard under gunicorn over ``store`` (its site registers the bench's roads and
    station), with a sensor token: yields (base URL, token)."""
    seed(store, START, history_days=0)  # lots and merchants, as a site registers them
    with store.session() as session:
        _, token = create_token(session, f"bench-{uuid.uuid4().hex[:6]}", "sensor")
    site = {
        "site": {"name": "Ingest benchmark"},
        "store": {"url": store.engine.url.render_as_string(hide_password=False)},
        "data_dir": str(folder),
        "traffic": {"roads": ROADS},
        "environment": {"stations": [
            {"name": name, "metrics": {m: dict(zip(("unit", "min", "max"), METRICS[m], strict=True)) for m in metrics}}
            for name, metrics in STATIONS.items()
        ]},
    }
    config = folder / f"site-{uuid.uuid4().hex[:6]}.yaml"
    config.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "OPS_CONFIG": str(config), "OPS_SECRET_KEY": secrets.token_urlsafe(32),
           "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "run_dashboard:wsgi()"],
        cwd=ROOT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/api/v1/health", headers={"Authorization": f"Bearer {token}"}, timeout=5).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):  # still starting
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not come up")
            time.sleep(0.5)
        yield url, token
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40_000, help="items per feed (default 40000)")
    parser.add_argument("--batch", type=int, default=500, help="items per request (default 500, at most 1000)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers (default 8)")
    parser.add_argument("--gunicorn-workers", type=int, default=4, help="gunicorn -w (default 4, as the README)")
    parser.add_argument("--stores", default="sqlite,postgresql", help="which stores (default sqlite,postgresql)")
    parser.add_argument("--postgres", default=POSTGRES_ADMIN_URL, help="a PostgreSQL database URL to create the "
                        "bench databases from")
    parser.add_argument("--year-readings", type=int, default=1_000_000,
                        help="at most this many rows of a year of each reading kind (default: a full year)")
    parser.add_argument("--rounds", type=int, default=10, help="slices of the load posted in turn to the store "
                        "with a year of history and to a fresh one (default 10: with the defaults, one batch per "
                        "writer and slice)")
    args = parser.parse_args()
    loads = {feed: make_load(feed, args.writers, args.items, args.batch) for feed in FEEDS}
    # Two batches per writer of other items, posted first and not timed: every web worker has its
    # connections, prepared statements and imports before the clock runs, as a server in service has.
    warm = {feed: make_load(feed, args.writers, 2 * args.writers * args.batch, args.batch, first=args.items)
            for feed in FEEDS}
    print(f"{args.items} items per feed in batches of {args.batch}, {args.writers} writers, "
          f"gunicorn -w {args.gunicorn_workers}")
    print(f"{'store':10s} {'feed':15s} {'HTTP API items/s':>17s} {'raw executemany':>16s} {'ratio':>6s}  target")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in args.stores.split(","):
            fresh: dict[str, float] = {}
            with fresh_store(kind, folder, args.postgres) as api_store, dashboard(
                api_store, folder, args.gunicorn_workers
            ) as (url, token), fresh_store(kind, folder, args.postgres) as raw_store:
                seed(raw_store, START, history_days=0)
                for feed in FEEDS:
                    through_api(url, token, warm[feed])
                    raw_executemany(raw_store, warm[feed])
                for feed, load in loads.items():
                    fresh[feed] = through_api(url, token, load)
                    raw = raw_executemany(raw_store, load)
                    met = "met" if fresh[feed] >= TARGETS[kind] else "missed"
                    print(f"{kind:10s} {feed:15s} {fresh[feed]:17,.0f} {raw:16,.0f} {fresh[feed] / raw:6.2f}  "
                          f">= {TARGETS[kind]:,}: {met}")
            with fresh_store(kind, folder, args.postgres) as year_store, fresh_store(
                kind, folder, args.postgres
            ) as other_store:
                rows = year_of_readings(year_store, args.year_readings)
                with dashboard(year_store, folder, args.gunicorn_workers) as year, dashboard(
                    other_store, folder, args.gunicorn_workers
                ) as other:
                    for feed in ("traffic", "environment"):
                        in_turn(warm[feed], [year, other], 1)
                    for feed in ("traffic", "environment"):
                        year_rate, fresh_rate = in_turn(loads[feed], [year, other], args.rounds)
                        print(f"{kind:10s} {feed:15s} {year_rate:17,.0f} items/s over a year of history ({rows:,} "
                              f"readings stored), {fresh_rate:,.0f} into a fresh store in turn: "
                              f"{fresh_rate / year_rate:.2f}x the fresh store's time per item (target <= 1.5)")


if __name__ == "__main__":
    main()
