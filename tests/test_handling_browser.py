"""The reference scene end to end in real Chromium against the real app on a SQLite store seeded by
the simulator: an alarm arrives on the wall; the operator acknowledges it at the console and
dispatches a guard from the roster; in a second browser context the guard's phone page (390x844)
marks on scene, then resolved; the wall clears it; the console's audit trail lists every step with
user and time; the manager reads the shift report and exports it as CSV.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select

from layouts.i18n import term
from ops_center.records import FrameRecord
from ops_center.simulator import seed
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Alarm, Guard, User
from ops_center.store.types import utcnow
from tests.waiting import wait_for
from tests.wall_harness import (
    CAMERA_ID,
    RefreshWatch,
    WallServer,
    add_user,
    component_with,
    log_in,
    open_wall,
    site_config,
    store_alarm,
    text_of,
    wait_for_popup,
)

pytestmark = pytest.mark.browser
OPERATOR = ("op1", "operator pass 1")
GUARD = ("guard1", "guard pass 0001")
MANAGER = ("boss", "manager pass 1")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, media: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('handling') / 'ops.db'}")
    seed(store, utcnow(), history_days=1, rng_seed=7)
    frame = (media / "fixture_towncentre_frame_640x360.jpg").read_bytes()
    with store.session() as s:
        writes.sync_cameras(s, site_config().cameras)
        writes.save_frame(s, FrameRecord(camera_id=CAMERA_ID, jpeg=frame, width=640, height=360, captured_at=utcnow()))
        on_patrol = s.scalars(select(Guard.id).where(Guard.status == "on_patrol").order_by(Guard.id)).first()
    assert on_patrol, "the simulator puts a shift on patrol"
    add_user(store, *OPERATOR, "operator")
    add_user(store, *GUARD, "guard", on_patrol)
    add_user(store, *MANAGER, "manager")
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[WallServer]:
    wall = WallServer(site_config("en"), store).start()
    yield wall
    wall.stop()


def _signed_in(browser: Browser, url: str, user: tuple[str, str], path: str, **context: object) -> tuple[BrowserContext, Page]:
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    log_in(page, url, *user, path=path)
    return ctx, page


def _committed(store: Store, alarm_id: str, status: str) -> float:
    """Wait until the store holds ``alarm_id`` in ``status``; the ``time.time()`` it was seen there."""

    def seen() -> float | None:
        with store.session() as s:
            return time.time() if s.get(Alarm, alarm_id).status == status else None

    return wait_for(f"the store to hold {alarm_id} {status}", seen, timeout_s=10, poll_s=0.02)


def _wall_shows(wall: Page, refreshes: RefreshWatch, store: Store, alarm_id: str, status: str) -> None:
    """The wall's first refresh sent after ``status`` is stored shows the alarm in it (whatever the
    machine's load: nothing cached on the way), and the wall's security module then shows it."""
    answer = refreshes.first_after(_committed(store, alarm_id, status))
    text = term("alarm_status", status, "en")
    row = component_with(answer, "data-alarm-id", alarm_id)
    assert row and text in text_of(row), f"the first wall refresh after {status} showed {row and text_of(row)!r}"
    wall.wait_for_function(
        "([id, text]) => { const r = document.querySelector(`#panel-security .alarm-row[data-alarm-id='${id}']`);"
        " return r && r.innerText.includes(text); }",
        arg=[alarm_id, text],
        timeout=10_000,
    )


def _click(page: Page, selector: str) -> None:
    """Click a control once it is enabled."""
    page.wait_for_selector(f"{selector}:not([disabled])", timeout=10_000)
    page.click(selector)


def test_the_reference_scene_from_alarm_to_report(browser: Browser, server: WallServer, store: Store,
                                                  media: Path, output_dir: Path) -> None:
    url = server.url
    wall = open_wall(browser, url)
    refreshes = RefreshWatch(wall, "panel-security.children")
    console_ctx, console = _signed_in(browser, url, OPERATOR, "/console", viewport={"width": 1920, "height": 1080})
    phone_ctx, phone = _signed_in(browser, url, GUARD, "/guard", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    phone.wait_for_selector(".guard-none")
    with store.session() as s:
        guard = s.get(Guard, s.get(User, GUARD[0]).guard_id)
        guard_id, guard_name = guard.id, guard.name

    # An alarm arrives: the wall pops it up, the console lists it with its SLA clock.
    jpeg = (media / "fixture_towncentre_frame_640x360.jpg").read_bytes()
    alarm_id, _ = store_alarm(store, 1, jpeg, (640, 360))
    wait_for_popup(wall, alarm_id)
    row = f'.console-row[data-alarm-id="{alarm_id}"]'
    console.wait_for_selector(row, timeout=10_000)
    assert "left" in console.inner_text(f"{row} .sla--ok")
    console.click(row)
    console.wait_for_selector(f'#console-detail [data-alarm-id="{alarm_id}"]')

    # A refused step is a message, not a traceback: a false alarm needs a reason code.
    _click(console, "#c-false")
    console.wait_for_selector("#console-message .outcome--refused")
    assert "needs a reason code" in console.inner_text("#console-message")

    # The operator acknowledges: the popup closes and the wall's next refresh shows the step.
    _click(console, "#c-ack")
    _wall_shows(wall, refreshes, store, alarm_id, "acknowledged")
    wall.wait_for_selector("#alarm-popup:not(.popup--open)", state="attached", timeout=5_000)

    # ... and dispatches the guard on patrol, chosen from the duty roster.
    console.click("#c-guard")
    console.click(f'.dash-dropdown-option:has-text("{guard_name}")')
    console.fill("#c-note", "sent by radio")
    _click(console, "#c-dispatch")
    _wall_shows(wall, refreshes, store, alarm_id, "dispatched")
    console.wait_for_selector(f'.roster-row[data-guard-id="{guard_id}"][data-status="dispatched"]')
    console.screenshot(path=str(output_dir / "console_1920x1080.png"))

    # The guard's phone shows his dispatch with snapshot, camera, zone and plan; on scene, then resolved.
    card = f'.guard-card[data-alarm-id="{alarm_id}"]'
    phone.wait_for_selector(card, timeout=10_000)
    phone.wait_for_function(f"() => document.querySelector('{card} .guard-snapshot').naturalWidth === 640")
    text = phone.inner_text(card)
    assert "Lake east shore" in text and "Lake (drowning danger)" in text and "East lawn" in text
    assert phone.evaluate(f"() => document.querySelector('{card} .guard-map').naturalWidth") > 0
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the phone page is {width} px wide"
    button = phone.locator(f"{card} .guard-button--on_scene").bounding_box()
    assert button and button["height"] >= 56 and button["width"] >= 150, button
    phone.screenshot(path=str(output_dir / "guard_phone_390x844.png"))
    _click(phone, f"{card} .guard-button--on_scene")
    _wall_shows(wall, refreshes, store, alarm_id, "on_scene")
    phone.wait_for_selector(f'{card}[data-status="on_scene"]')
    phone.screenshot(path=str(output_dir / "guard_phone_on_scene_390x844.png"))
    _click(phone, f'{card}[data-status="on_scene"] .guard-button--resolved')
    answer = refreshes.first_after(_committed(store, alarm_id, "resolved"))
    assert "panel-security" in answer and component_with(answer, "data-alarm-id", alarm_id) is None, (
        "the first wall refresh after the guard resolved the alarm still lists it")
    wall.wait_for_selector(f'#panel-security .alarm-row[data-alarm-id="{alarm_id}"]', state="detached", timeout=10_000)
    phone.wait_for_selector(".guard-none")

    # The console's audit trail: every step with its user and time.
    console.wait_for_selector('#console-trail tr[data-step="resolved"]', timeout=10_000)
    steps = console.eval_on_selector_all(
        "#console-trail tbody tr",
        "rows => rows.map(r => [r.dataset.step, r.dataset.actor, r.cells[0].innerText, r.cells[3].innerText])",
    )
    assert [(step, actor) for step, actor, _, _ in steps] == [
        ("new", "camera:lake-east"), ("acknowledged", "op1"), ("dispatched", "op1"),
        ("on_scene", "guard1"), ("resolved", "guard1"),
    ]
    assert all(len(at) == len("06-10 14:03:27") for _, _, at, _ in steps)
    assert steps[2][3] == "sent by radio"
    console.screenshot(path=str(output_dir / "console_resolved_1920x1080.png"))
    with store.session() as s:
        assert s.get(Alarm, alarm_id).status == "resolved"
        assert s.get(Guard, guard_id).status == "on_patrol"

    # The manager's shift report counts it, by zone and by guard, and exports CSV.
    report_ctx, report = _signed_in(browser, url, MANAGER, "/report", viewport={"width": 1920, "height": 1080})
    report.wait_for_selector(f'#report-guards tr[data-key="{guard_id}"]', timeout=10_000)
    assert guard_name in report.inner_text("#report-guards")
    assert int(report.inner_text("#report-alarms")) >= 1
    report.screenshot(path=str(output_dir / "report_1920x1080.png"))
    with report.expect_download() as download:
        report.click("#report-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Kind", "Zone / guard", "Alarms"]
    guard_rows = [r for r in rows if r[0] == "guard" and r[1] == guard_name]
    assert guard_rows and guard_rows[0][2:4] == ["1", "1"], guard_rows
    for ctx in (console_ctx, phone_ctx, report_ctx):
        ctx.close()
    wall.close()
