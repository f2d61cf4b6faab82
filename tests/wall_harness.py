"""Running the real wall for browser tests and the latency benchmark.

The app comes from ``layouts.app.create_app`` and is served by Werkzeug in a background thread on
a free port (stoppable and restartable on the same port); Chromium is Debian's, driven through
Playwright with sound allowed without a click. Every page needs a login: the server creates the
duty room's wall account (an operator, ``WALL_USER``) and ``open_wall`` signs in with it.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Browser, Page, Playwright, Request
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from layouts.app import create_app
from ops_center.alarm_actions import transition
from ops_center.auth import create_user
from ops_center.config import SiteConfig
from ops_center.lifecycle import Status
from ops_center.simulator.site import DEMO_ENVIRONMENT, DEMO_TRAFFIC
from ops_center.store.db import Store
from ops_center.store.models import Alarm, User
from ops_center.store.types import utcnow
from tests import builders

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--autoplay-policy=no-user-gesture-required",
]
CAMERA_ID = "lake-east"
SECRET_KEY = "wall-harness-session-secret-" + "s" * 32
WALL_USER = ("wall", "wall display 0001")  # the duty room's wall display signs in as an operator
ZONE = "lake-edge"


def site_config(language: str = "zh-CN") -> SiteConfig:
    """A site with one lakeside camera and its danger zone, and the demo's roads and environment
    station (the simulator's), as the wall tests use it."""
    return SiteConfig.model_validate(
        {
            "site": {"name": "Lakeside Garden", "timezone": "Asia/Shanghai"},
            "cameras": [
                {
                    "id": CAMERA_ID,
                    "name": "Lake east shore",
                    "place": "East lawn",
                    "source": "synthetic:lakeside",
                    "map": {"x": 0.84, "y": 0.4},
                    "zones": [{"name": ZONE, "label": "Lake (drowning danger)",
                               "polygon": [[0, 0.2], [1, 0.2], [1, 0.55], [0, 0.55]]}],
                }
            ],
            "dashboard": {"language": language, "refresh_ms": 1000},
            "traffic": DEMO_TRAFFIC,
            "environment": DEMO_ENVIRONMENT,
        }
    )


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WallServer:
    """The real dashboard app, served in a background thread; ``restart`` keeps the port."""

    def __init__(self, config: SiteConfig, store: Store, port: int | None = None, config_path: Path | None = None) -> None:
        """``config_path``: the site file ``config`` came from (where the zone editor saves)."""
        self.config, self.store, self.config_path = config, store, config_path
        self.port = port or free_port()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The wall's address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WallServer:
        """Build a fresh app with ``create_app`` and serve it; the wall account exists from now on."""
        add_user(self.store, *WALL_USER, "operator")
        app = create_app(self.config, self.store, secret_key=SECRET_KEY, config_path=self.config_path)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None


def add_user(store: Store, username: str, password: str, role: str, guard_id: str | None = None) -> None:
    """Create a user unless one of that name exists."""
    with store.session() as session:
        if session.get(User, username) is None:
            create_user(session, username, role, password, guard_id=guard_id)


def log_in(page: Page, base_url: str, username: str, password: str, path: str = "/") -> None:
    """Open ``path``, meet the login form, sign in and wait to be back on ``path``."""
    page.goto(f"{base_url}{path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login")
    page.wait_for_url(f"{base_url}{path}")


def login_form_token(page: str) -> str:
    """The CSRF token in a login form's HTML."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if found is None:
        raise AssertionError("the login form carries no csrf_token")
    return found.group(1)


def post_login(client: requests.Session, base_url: str, username: str, password: str,
               next_path: str = "/") -> requests.Response:
    """Sign in as a browser does: open the form (its token), post it back; the reply, not followed."""
    token = login_form_token(client.get(f"{base_url}/login").text)
    data = {"username": username, "password": password, "next": next_path, "csrf_token": token}
    return client.post(f"{base_url}/login", data=data, allow_redirects=False)


def http_login(base_url: str, username: str, password: str) -> requests.Session:
    """An HTTP client signed in as ``username`` (the session cookie of a real login)."""
    client = requests.Session()
    reply = post_login(client, base_url, username, password)
    if reply.status_code != 302:
        raise AssertionError(f"login of {username} failed: HTTP {reply.status_code}")
    return client


def callback_outputs(spec: str) -> list[dict[str, str]]:
    """The outputs of a callback's ``output`` string in ``/_dash-dependencies`` as id/property pairs."""
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True)) for part in parts]


