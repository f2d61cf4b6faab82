"""Security headers on every response of the real app (every page of ``PAGES``), and the pages working
under its Content-Security-Policy in real Chromium with no violation reported: the wall, console,
alarm list and report as an operator; analytics (a chart exported as PNG in the browser), lots,
find-my-car, the residents' page, notices and the zone editor as an admin. (The server banner is
checked where the app is served for real: tests/test_run_dashboard.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page

from layouts.pages import PAGES
from ops_center.simulator import seed
from ops_center.store.db import open_store
from ops_center.store.types import utcnow
from tests.wall_harness import WALL_USER, WallServer, add_user, http_login, log_in, site_config

ADMIN = ("root", "admin pass 0001")

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WallServer]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('headers') / 'ops.db'}")
    seed(store, utcnow(), history_days=1, rng_seed=3)
    add_user(store, *ADMIN, "admin")
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
    admin = http_login(server.url, *ADMIN)
    replies |= {f"page {page.path}": admin.get(f"{server.url}{page.path}", headers={"Accept": "text/html"})
                for page in PAGES}
    assert {what: r.status_code for what, r in replies.items() if what.startswith("page /")} == {
        f"page {page.path}": 200 for page in PAGES}
    for what, reply in replies.items():
        assert {name: reply.headers.get(name) for name in EXPECTED} == EXPECTED, what
        policy = reply.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, what
        assert "'unsafe-eval'" not in policy and "script-src 'self' 'sha256-" in policy, what


WATCH_VIOLATIONS = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
                          e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def _watch_policy(page: Page) -> list[str]:
    """Record the page's policy violations in ``window.cspViolations``; return the list its console's
    errors and warnings go to."""
    page.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type in ("error", "warning") else None)
    return console


def _visit_without_a_violation(page: Page, console: list[str], pages: tuple[tuple[str, str], ...]) -> None:
    """Open each (nav name, ready selector) through the navigation, then assert nothing broke the policy."""
    for name, ready in pages:
        page.click(f"#nav-{name}")
        page.wait_for_selector(ready, timeout=30_000)
    assert page.evaluate("() => window.cspViolations") == []
    assert [line for line in console if "Content Security Policy" in line or "Refused" in line] == []


def test_the_pages_work_in_chromium_under_the_policy_without_a_violation(browser: Browser, server: WallServer) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    console = _watch_policy(page)
    log_in(page, server.url, *WALL_USER)
    for selector in ("#panel-traffic .panel-title", "#panel-timeline .main-svg", "#panel-parking .main-svg"):
        page.wait_for_selector(selector, timeout=30_000)  # the wall's modules filled, its charts drawn
    _visit_without_a_violation(page, console, (
        ("alarms", ".page-alarms .page-title"), ("console", "#console-alarms"),
        ("report", ".page-report .page-title"), ("wall", "#panel-parking .main-svg")))
    page.close()


def test_the_newer_pages_and_a_png_export_work_under_the_policy(browser: Browser, server: WallServer) -> None:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    console = _watch_policy(page)
    log_in(page, server.url, *ADMIN, "/analytics")
    page.wait_for_selector("#analytics-heat-map .main-svg", timeout=90_000)
    with page.expect_download() as download:  # Plotly draws the PNG in the browser (data: and blob: URLs)
        page.click("""button[id*='"analytics-png"'][id*='"analytics-heat-map"']""")
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _visit_without_a_violation(page, console, (
        ("lots", ".page-lots"), ("findcar", "#findcar-query"), ("residents", ".residents-body .residents-section"),
        ("notices", "#notice-list .notice-row, #notice-list .empty"), ("editor", "#editor-graph .main-svg")))
    context.close()
