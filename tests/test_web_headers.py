"""Security headers on every response of the real app, and the wall, console, alarm list and report
working under its Content-Security-Policy in real Chromium with no violation reported. (The server
banner is checked where the app is served for real: tests/test_run_dashboard.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser

from ops_center.simulator import seed
from ops_center.store.db import open_store
from ops_center.store.types import utcnow
from tests.wall_harness import WALL_USER, WallServer, http_login, log_in, site_config

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WallServer]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('headers') / 'ops.db'}")
    seed(store, utcnow(), history_days=1, rng_seed=3)
    wall = WallServer(site_config("en"), store).start()
    yield wall
    wall.stop()
    store.dispose()


def test_every_kind_of_response_carries_the_security_headers(server: WallServer) -> None:
    operator = http_login(server.url, *WALL_USER)
    replies = {
        "login form": requests.get(f"{server.url}/login"),
        "anonymous data": requests.get(f"{server.url}/_dash-layout"),
        "page": operator.get(f"{server.url}/", headers={"Accept": "text/html"}),
        "layout": operator.get(f"{server.url}/_dash-layout"),
        "asset": operator.get(f"{server.url}/assets/wall.css"),
        "missing frame": operator.get(f"{server.url}/frames/nowhere.jpg"),
        "not found": operator.get(f"{server.url}/no/such/page"),
        "api without token": requests.post(f"{server.url}/api/v1/traffic"),
    }
    for what, reply in replies.items():
        assert {name: reply.headers.get(name) for name in EXPECTED} == EXPECTED, what
        policy = reply.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, what
        assert "'unsafe-eval'" not in policy and "script-src 'self' 'sha256-" in policy, what


WATCH_VIOLATIONS = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
                          e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def test_the_pages_work_in_chromium_under_the_policy_without_a_violation(browser: Browser, server: WallServer) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type in ("error", "warning") else None)
    log_in(page, server.url, *WALL_USER)
    for selector in ("#panel-traffic .panel-title", "#panel-timeline .main-svg", "#panel-parking .main-svg"):
        page.wait_for_selector(selector, timeout=30_000)  # the wall's modules filled, its charts drawn
    for name, ready in (("alarms", ".page-alarms .page-title"), ("console", "#console-alarms"),
                        ("report", ".page-report .page-title"), ("wall", "#panel-parking .main-svg")):
        page.click(f"#nav-{name}")
        page.wait_for_selector(ready, timeout=30_000)
    assert page.evaluate("() => window.cspViolations") == []
    assert [line for line in console if "Content Security Policy" in line or "Refused" in line] == []
    page.close()
