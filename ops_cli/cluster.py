"""``ops-center cluster``: run a site's cameras and its detector on a Ray cluster until SIGTERM or Ctrl-C.

Ray is imported only when the command runs (the ``cluster`` extra); every other command, and the
one-machine default (``ops-center services``, ``run_dashboard.py``), runs without it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from ops_center.errors import OpsError
from ops_center.store.db import open_store
from ops_cli.options import add_config_options, site_config, watched_site_file

log = logging.getLogger(__name__)

DESCRIPTION = (
    "Place the site's camera workers (Ray actors, restarted by Ray, on another node when theirs is gone) "
    "and its detector (a Ray Serve deployment, one replica per GPU) on a Ray cluster, and keep them "
    "running until SIGTERM or Ctrl-C; then each camera drains its outbox. Needs the cluster extra "
    "(pip install -e \".[cluster]\"), the site's data directory on a disk every node sees, and a store "
    "every node reaches (PostgreSQL)."
)
STATUS_PERIOD_S = 30.0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``cluster`` subcommand."""
    p = sub.add_parser("cluster", help="run the site's cameras and detector on a Ray cluster", description=DESCRIPTION)
    add_config_options(p)
    p.add_argument(
        "--address", metavar="ADDRESS", default=None,
        help="the Ray cluster to join: auto (the one this machine belongs to, started with `ray start`), "
             "HOST:PORT or ray://HOST:PORT; default: a one-machine Ray started for this command",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Place the site and watch it until SIGTERM or SIGINT, then stop every camera cleanly."""
    config = site_config(args)
    try:
        import ray

        from detectors.cluster import place_site
    except ImportError as exc:
        raise OpsError(f"ops-center cluster needs Ray ({exc.name} is missing): pip install -e \".[cluster]\"") from None
    config.data_dir.mkdir(parents=True, exist_ok=True)
    open_store(config.store_url).dispose()  # migrated once, here, before the cameras write to it
    try:
        ray.init(address=args.address or "local", log_to_driver=True)  # "local": a new one, never one found lying about
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise OpsError(f"--address {args.address}: cannot join the Ray cluster: {exc}") from None
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        site = place_site(config, site_file=watched_site_file(args))
        print(f"cluster: detector deployed; cameras placed: {', '.join(site.cameras) or 'none'}", flush=True)
        while not stop.wait(STATUS_PERIOD_S):
            for camera_id, where in site.where().items():
                log.info("camera %s: %s", camera_id, ", ".join(f"{key} {value}" for key, value in where.items()))
        site.stop()
    finally:
        ray.shutdown()
    return 0
