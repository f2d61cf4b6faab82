"""Serving the dashboard with gunicorn, a production WSGI server, from the one command.

``run_dashboard.py`` runs ``serve`` in a process of its own (gunicorn's master reaps every child
process of the process it runs in, which would hide a crashed camera worker from the supervisor).
The master starts one worker process with ``THREADS`` threads: one process, so the login throttle's
counts and the password-check slots are one set; threads, because callbacks mostly wait on the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gunicorn.http.wsgi
from gunicorn.app.base import BaseApplication

SERVER_NAME = "ops-center"  # the Server header: no server software, no version
THREADS = 16

WsgiApp = Callable[..., Any]


class _Gunicorn(BaseApplication):
    def __init__(self, make_app: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self._make_app, self._options = make_app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self._make_app()


def serve(make_app: Callable[[], WsgiApp], host: str, port: int, *, threads: int = THREADS) -> None:
    """Serve the WSGI app that ``make_app()`` builds (in gunicorn's worker process, so no store
    connection crosses a fork) on ``host:port`` until SIGTERM or SIGINT."""
    gunicorn.http.wsgi.SERVER = SERVER_NAME
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 10,
        "loglevel": "warning",
    }
    _Gunicorn(make_app, options).run()
