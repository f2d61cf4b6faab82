"""``ops-center detector``: the host's shared detector, serving every camera worker of the site."""

from __future__ import annotations

import argparse
import signal
import threading

from detectors.model import PersonModel, inference_threads
from detectors.shared import DetectorServer, detector_address
from ops_cli.options import add_config_options, site_config

DESCRIPTION = (
    "Load the site's model once and serve the camera workers of this host (model.shared: true) until "
    "SIGTERM or Ctrl-C; the supervisor starts it before the workers and restarts it when it ends."
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``detector`` subcommand."""
    p = sub.add_parser("detector", help="run the host's shared detector until stopped", description=DESCRIPTION)
    add_config_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT."""
    config = site_config(args)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    model = PersonModel(config.model, inference_threads(config.model, detectors_on_host=1))
    server = DetectorServer(model, detector_address(config.data_dir), max_batch=config.model.max_batch)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server.serve(stop.is_set)
    return 0
