"""The zone editor in real Chromium against the real app, with a real camera worker on real footage.

The worker watches the lakeside clip (a person walks along the shore) with one zone out on the water,
where nobody goes. The admin opens /editor, draws a zone over the shore with the mouse on the
camera's frame, names it and saves: the site file gets it, the audit list shows who added what, and
the same worker process raises a danger-zone alarm in the new zone. A zone dragged as a straight
stroke is refused with the configuration's message beside it and in its row, and nothing is saved.
An operator cannot open the page (every callback's role check: test_app_roles.py).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page
from sqlalchemy import func, select

from ops_center.config import load_config
from ops_center.store.db import Store, open_store
from ops_center.store.models import Alarm, CameraHeartbeat, GeometryChange
from tests.test_worker import LAKE, read_row, site_file, start_worker
from tests.waiting import wait_for
from tests.wall_harness import WallServer, add_user, log_in

ADMIN = ("root", "admin pass 0001")
OPERATOR = ("op1", "operator pass 1")
FAR = {"name": "far", "polygon": [[0.6, 0], [1, 0], [1, 0.2], [0.6, 0.2]]}  # open water: nobody walks there
SHORE = [(0.03, 0.5), (0.97, 0.5), (0.97, 0.8), (0.03, 0.8)]  # where the person walks (feet at y 0.63..0.66)


@dataclass
class Scene:
    url: str
    site: Path
    store: Store
    store_url: str
    worker_pid: int


@pytest.fixture
def scene(tmp_path: Path, media: Path, model_path: Path) -> Iterator[Scene]:
    store_url = f"sqlite:///{tmp_path / 'ops.db'}"
    camera = {"id": "lake", "name": "Lake", "source": str(media / LAKE), "loop": True, "fps": 5, "zones": [FAR]}
    site = site_file(tmp_path, store_url, model_path, [camera])
    worker = start_worker(site, "lake", tmp_path / "worker.log")
    store = open_store(store_url)
    server = None
    try:
        # a whole pass of the clip with the person on the shore and no zone there: no alarm
        wait_for("20 processed frames", lambda: (b := read_row(store_url, CameraHeartbeat, camera_id="lake"))
                 and b.frames_processed >= 20)
        assert read_row(store_url, Alarm, camera_id="lake") is None
        add_user(store, *ADMIN, "admin")
        add_user(store, *OPERATOR, "operator")
        server = WallServer(load_config(site), store, config_path=site).start()
        yield Scene(server.url, site, store, store_url, worker.pid)
    finally:
        if server is not None:
            server.stop()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0, (tmp_path / "worker.log").read_text()
        store.dispose()


def drag(page: Page, points: list[tuple[float, float]]) -> None:
    """Hold the mouse down at the first point (fractions of the frame) and move through the others."""
    box = page.locator("#editor-graph .nsewdrag").first.bounding_box()
    assert box is not None

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + x * box["width"], box["y"] + y * box["height"]

    page.mouse.move(*at(*points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*at(*point), steps=8)
    page.mouse.up()


def audits(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(GeometryChange)) or 0


def test_an_admin_draws_a_zone_the_running_worker_alarms_in_it_and_a_bad_one_is_refused(
    scene: Scene, browser: Browser, output_dir: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    log_in(page, scene.url, *ADMIN, "/editor")
    page.wait_for_selector('.editor-row[data-name="far"]')
    picture = page.wait_for_selector("#editor-graph .imagelayer image", state="attached")
    href = picture.evaluate("image => image.href.baseVal") if picture is not None else ""
    assert href.startswith("/frames/lake.jpg?")
    assert page.request.get(f"{scene.url}/frames/lake.jpg").headers["content-type"] == "image/jpeg", "the camera's frame"

    drag(page, SHORE)
    page.wait_for_selector('.editor-row[data-name="zone-1"]')
    page.fill('.editor-row[data-name="zone-1"] .editor-field--name input', "shore")
    page.click("#editor-save")
    page.wait_for_selector("#editor-outcome .outcome--done")
    page.wait_for_selector('.editor-row[data-name="shore"]')
    assert "root" in page.inner_text("#editor-history") and "shore" in page.inner_text("#editor-history")
    page.screenshot(path=str(output_dir / "editor-saved.png"))

    zones = yaml.safe_load(scene.site.read_text())["cameras"][0]["zones"]
    assert [z["name"] for z in zones] == ["far", "shore"]
    xs, ys = zip(*zones[1]["polygon"], strict=True)
    assert min(xs) < 0.1 and max(xs) > 0.9 and min(ys) < 0.55 and max(ys) > 0.75, "the zone as drawn"
    with scene.store.session() as session:
        (change,) = session.scalars(select(GeometryChange)).all()
        assert (change.camera_id, change.actor) == ("lake", "root")
        assert [z["name"] for z in change.after["zones"]] == ["far", "shore"]

    alarm = wait_for("an alarm in the new zone", lambda: read_row(scene.store_url, Alarm, camera_id="lake"))
    assert (alarm.zone_name, alarm.kind) == ("shore", "danger_zone")
    beat = read_row(scene.store_url, CameraHeartbeat, camera_id="lake")
    assert beat is not None and beat.pid == scene.worker_pid, "the same worker, not restarted"

    text_before = scene.site.read_text()
    drag(page, [(0.1, 0.3), (0.5, 0.3)])  # a straight stroke: no outline
    page.wait_for_selector('.editor-row[data-name="zone-1"]')
    page.click("#editor-save")
    message = "cameras[0].zones[2].polygon: a polygon needs at least 3 points, got 2"
    page.wait_for_selector("#editor-outcome .outcome--refused")
    assert page.inner_text('.editor-row--refused[data-name="zone-1"] .editor-problem') == message
    assert message in (page.locator("#editor-graph .annotation").text_content() or ""), "the message beside the shape"
    assert "Traceback" not in page.content()
    page.screenshot(path=str(output_dir / "editor-refused.png"))
    assert scene.site.read_text() == text_before and audits(scene.store) == 1
    page.close()

    operator = browser.new_page()
    log_in(operator, scene.url, *OPERATOR, "/")
    assert operator.locator("#nav-editor").count() == 0
    operator.goto(f"{scene.url}/editor")  # the gate sends him back to his own page
    operator.wait_for_selector("#panel-security", timeout=30_000)
    assert operator.locator("#editor-graph").count() == 0 and not operator.url.endswith("/editor")
    operator.close()

