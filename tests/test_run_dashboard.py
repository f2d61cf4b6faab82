"""The one command for a real site: ``run_dashboard.py --config`` serves the app with gunicorn (no
development server, no server banner), behind the proxy it is told of, and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from ops_center.auth import create_user
from ops_center.store.db import open_store
from tests.conftest import ROOT
from tests.wall_harness import free_port, post_login

SECRET = "run-dashboard-test-secret-" + "r" * 32
PASSWORD = "operator pass 1"


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
