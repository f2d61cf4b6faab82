"""Benchmark: the operator's callback latency on the real wall, with no login flood and under one.

    python -m bench.login_flood [--guessers 16] [--seconds 20] [--store URL]

Serves the real app (``layouts.app.create_app``) on a store seeded by the simulator and signs in as
the duty room's wall account (an operator). It then posts the wall's security-panel refresh (a real
Dash callback, built from the app's ``/_dash-dependencies``) back to back for ``--seconds`` and
times each answer; then the same again while ``--guessers`` threads in another process post wrong
passwords to ``/login`` as fast as the server answers them (made-up user names and the operator's
own). It prints the operator's p50 and p95 in both phases, their ratio, and how the guesses were
answered (401 checked and wrong, 429 throttled, 503 every password check busy).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from ops_center.simulator import seed
from ops_center.store.db import open_store
from ops_center.store.types import utcnow
from tests.wall_harness import (
    WALL_USER,
    WallServer,
    callback_body,
    callback_outputs,
    http_login,
    login_form_token,
    site_config,
)

CALLBACK = "panel-security"  # the wall's security module, refreshed every second


def _latencies(client: requests.Session, url: str, body: dict, seconds: float) -> list[float]:
    """Post the callback back to back for ``seconds``; the answer times in milliseconds."""
    times, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        reply = client.post(f"{url}/_dash-update-component", json=body)
        times.append((time.perf_counter() - start) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"the operator's callback failed: HTTP {reply.status_code}")
    return times


def _guess(url: str, guessers: int, stop: threading.Event, answers: Counter) -> None:
    """``guessers`` threads posting wrong passwords until ``stop`` is set."""

    def one(n: int) -> None:
        with requests.Session() as client:
            token = login_form_token(client.get(f"{url}/login").text)  # as a browser, or a script, gets it
            i = 0
            while not stop.is_set():
                user = WALL_USER[0] if i % 4 == 0 else f"guess{n}-{i}"
                guess = {"username": user, "password": f"wrong {i}", "csrf_token": token}
                try:
                    reply = client.post(f"{url}/login", data=guess, allow_redirects=False, timeout=30)
                    answers[reply.status_code] += 1
                except requests.RequestException:
                    answers["error"] += 1
                i += 1

    threads = [threading.Thread(target=one, args=(n,)) for n in range(guessers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _flood(url: str, guessers: int, seconds: float, queue: multiprocessing.Queue) -> None:
    """In a child process (its own interpreter lock, like a real attacker): guess for ``seconds``."""
    stop, answers = threading.Event(), Counter[int | str]()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    _guess(url, guessers, stop, answers)
    queue.put(dict(answers))


def _p(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100)[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guessers", type=int, default=16, help="parallel password guessers (default 16)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase (default 20)")
    parser.add_argument("--store", help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(args.store or f"sqlite:///{Path(tmp) / 'ops.db'}")
        seed(store, utcnow(), history_days=1, rng_seed=7)
        server = WallServer(site_config("en"), store).start()
        try:
            operator = http_login(server.url, *WALL_USER)
            deps = operator.get(f"{server.url}/_dash-dependencies").json()
            dep = next(d for d in deps if callback_outputs(d["output"])[0]["id"] == CALLBACK)
            body = callback_body(dep)
            _latencies(operator, server.url, body, 2)  # warm up
            quiet = _latencies(operator, server.url, body, args.seconds)
            spawn = multiprocessing.get_context("spawn")
            answers: multiprocessing.Queue = spawn.Queue()
            flood = spawn.Process(
                target=_flood, args=(server.url, args.guessers, args.seconds + 2, answers))
            flood.start()
            time.sleep(1)  # let the flood start before timing
            flooded = _latencies(operator, server.url, body, args.seconds)
            flood.join()
            guesses = answers.get(timeout=30)
        finally:
            server.stop()
            store.dispose()
    for label, times in ((f"operator callback ({CALLBACK}), no flood", quiet),
                         (f"operator callback, {args.guessers} guessers", flooded)):
        print(f"{label:45} p50 {_p(times, 50):7.1f} ms  p95 {_p(times, 95):7.1f} ms  ({len(times)} calls)")
    print(f"{'ratio flood / no flood':45} p50 {_p(flooded, 50) / _p(quiet, 50):7.2f}     "
          f"p95 {_p(flooded, 95) / _p(quiet, 95):7.2f}")
    print("guesses answered: " + ", ".join(f"{code}: {n}" for code, n in sorted(guesses.items(), key=str)))


if __name__ == "__main__":
    main()