def callback_body(dep: dict[str, Any], values: dict[str, Any] | None = None,
                  changed: list[str] | None = None) -> dict[str, Any]:
    """The JSON body the browser posts to ``/_dash-update-component`` for the callback ``dep`` (an
    entry of ``/_dash-dependencies``); ``values`` maps ``id.property`` to a value (else None)."""
    values = values or {}

    def item(d: dict[str, str]) -> Any:
        if d["id"].startswith("{"):  # a pattern-matching input (ALL): a list of matched components
            return values.get(f"pattern.{d['property']}", [])
        return {**d, "value": values.get(f"{d['id']}.{d['property']}")}

    outputs = callback_outputs(dep["output"])
    return {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": [item(d) for d in dep["inputs"]],
        "state": [item(d) for d in dep["state"]],
        "changedPropIds": changed or [],
    }


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, allowed to play sound without a click."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_wall(browser: Browser, url: str, width: int = 1920, height: int = 1080) -> Page:
    """A page at ``width`` x ``height``, signed in as the wall account, with the wall loaded, its
    modules filled and charts drawn."""
    page = browser.new_page(viewport={"width": width, "height": height})
    log_in(page, url, *WALL_USER)
    page.wait_for_selector("#panel-traffic .panel-title", timeout=30_000)
    page.wait_for_selector("#panel-timeline .main-svg", timeout=30_000)
    page.wait_for_selector("#panel-parking .main-svg", timeout=30_000)
    return page


def acknowledge_all(store: Store, actor: str = "test-cleanup") -> None:
    """Acknowledge every alarm still new, so one test's leftovers never pop up in the next."""
    with store.session() as session:
        waiting = list(session.scalars(select(Alarm.id).where(Alarm.status == Status.NEW.value)))
    for alarm_id in waiting:
        with store.session() as session:
            transition(session, alarm_id, Status.ACKNOWLEDGED.value, actor)


def store_alarm(store: Store, n: int, jpeg: bytes, size: tuple[int, int], raised_at: datetime | None = None) -> tuple[str, float]:
    """Store a danger-zone alarm with its snapshot the way a worker does; return its id and the
    ``time.time()`` right after the commit (the clock a browser's request timing uses)."""
    record = builders.alarm_record(n, run=f"wall-test-{time.time_ns()}", raised_at=raised_at or utcnow(),
                                   camera_id=CAMERA_ID, zone_name=ZONE, track_id=n, snapshot_jpeg=jpeg,
                                   snapshot_size=size)
    return builders.store_alarm(store, record), time.time()


def wait_for_popup(page: Page, alarm_id: str, timeout_ms: float = 10_000) -> None:
    """Wait until the popup shows the alarm ``alarm_id``."""
    page.wait_for_selector(f'#alarm-popup.popup--open [data-alarm-id="{alarm_id}"]', timeout=timeout_ms)


class RefreshWatch:
    """The answers a page gets from one polled callback (the one whose outputs include ``output``,
    such as ``"alarm-shown.data"``), each with the moment its request left the browser.

    A test then asks what the first refresh sent after a change brought: "the first check after the
    alarm was stored opened the popup" holds at any machine load, where "within 2 s" does not (the
    latency itself is ``bench.alarm_latency``'s to measure)."""

    def __init__(self, page: Page, output: str) -> None:
        self._page = page
        self._output = output
        self._finished: list[Request] = []
        page.on("requestfinished", self._keep)

    def _keep(self, request: Request) -> None:
        if "/_dash-update-component" not in request.url:  # the path carries a query (the CSRF end id)
            return
        if self._output in json.loads(request.post_data or "{}").get("output", ""):
            self._finished.append(request)

    def first_after(self, moment: float, timeout_s: float = 15.0) -> dict[str, Any]:
        """The outputs (``{component id: {property: value}}``; empty when the callback changed
        nothing) of the first request sent after ``moment`` (``time.time()``) that got an answer."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for request in self._finished:
                if request.timing["startTime"] / 1000 >= moment:
                    response = request.response()
                    body = response.body() if response and response.status == 200 else b""
                    return json.loads(body).get("response", {}) if body else {}
            self._page.wait_for_timeout(50)  # lets Playwright deliver the page's events
        raise AssertionError(f"no {self._output} refresh was sent within {timeout_s} s after the change")


def component_with(tree: Any, attribute: str, value: str) -> dict[str, Any] | None:
    """The first component in a Dash callback answer's ``tree`` whose ``attribute`` is ``value``."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get(attribute) == value:
            return tree
        children = list(tree.values())
    elif isinstance(tree, list):
        children = tree
    else:
        return None
    return next((found for child in children if (found := component_with(child, attribute, value))), None)


def text_of(tree: Any) -> str:
    """All the text in a Dash component tree, joined by spaces."""
    if isinstance(tree, str):
        return tree
    if isinstance(tree, dict):
        return text_of(tree.get("props", {}).get("children")) if "props" in tree else " ".join(map(text_of, tree.values()))
    if isinstance(tree, list):
        return " ".join(map(text_of, tree))
    return ""


def audio_state(page: Page) -> dict[str, Any]:
    """Whether the alarm sound is playing, and where it is."""
    return page.evaluate(
        "() => { const a = document.getElementById('alarm-sound');"
        " return {paused: a.paused, time: a.currentTime, loop: a.loop}; }"
    )
