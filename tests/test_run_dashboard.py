"""The one command for a real site: ``run_dashboard.py --config`` serves the app with gunicorn (no
development server, no server banner), behind the proxy it is told of, and stops cleanly; for the
demo it serves before the year of shop history is in, which a restart goes on loading."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import func, select

from ops_center.auth import create_user
from ops_center.simulator.commerce import ShopHistory, shop_history
from ops_center.store.db import open_store
from ops_center.store.models import Footfall, FootfallHourly
from ops_center.store.types import utcnow
from tests.conftest import ROOT
from tests.wall_harness import free_port, post_login

SECRET = "run-dashboard-test-secret-" + "r" * 32
PASSWORD = "operator pass 1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _wait_for(url: str, process: subprocess.Popen[str], seconds: float = 60) -> requests.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"run_dashboard.py exited with {process.returncode}: {process.stdout.read()}")
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.5)
    raise AssertionError(f"nothing answered at {url} within {seconds} s")


def test_a_real_site_is_served_by_gunicorn_behind_its_proxy(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'ops.db'}"
    store = open_store(store_url)
    with store.session() as s:
        create_user(s, "op1", "operator", PASSWORD)
    store.dispose()
    site = tmp_path / "site.yaml"
    site.write_text(f"site: {{name: Test Garden}}\ndata_dir: {tmp_path}\nstore: {{url: '{store_url}'}}\n"
                    "dashboard: {secure_cookie: false, proxy_hops: 1}\n")
    port = free_port()
    env = {**os.environ, "OPS_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run_dashboard.py"), "--config", str(site), "--port", str(port), "--no-workers"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        form = _wait_for(f"{url}/login", process)
        assert form.status_code == 200 and form.headers["Server"] == "ops-center"
        assert "Content-Security-Policy" in form.headers
        assert post_login(requests.Session(), url, "op1", PASSWORD).status_code == 302
        proxy = requests.Session()
        proxy.headers["X-Forwarded-For"] = "203.0.113.9"  # the proxy names the client it forwards for
        answers = [post_login(proxy, url, "op1", "a wrong guess").status_code for _ in range(6)]
        assert answers == [401] * 5 + [429]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "login throttled: user name 'op1' from 203.0.113.9" in output
    assert "werkzeug" not in output.lower() and "Running on" not in output


def _shop_history(store_url: str) -> tuple[ShopHistory, int, int]:
    """How far the demo's year of shop history reaches, and its minute and hourly sums of people in."""
    store = open_store(store_url)
    try:
        with store.session() as s:
            history = shop_history(s, utcnow(), SHANGHAI, 365)
            minutes = int(s.scalar(select(func.sum(Footfall.count_in))) or 0)
            hours = int(s.scalar(select(func.sum(FootfallHourly.count_in))) or 0)
    finally:
        store.dispose()
    return history, minutes, hours


def _run_demo(tmp_path: Path, site: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "OPS_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run_dashboard.py"), "--config", str(site), "--port", str(port), "--no-workers"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    return process, f"http://127.0.0.1:{port}"


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def _loaded_further(store_url: str, than: date, process: subprocess.Popen[str], seconds: float = 300) -> ShopHistory:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        history = _shop_history(store_url)[0]
        if history.loaded_from is not None and history.loaded_from < than:
            return history
        assert process.poll() is None, "run_dashboard.py stopped"
        time.sleep(1)
    raise AssertionError(f"the shop history got no further back than {than} in {seconds} s")


def test_the_demo_serves_before_its_year_of_shop_history_is_in_and_a_restart_goes_on_from_where_it_stopped(
        tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'ops.db'}"
    site = tmp_path / "demo.yaml"
    site.write_text(f"site: {{name: Demo, timezone: Asia/Shanghai}}\ndata_dir: {tmp_path}\nstore: {{url: '{store_url}'}}\n"
                    "dashboard: {secure_cookie: false}\nsimulator: {enabled: true, history_days: 1, "
                    "commerce_history_days: 365}\n")
    process, url = _run_demo(tmp_path, site)
    try:
        assert _wait_for(f"{url}/login", process, seconds=600).status_code == 200
        served, _, _ = _shop_history(store_url)  # the server answers with the last week in, the year still loading
        assert served.loaded_from is not None and not served.complete and served.days_loaded(_today()) < 100
        stopped_at = _loaded_further(store_url, served.loaded_from, process)
    finally:
        first_run = _stop(process)
    assert "the shops' last 7 days (the other 358 follow in the background)" in first_run
    assert "loading 358 more days of the shops' history in the background" in first_run
    assert "shop history complete" not in first_run
    stopped, minutes, hours = _shop_history(store_url)
    assert stopped.loaded_from is not None and stopped.loaded_from <= stopped_at.loaded_from and minutes == hours

    process, url = _run_demo(tmp_path, site)
    try:
        _wait_for(f"{url}/login", process, seconds=600)
        _loaded_further(store_url, stopped.loaded_from, process)
    finally:
        second_run = _stop(process)
    missing = (stopped.loaded_from - stopped.first_day).days
    assert f"loading {missing} more days of the shops' history" in second_run, second_run
    resumed, minutes, hours = _shop_history(store_url)
    assert resumed.loaded_from is not None and resumed.loaded_from < stopped.loaded_from and minutes == hours
    with closing(sqlite3.connect(tmp_path / "ops.db")) as db:  # what the first run stored is there once
        twice = db.execute("SELECT count(*) FROM (SELECT merchant_id, day FROM merchant_sales GROUP BY 1, 2 "
                           "HAVING count(*) > 1)").fetchone()[0]
    assert twice == 0


def _today() -> date:
    return utcnow().astimezone(SHANGHAI).date()
