"""``ops-center worker``: run one live camera worker until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import signal

from detectors.worker import CameraWorker
from ops_cli.options import add_config_options, identifier, site_config, watched_site_file

DESCRIPTION = (
    "Run one live camera worker until SIGTERM or Ctrl-C; it then drains its outbox and reports itself stopped."
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``worker`` subcommand."""
    p = sub.add_parser("worker", help="run one camera's live worker until stopped", description=DESCRIPTION)
    p.add_argument("--camera", required=True, type=identifier, metavar="ID", help="the id of a camera in the site file")
    add_config_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the worker; SIGTERM and SIGINT stop it cleanly (outbox drained, "stopped" heartbeat). It takes
    the zones, lines and spaces of a changed site file within a second or two, without a restart."""
    site_file = watched_site_file(args)
    worker = CameraWorker(site_config(args), args.camera, watch=site_file.watch() if site_file else None)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())
    worker.run()
    return 0
