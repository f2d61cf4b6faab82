"""The site's background services: camera workers, the escalation check and (demo) the simulator.

Started by ``run_dashboard.py`` beside the web server, or alone by ``ops-center services`` on a
site where the dashboard runs under gunicorn with several workers (background jobs must run once
per site, not once per web worker).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from detectors.supervisor import Supervisor
from ops_center.config import SiteConfig
from ops_center.escalation import run_escalation_loop
from ops_center.simulator import load_shop_history, run_forever, seed
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.types import utcnow
from ops_cli.options import add_config_options, site_config, worker_options

log = logging.getLogger(__name__)

ESCALATION_INTERVAL_S = 2.0
SIMULATOR_INTERVAL_S = 5.0
FIRST_SHOP_DAYS = 7  # written before serving: today and the week back the wall's commerce module compares it with
HISTORY_RETRY_S = 30.0


@dataclass
class Background:
    """Handles to the running background services."""

    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    supervisor: Supervisor | None = None

    def spawn(self, name: str, target: Callable[[], None]) -> None:
        """Run ``target`` in a daemon thread that ends when ``stop_event`` is set."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the workers (flushing what they hold) and the service threads."""
        self.stop_event.set()
        if self.supervisor is not None:
            self.supervisor.stop(timeout_s)
        for thread in self.threads:
            thread.join(timeout_s)


def start_background(
    config: SiteConfig,
    config_path: Path | None,
    store: Store,
    *,
    workers: bool = True,
    worker_options: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    say: Callable[[str], None] | None = None,
) -> Background:
    """Sync the cameras, seed the simulator (when enabled), then start every background service.

    The camera workers load ``config_path`` with the same ``worker_options`` (``--db``, ``--data-dir``)
    and environment, so they get the ``config`` this process has.
    """
    say = say or _say
    with store.session() as session:
        writes.sync_cameras(session, config.cameras)
    bg = Background()
    if config.simulator.enabled:
        _start_simulator(config, store, bg, say)
    bg.spawn(
        "escalation",
        lambda: run_escalation_loop(store, config.alarms, ESCALATION_INTERVAL_S, bg.stop_event),
    )
    if workers and config.cameras:
        bg.supervisor = Supervisor(config_path, env, worker_options)
        bg.supervisor.start()
        say(f"camera workers: {', '.join(c.id for c in config.cameras if c.enabled)}")
    return bg


def _say(text: str) -> None:
    print(text, flush=True)  # a line as it happens, also into a pipe or a log file


def _start_simulator(config: SiteConfig, store: Store, bg: Background, say: Callable[[str], None]) -> None:
    """Seed what the wall needs now (the recent days), then keep the simulation moving and, in the
    background, load the rest of the shops' history (resuming where a previous run stopped)."""
    sim, site = config.simulator, config.site
    first = min(FIRST_SHOP_DAYS, sim.commerce_history_days)
    say(f"simulator: writing {sim.history_days} days of fire, parking, guard and traffic history and the shops' "
        f"last {first} days (the other {sim.commerce_history_days - first} follow in the background)...")
    summary = seed(store, utcnow(), sim.history_days, timezone=site.timezone, traffic=config.traffic,
                   environment=config.environment, camera_merchants=config.camera_merchants,
                   commerce_history_days=sim.commerce_history_days, commerce_first_days=first)
    say(f"simulator: {summary.total} rows in {summary.seconds:.1f} s")
    bg.spawn("simulator", lambda: run_forever(store, SIMULATOR_INTERVAL_S, bg.stop_event, timezone=site.timezone,
                                              traffic=config.traffic, environment=config.environment,
                                              camera_merchants=config.camera_merchants))

    def load_history() -> None:
        while not bg.stop_event.is_set():
            try:
                load_shop_history(store, utcnow(), sim.commerce_history_days, timezone=site.timezone,
                                  camera_merchants=config.camera_merchants, stop_event=bg.stop_event, say=say)
                return
            except Exception:  # the store briefly unreachable: what is stored stays, the next try goes on from it
                log.exception("simulator: loading the shops' history failed; retrying in %.0f s", HISTORY_RETRY_S)
                bg.stop_event.wait(HISTORY_RETRY_S)

    bg.spawn("shop-history", load_history)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ops-center services --config FILE``: the background services without the web server."""
    parser = sub.add_parser("services", help="run camera workers, escalation and the simulator (no web server)")
    add_config_options(parser)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    config = site_config(args)
    store = open_store(config.store_url)
    bg = start_background(config, args.config, store, worker_options=worker_options(args))
    signal.signal(signal.SIGTERM, lambda *_: bg.stop_event.set())
    try:
        bg.stop_event.wait()
    finally:
        bg.stop()
        store.dispose()
    return 0
