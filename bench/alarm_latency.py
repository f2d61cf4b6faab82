"""Benchmark: from an alarm row committed to the store to the popup visible on the wall.

    python -m bench.alarm_latency [--alarms N] [--store URL]

Serves the real app (``layouts.app.create_app``) on a store seeded by the simulator, opens the
wall in Debian's Chromium, then stores N alarms one at a time (each with a real JPEG snapshot, as a
worker does) and acknowledges each before the next. The browser stamps the moment the popup for
that alarm opens (a MutationObserver, wall-clock milliseconds on the same host), so the figure is
commit -> popup in the DOM, without the test driver's polling in it.

Baselines measured in the same run, on the same page:
- the round trip of one Dash callback request (the popup check the 500 ms interval fires, and the
  panel refreshes), from the browser's resource timings: the cost of one poll;
- the polling floor: half the check interval on average plus one round trip, what a polling design
  cannot beat;
- an ordinary data update: a guard's status changed in the store until the guards module shows it
  (the 1 s panel refresh).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select, update

from layouts.popup import ALARM_CHECK_MS
from ops_center.simulator import seed
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Guard
from ops_center.store.types import utcnow
from tests.wall_harness import WallServer, launch_chromium, open_wall, site_config, store_alarm

SHARED = Path(os.environ.get("OPS_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
SNAPSHOT = SHARED / "media" / "fixture_towncentre_frame_640x360.jpg"

WATCH_POPUP = """() => {
  window.popupSeen = {};
  new MutationObserver(() => {
    const body = document.querySelector('#alarm-popup.popup--open [data-alarm-id]');
    if (body && !(body.dataset.alarmId in window.popupSeen)) {
      window.popupSeen[body.dataset.alarmId] = performance.timeOrigin + performance.now();
    }
  }).observe(document.getElementById('alarm-popup'), {subtree: true, childList: true, attributes: true});
}"""
WATCH_ELEMENT = """(selector) => new Promise(resolve => {
  const seen = () => document.querySelector(selector) !== null;
  if (seen()) { resolve(performance.timeOrigin + performance.now()); return; }
  const obs = new MutationObserver(() => {
    if (seen()) { obs.disconnect(); resolve(performance.timeOrigin + performance.now()); }
  });
  obs.observe(document.body, {subtree: true, childList: true, attributes: true});
})"""
POLL_TIMINGS = """() => performance.getEntriesByType('resource')
  .filter(e => e.name.includes('_dash-update-component')).map(e => e.duration)"""


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, interpolated."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def alarm_latencies(page: Page, store: Store, n: int, jpeg: bytes) -> list[float]:
    """Milliseconds from commit to popup for ``n`` alarms, each acknowledged before the next."""
    page.evaluate(WATCH_POPUP)
    out = []
    for i in range(n):
        time.sleep(random.uniform(0, ALARM_CHECK_MS / 1000))  # sample every phase of the poll
        alarm_id, _ = store_alarm(store, i, jpeg, (640, 360))
        committed_ms = time.time() * 1000
        page.wait_for_function(f"() => '{alarm_id}' in window.popupSeen", timeout=15_000)
        out.append(page.evaluate(f"() => window.popupSeen['{alarm_id}']") - committed_ms)
        page.click("#ack-button")
        page.wait_for_selector("#alarm-popup:not(.popup--open)", state="attached", timeout=10_000)
        page.wait_for_function("() => document.getElementById('alarm-sound').paused")
    return out


def data_update_latencies(page: Page, store: Store, n: int) -> list[float]:
    """Milliseconds from a guard's status change committed to the guards module showing it.

    The guard alternates between dispatched and on scene, so he stays at the top of the list."""
    with store.session() as session:
        guard_id = session.scalar(select(Guard.id).order_by(Guard.name).limit(1))
    out = []
    for i in range(n):
        status = "dispatched" if i % 2 == 0 else "on_scene"
        time.sleep(random.uniform(0, 1.0))  # sample every phase of the refresh
        with store.session() as session:
            session.execute(update(Guard).where(Guard.id == guard_id).values(status=status, updated_at=utcnow()))
        committed_ms = time.time() * 1000
        seen = page.evaluate(WATCH_ELEMENT, f'#panel-guards [data-guard-id="{guard_id}"][data-status="{status}"]')
        out.append(seen - committed_ms)
    return out


def describe(name: str, values: list[float]) -> str:
    """One line: p50, p95 and max of ``values`` (ms)."""
    return (f"{name:<44} n={len(values):>3}  p50 {percentile(values, 0.5):7.0f} ms"
            f"  p95 {percentile(values, 0.95):7.0f} ms  max {max(values):7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alarms", type=int, default=20, help="alarms to measure (at least 20)")
    parser.add_argument("--store", help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    if args.alarms < 1:
        parser.error("--alarms must be 1 or more")
    jpeg = SNAPSHOT.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(args.store or f"sqlite:///{Path(tmp) / 'ops.db'}")
        seed(store, utcnow(), history_days=1, rng_seed=7)
        config = site_config()
        with store.session() as session:
            writes.sync_cameras(session, config.cameras)
        server = WallServer(config, store).start()
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                page = open_wall(browser, server.url)
                page.wait_for_timeout(2000)  # let the first refreshes settle
                popup = alarm_latencies(page, store, args.alarms, jpeg)
                polls = page.evaluate(POLL_TIMINGS)
                updates = data_update_latencies(page, store, max(10, args.alarms // 2))
                browser.close()
        finally:
            server.stop()
            store.dispose()
    rtt = percentile(polls, 0.5)
    floor = ALARM_CHECK_MS / 2 + rtt
    print(f"store: {'SQLite file' if not args.store else args.store.split(':', 1)[0]}; popup check every {ALARM_CHECK_MS} ms")
    print(describe("alarm committed -> popup visible", popup))
    print(describe("baseline: one Dash callback round trip", polls))
    print(f"{'baseline: polling floor (interval/2 + round trip)':<44}        mean {floor:7.0f} ms")
    print(describe("baseline: data update -> guards module", updates))
    print(f"ratio popup p50 / polling floor: {percentile(popup, 0.5) / floor:.2f}; "
          f"popup p95 {percentile(popup, 0.95) / 1000:.2f} s against the 2 s target")


if __name__ == "__main__":
    main()
