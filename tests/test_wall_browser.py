"""The wall in real Chromium against the real app on a SQLite store seeded by the simulator.

Checks: no scrollbar at 1920x1080 and 3840x2160; the eight modules show values from the store; a
stored alarm pops up on the first check after it is stored, with its sound playing, and
acknowledging stops the sound and stores the step; live tiles follow the store's frames; the media
routes; the language switch; the alarm list; and an open page that recovers by itself from a server
restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import cv2
import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import func, select

from layouts.format import number
from layouts.i18n import t
from ops_center.alarm_actions import audit_trail, transition
from ops_center.lifecycle import Status
from ops_center.records import AlarmRecord, FrameRecord, HeartbeatRecord, stable_id
from ops_center.simulator import seed
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Alarm, CameraFrame, FireDevice, Guard, Merchant, ParkingLot, TrafficReading
from ops_center.store.types import utcnow
from tests.wall_harness import (
    CAMERA_ID,
    WALL_USER,
    RefreshWatch,
    WallServer,
    acknowledge_all,
    audio_state,
    http_login,
    log_in,
    open_wall,
    site_config,
    store_alarm,
    wait_for_popup,
)

pytestmark = pytest.mark.browser
MODULES = ("security", "cameras", "fire", "parking", "timeline", "commerce", "guards", "traffic")


def _frame(media: Path, clip: str, index: int) -> tuple[bytes, int, int]:
    """Frame ``index`` of a real clip, JPEG-encoded as a worker does."""
    cap = cv2.VideoCapture(str(media / clip))
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, image = cap.read()
    cap.release()
    assert ok, f"cannot read frame {index} of {clip}"
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return buf.tobytes(), image.shape[1], image.shape[0]


@pytest.fixture(scope="module")
def snapshot(media: Path) -> tuple[bytes, tuple[int, int]]:
    """A real JPEG (a frame of the Oxford Town Centre footage) to store as alarm evidence."""
    jpeg = (media / "fixture_towncentre_frame_640x360.jpg").read_bytes()
    return jpeg, (640, 360)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, media: Path) -> Iterator[Store]:
    """A SQLite store seeded by the simulator, with the camera, its heartbeat and a live frame."""
    url = f"sqlite:///{tmp_path_factory.mktemp('wall') / 'ops.db'}"
    store = open_store(url)
    now = utcnow()
    seed(store, now, history_days=8, rng_seed=7)
    jpeg, width, height = _frame(media, "lake_proxy_beach_shore_360x180_4s.mp4", 10)
    with store.session() as session:
        writes.sync_cameras(session, site_config().cameras)
        writes.save_heartbeat(session, HeartbeatRecord(
            camera_id=CAMERA_ID, status="online", model_status="ok", fps_processed=5.0, fps_read=5.0,
            last_frame_at=now, started_at=now, updated_at=now))
        writes.save_frame(session, FrameRecord(camera_id=CAMERA_ID, jpeg=jpeg, width=width, height=height,
                                               captured_at=now))
        for hours_ago, kind in ((1.5, "danger_zone"), (3.2, "fire"), (3.6, "danger_zone"), (9.1, "camera_offline"),
                                (17.4, "danger_zone"), (30.0, "fire")):  # the last one is outside the 24 h
            record = AlarmRecord(id=stable_id("history", hours_ago), kind=kind, severity="critical", title=kind,
                                 raised_at=now - timedelta(hours=hours_ago), camera_id=CAMERA_ID)
            writes.raise_alarm(session, record)
            transition(session, record.id, "false_alarm", "history", reason="test", now=now)
    acknowledge_all(store)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[WallServer]:
    wall = WallServer(site_config(), store).start()
    yield wall
    wall.stop()


@pytest.fixture
def page(browser: Browser, server: WallServer, store: Store) -> Iterator[Page]:
    page = open_wall(browser, server.url)
    yield page
    page.close()
    acknowledge_all(store)


def _no_scrollbar(page: Page) -> dict[str, int]:
    sizes = page.evaluate(
        "() => { const d = document.documentElement; return {sh: d.scrollHeight, ch: d.clientHeight,"
        " sw: d.scrollWidth, cw: d.clientWidth, bh: document.body.scrollHeight, bw: document.body.scrollWidth}; }"
    )
    assert sizes["sh"] <= sizes["ch"] and sizes["sw"] <= sizes["cw"], sizes
    assert sizes["bh"] <= sizes["ch"] and sizes["bw"] <= sizes["cw"], sizes
    return sizes


def _panel_text(page: Page, name: str) -> str:
    return page.inner_text(f"#panel-{name}")


def _wait_popup_closed(page: Page) -> None:
    page.wait_for_selector("#alarm-popup:not(.popup--open)", state="attached", timeout=10_000)


# --- layout and data ---------------------------------------------------------------------------


def test_the_wall_fits_1920x1080_and_every_module_shows_store_data(page: Page, store: Store, output_dir: Path) -> None:
    _no_scrollbar(page)
    for name in MODULES:
        assert page.is_visible(f"#panel-{name} .panel-title"), name
        box = page.locator(f"#panel-{name}").bounding_box()
        assert box, name
        assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 1920 and box["y"] + box["height"] <= 1080, name

    with store.session() as s:
        normal = s.scalar(select(func.count()).select_from(FireDevice).where(FireDevice.state == "normal"))
        fire_total = s.scalar(select(func.count()).select_from(FireDevice))
        lot_names = list(s.scalars(select(ParkingLot.name)))
        merchants = s.scalar(select(func.count()).select_from(Merchant).where(Merchant.active.is_(True)))
        guard_names = list(s.scalars(select(Guard.name)))
        roads = set(s.scalars(select(TrafficReading.road)))
        window_start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
        alarms_24h = s.scalar(select(func.count()).select_from(Alarm).where(Alarm.raised_at >= window_start))
    assert page.inner_text("#panel-fire .state-tile--calm .count") == str(normal)
    assert t("fire.devices", "zh-CN", n=fire_total) in _panel_text(page, "fire")
    parking = _panel_text(page, "parking")
    assert lot_names and all(name in parking for name in lot_names)
    assert page.inner_text("#panel-commerce .kpi:nth-child(2) .kpi-value") == number(merchants)
    guards = _panel_text(page, "guards")
    assert any(name in guards for name in guard_names)
    traffic = _panel_text(page, "traffic")
    assert roads and all(road in traffic for road in roads)
    assert "Lake east shore" in _panel_text(page, "cameras")
    assert alarms_24h >= 5 and t("timeline.total", "zh-CN", n=alarms_24h) in _panel_text(page, "timeline")
    assert page.locator("#panel-security .live-img").count() == 1
    page.screenshot(path=str(output_dir / "wall_1920x1080.png"))


def test_the_same_wall_scales_to_3840x2160(browser: Browser, server: WallServer, output_dir: Path) -> None:
    page = open_wall(browser, server.url, 3840, 2160)
    _no_scrollbar(page)
    title_px = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.panel-title')).fontSize)")
    assert title_px > 35, "type scales with the screen"
    page.screenshot(path=str(output_dir / "wall_3840x2160.png"))
    page.close()


# --- the alarm ----------------------------------------------------------------------------------


def test_a_stored_alarm_pops_up_on_the_first_check_with_sound_until_acknowledged(
    page: Page, store: Store, snapshot: tuple[bytes, tuple[int, int]], output_dir: Path
) -> None:
    _wait_popup_closed(page)
    assert audio_state(page)["paused"]
    checks = RefreshWatch(page, "alarm-shown.data")
    jpeg, size = snapshot
    alarm_id, committed = store_alarm(store, 1, jpeg, size)
    # The first check the wall sends after the commit (every 0.5 s) brings the alarm: nothing cached
    # or skipped on the way. How long that takes is bench.alarm_latency's figure.
    first = checks.first_after(committed)
    assert first.get("alarm-shown", {}).get("data") == {"id": alarm_id}, first
    assert first["alarm-popup"]["className"] == "popup popup--open"
    wait_for_popup(page, alarm_id)

    popup = page.inner_text("#alarm-popup")
    assert "Lake east shore" in popup and "Lake (drowning danger)" in popup and "East lawn" in popup
    page.wait_for_function(
        "() => { const i = document.querySelector('#alarm-popup .popup-snapshot');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert page.evaluate("() => document.querySelector('#alarm-popup .popup-snapshot').naturalWidth") == size[0]
    page.wait_for_function("() => { const a = document.getElementById('alarm-sound'); return !a.paused && a.currentTime > 0; }")
    sound = audio_state(page)
    assert sound["loop"] and not sound["paused"]
    page.screenshot(path=str(output_dir / "wall_popup_1920x1080.png"))

    page.click("#ack-button")
    page.wait_for_function("() => document.getElementById('alarm-sound').paused", timeout=5_000)
    _wait_popup_closed(page)
    with store.session() as s:
        assert s.get(Alarm, alarm_id).status == Status.ACKNOWLEDGED.value
        last = audit_trail(s, alarm_id)[-1]
        assert (last.to_status, last.actor) == ("acknowledged", "wall")


def test_two_alarms_need_two_acknowledgements_newest_first(page: Page, store: Store, snapshot) -> None:
    _wait_popup_closed(page)
    jpeg, size = snapshot
    older, _ = store_alarm(store, 2, jpeg, size, raised_at=utcnow())
    newer, _ = store_alarm(store, 3, jpeg, size, raised_at=utcnow())
    wait_for_popup(page, newer)
    assert "1" in page.inner_text("#alarm-popup .popup-more")
    page.click("#ack-button")
    wait_for_popup(page, older)
    assert not audio_state(page)["paused"], "the sound goes on while an alarm is unacknowledged"
    page.click("#ack-button")
    _wait_popup_closed(page)
    page.wait_for_function("() => document.getElementById('alarm-sound').paused")


def test_an_alarm_acknowledged_elsewhere_closes_the_popup_and_stops_the_sound(page: Page, store: Store, snapshot) -> None:
    _wait_popup_closed(page)
    alarm_id, _ = store_alarm(store, 4, *snapshot)
    wait_for_popup(page, alarm_id)
    with store.session() as s:
        transition(s, alarm_id, "acknowledged", "console-operator")
    _wait_popup_closed(page)
    page.wait_for_function("() => document.getElementById('alarm-sound').paused")


# --- live tiles and media routes -------------------------------------------------------------


def test_live_tiles_follow_the_frames_in_the_store(page: Page, store: Store, media: Path) -> None:
    tile = "#panel-security .live-img"
    lake, lake_width, lake_height = _frame(media, "lake_proxy_beach_shore_360x180_4s.mp4", 10)
    with store.session() as s:  # the store's lake frame again, whatever frame an earlier test left
        writes.save_frame(s, FrameRecord(camera_id=CAMERA_ID, jpeg=lake, width=lake_width, height=lake_height,
                                         captured_at=utcnow()))
    page.wait_for_function(f"() => document.querySelector('{tile}').naturalWidth === {lake_width}")
    srcs = set()
    for _ in range(10):
        srcs.add(page.get_attribute(tile, "src"))
        time.sleep(0.25)
    assert len(srcs) >= 4, f"the tile reloaded {len(srcs)} times in 2.5 s"
    jpeg, width, height = _frame(media, "fixture_towncentre_640x360_24f.mp4", 5)
    with store.session() as s:
        writes.save_frame(s, FrameRecord(camera_id=CAMERA_ID, jpeg=jpeg, width=width, height=height, captured_at=utcnow()))
    page.wait_for_function(f"() => document.querySelector('{tile}').naturalWidth === {width}", timeout=3_000)


def test_a_frozen_picture_is_marked_on_the_live_tiles_until_frames_come_again(page: Page, store: Store, media: Path,
                                                                            output_dir: Path) -> None:
    jpeg, width, height = _frame(media, "fixture_towncentre_640x360_24f.mp4", 7)
    stalled = ["#panel-security .live-tile--stalled .live-stalled", "#panel-cameras .live-tile--stalled .live-stalled"]
    for tile in stalled:
        assert page.query_selector(tile) is None
    with store.session() as s:
        writes.save_frame(s, FrameRecord(camera_id=CAMERA_ID, jpeg=jpeg, width=width, height=height,
                                         captured_at=utcnow() - timedelta(minutes=3)))
    for tile in stalled:
        page.wait_for_selector(tile, timeout=5_000)
        assert "3分钟" in page.inner_text(tile)
    page.screenshot(path=str(output_dir / "wall_frozen_picture_1920x1080.png"))
    with store.session() as s:
        writes.save_frame(s, FrameRecord(camera_id=CAMERA_ID, jpeg=jpeg, width=width, height=height, captured_at=utcnow()))
    for tile in stalled:
        page.wait_for_selector(tile, state="detached", timeout=5_000)


def test_frames_and_snapshots_are_served_from_the_store_and_404_otherwise(server: WallServer, store: Store, snapshot) -> None:
    alarm_id, _ = store_alarm(store, 5, *snapshot)
    with store.session() as s:
        transition(s, alarm_id, "acknowledged", "test")
        stored_frame = s.scalar(select(CameraFrame.jpeg).where(CameraFrame.camera_id == CAMERA_ID))
    client = http_login(server.url, *WALL_USER)
    frame = client.get(f"{server.url}/frames/{CAMERA_ID}.jpg")
    assert frame.status_code == 200 and frame.content == stored_frame and frame.headers["Content-Type"] == "image/jpeg"
    assert "no-store" in frame.headers["Cache-Control"]
    shot = client.get(f"{server.url}/snapshots/{alarm_id}.jpg")
    assert shot.status_code == 200 and shot.content == snapshot[0] and "no-store" in shot.headers["Cache-Control"]
    assert client.get(f"{server.url}/frames/no-such-camera.jpg").status_code == 404
    assert client.get(f"{server.url}/snapshots/no-such-alarm.jpg").status_code == 404


# --- language, alarm list, restart ------------------------------------------------------------


def test_the_language_comes_from_config_and_switches_on_the_page(page: Page, output_dir: Path) -> None:
    page.wait_for_selector("#panel-security .panel-title:text('安防')")
    assert page.inner_text("#nav-alarms") == "告警记录"
    page.click("#lang label:has-text('EN')")
    page.wait_for_selector("#panel-security .panel-title:text('Security')", timeout=5_000)
    page.wait_for_selector("#panel-fire .panel-title:text('Fire')")
    assert page.inner_text("#nav-alarms") == "Alarms"
    page.screenshot(path=str(output_dir / "wall_en_1920x1080.png"))
    page.reload()
    page.wait_for_selector("#panel-security .panel-title:text('Security')", timeout=10_000)


def test_the_alarm_list_shows_stored_alarms_with_snapshots_and_refreshes_itself(
    browser: Browser, server: WallServer, store: Store, snapshot, output_dir: Path
) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    log_in(page, server.url, *WALL_USER, path="/alarms")
    page.wait_for_selector(".alarm-table")
    alarm_id, _ = store_alarm(store, 6, *snapshot)
    row = f'.alarm-table tr[data-alarm-id="{alarm_id}"]'
    page.wait_for_selector(row, timeout=5_000)
    page.wait_for_function(f"() => document.querySelector('{row} img').naturalWidth === {snapshot[1][0]}")
    page.click("#ack-button")
    page.wait_for_selector(f"{row} .chip--info", timeout=5_000)
    page.screenshot(path=str(output_dir / "alarms_page_1920x1080.png"))
    page.close()


def test_a_page_whose_login_is_gone_meets_the_login_form_and_comes_back(browser: Browser, server: WallServer) -> None:
    page = open_wall(browser, server.url)
    # Logged out elsewhere with this browser's cookie: the session ends on the server, so a callback
    # already in flight cannot bring the login back by setting the cookie again (clearing the
    # browser's cookies could, and did once under load).
    page.context.request.get(f"{server.url}/logout", max_redirects=0)
    page.wait_for_url(f"{server.url}/login?next=%2F", timeout=30_000)
    page.fill("#username", WALL_USER[0])
    page.fill("#password", WALL_USER[1])
    page.click("#login")
    page.wait_for_url(f"{server.url}/")
    page.wait_for_selector("#panel-traffic .panel-title", timeout=30_000)
    page.close()


def test_an_open_page_recovers_by_itself_after_a_server_restart(page: Page, server: WallServer, store: Store, snapshot) -> None:
    _wait_popup_closed(page)
    server.stop()
    page.wait_for_selector("#link-status.link-status--lost", timeout=10_000)
    server.start()
    page.wait_for_selector("#link-status:not(.link-status--lost)", state="attached", timeout=10_000)
    alarm_id, _ = store_alarm(store, 7, *snapshot)
    wait_for_popup(page, alarm_id, timeout_ms=5_000)
    page.click("#ack-button")
    _wait_popup_closed(page)

