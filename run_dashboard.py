"""Start Ops Center on one machine: the wall, the camera workers and the background services.

    python run_dashboard.py                     # the demo: config/demo.yaml, SQLite in ./data
    OPS_SECRET_KEY=... python run_dashboard.py --config site.yaml  # a real site

Every page needs a login. The demo creates one user per role and prints each password once; a
real site adds users with ``ops-center users add`` and signs sessions with ``OPS_SECRET_KEY``.
The web server is gunicorn (``web.serve``), in a process of its own beside the background services.

Under a gunicorn of your own (several web processes, e.g. several hosts; run the background services
once, with ``ops-center services --config site.yaml``; the login throttle then counts per process):

    OPS_CONFIG=site.yaml OPS_SECRET_KEY=... gunicorn -w 4 -b 0.0.0.0:8050 'run_dashboard:wsgi()'
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from flask import Flask

from layouts.app import create_app
from ops_center.config import CONFIG_ENV, SiteConfig, load_config, site_file
from ops_center.errors import OpsError
from ops_center.store.db import open_store
from ops_cli.background import start_background
from ops_cli.demo_users import demo_secret, ensure_demo_users
from ops_cli.main import one_line
from web.auth import SECRET_ENV, secret_key_from_env
from web.serve import serve

DEMO_CONFIG = Path(__file__).resolve().parent / "config" / "demo.yaml"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the dashboard with its workers until Ctrl-C; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=dashboard_site_file(os.environ),
                        help=f"site YAML file (default: ${CONFIG_ENV}, else the demo)")
    parser.add_argument("--host", help="listen address (default: dashboard.host)")
    parser.add_argument("--port", type=int, help="listen port (default: dashboard.port)")
    parser.add_argument("--no-workers", action="store_true", help="do not start camera workers here")
    args = parser.parse_args(argv)
    _configure_logging()
    demo = args.config.resolve() == DEMO_CONFIG
    try:
        config = load_config(args.config)
        secret = (demo_secret(os.environ, SECRET_ENV, config.data_dir) if demo else None) or secret_key_from_env()
        _explain_model(config)
        store = open_store(config.store_url)
    except OpsError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    host = args.host or config.dashboard.host
    port = args.port or config.dashboard.port
    signal.signal(signal.SIGTERM, _interrupt)  # stop the camera workers too, not only this process
    background = web = None
    try:
        background = start_background(config, args.config, store, workers=not args.no_workers)
        if demo:
            ensure_demo_users(store)
        web = multiprocessing.get_context("spawn").Process(
            target=_web_server, args=(config, args.config, secret, host, port), name="ops-center-web"
        )
        web.start()
        print(f"Ops Center for {config.site.name}: http://{host}:{port}/  (store: {store.engine.url!r})", flush=True)
        web.join()
        if web.exitcode != 0:
            print(f"error: the web server stopped (exit status {web.exitcode})", file=sys.stderr)
            return 1
    except OpsError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        if web is not None and web.is_alive():
            web.terminate()  # SIGTERM: gunicorn finishes the requests in flight
            web.join(timeout=15)
        if background is not None:
            background.stop()
        store.dispose()
    return 0


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("werkzeug", "alembic"):  # one line per request / per migration step
        logging.getLogger(chatty).setLevel(logging.WARNING)


def _web_server(config: SiteConfig, config_path: Path, secret: str, host: str, port: int) -> None:
    """The web server's process: gunicorn serving the app (built in its worker process)."""
    _configure_logging()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # gunicorn installs its own handlers
    serve(lambda: create_app(config, open_store(config.store_url), secret_key=secret, config_path=config_path).server,
          host, port)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _explain_model(config: SiteConfig) -> None:
    """Say where the model comes from, so an offline start does not puzzle anyone."""
    path = config.model.path
    if Path(path).exists():
        print(f"model: {path}")
    else:
        print(
            f"model: {path} (downloaded by Ultralytics on first use; offline, set OPS_MODEL to a local "
            "model file such as ../shared/models/yolov8n_int8.onnx)"
        )


def dashboard_site_file(env: Mapping[str, str]) -> Path:
    """The site file ``$OPS_CONFIG`` names, else the demo's."""
    return site_file(None, env) or DEMO_CONFIG


def wsgi() -> Flask:
    """The WSGI server for gunicorn; the site file comes from ``OPS_CONFIG``."""
    path = dashboard_site_file(os.environ)
    config = load_config(path)
    return create_app(config, open_store(config.store_url), secret_key=secret_key_from_env(), config_path=path).server


if __name__ == "__main__":
    sys.exit(main())
