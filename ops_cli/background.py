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
from ops_center.simulator import run_forever, seed
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.types import utcnow
from ops_cli.options import add_config_options, site_config, worker_options

log = logging.getLogger(__name__)

ESCALATION_INTERVAL_S = 2.0
SIMULATOR_INTERVAL_S = 5.0


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
    say: Callable[[str], None] = print,
) -> Background:
    """Sync the cameras, seed the simulator (when enabled), then start every background service.

    The camera workers load ``config_path`` with the same ``worker_options`` (``--db``, ``--data-dir``)
    and environment, so they get the ``config`` this process has.
    """
    with store.session() as session:
        writes.sync_cameras(session, config.cameras)
    bg = Background()
    if config.simulator.enabled:
        sim = config.simulator
        say(f"simulator: writing {sim.history_days} days of fire, parking, guard and traffic history and "
            f"{sim.commerce_history_days} days of the shops' footfall and sales (once, into a fresh store)...")
        summary = seed(store, utcnow(), sim.history_days, timezone=config.site.timezone,
                       traffic=config.traffic, environment=config.environment,
                       camera_merchants=config.camera_merchants, commerce_history_days=sim.commerce_history_days)
        say(f"simulator: {summary.total} rows in {summary.seconds:.1f} s")
        bg.spawn(
            "simulator",
            lambda: run_forever(store, SIMULATOR_INTERVAL_S, bg.stop_event, timezone=config.site.timezone,
                                traffic=config.traffic, environment=config.environment,
                                camera_merchants=config.camera_merchants),
        )
    bg.spawn(
        "escalation",
        lambda: run_escalation_loop(store, config.alarms, ESCALATION_INTERVAL_S, bg.stop_event),
    )
    if workers and config.cameras:
        bg.supervisor = Supervisor(config_path, env, worker_options)
        bg.supervisor.start()
        say(f"camera workers: {', '.join(c.id for c in config.cameras if c.enabled)}")
    return bg


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
