"""The residents' page in real Chromium on a phone's screen (390x844), against the real app on a
SQLite store seeded by the simulator: anonymous on a site that publishes it and on one that does
not, a resident, and every staff role; an admin posts a notice on ``/notices`` and the page shows it.
Screenshots land in ``test-output/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from ops_center.config import ResidentsConfig, SiteConfig
from ops_center.simulator import seed
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Guard, ParkingSpace
from ops_center.store.types import utcnow
from tests.test_residents import DEMO_PARKING
from tests.wall_harness import WallServer, add_user, log_in, site_config

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
OUT = Path("test-output")
USERS = {  # name: (password, role)
    "zhang": ("resident pass 1", "resident"),
    "op1": ("operator pass 1", "operator"),
    "boss": ("manager pass 1", "manager"),
    "root": ("admin pass 0001", "admin"),
    "guard1": ("guard pass 0001", "guard"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('residents') / 'ops.db'}")
    seed(store, utcnow(), history_days=1, rng_seed=7)
    with store.session() as s:
        writes.sync_cameras(s, site_config().cameras)
        for space in s.scalars(select(ParkingSpace).where(ParkingSpace.occupied).limit(10)):
            space.plate = f"沪B{space.id[-3:]}Q9"
        guard_id = s.scalars(select(Guard.id).order_by(Guard.id)).first()
    for name, (password, role) in USERS.items():
        add_user(store, name, password, role, guard_id if role == "guard" else None)
    yield store
    store.dispose()


def _server(store: Store, public: bool) -> Iterator[WallServer]:
    base = site_config()
    config: SiteConfig = base.model_copy(update={"residents": ResidentsConfig(public=public, refresh_s=1),
                                                 "parking": DEMO_PARKING})
    server = WallServer(config, store).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def published(store: Store) -> Iterator[WallServer]:
    yield from _server(store, public=True)


@pytest.fixture(scope="module")
def private(store: Store) -> Iterator[WallServer]:
    yield from _server(store, public=False)


def _secrets(store: Store) -> list[str]:
    """What the store holds that the residents' page must never show."""
    with store.session() as s:
        plates = list(s.scalars(select(ParkingSpace.plate).where(ParkingSpace.plate.is_not(None))))
        guards = list(s.scalars(select(Guard.name)))
    camera = site_config().cameras[0]
    return [*plates, *guards, camera.name, camera.place, "op1", "boss", "guard1"]


def _phone(browser: Browser) -> Page:
    return browser.new_context(viewport=PHONE).new_page()


def _figures_shown(page: Page) -> None:
    page.wait_for_selector(".residents-lot .residents-level", timeout=30_000)
    page.wait_for_selector(".residents-traffic .strip-item", timeout=30_000)
    assert page.locator(".residents-lot").count() == 3
    assert page.locator(".residents-level").count() == 4  # a: B1, B2; b: G; c: B1
    assert page.locator(".residents-lot .age").count() == 7 and page.locator(".residents-traffic .age").count() == 3


def _fits_the_phone(page: Page) -> None:
    widths = page.evaluate("""() => [document.documentElement.scrollWidth,
        Math.max(...[...document.querySelectorAll('.residents-page *')].map(e => e.getBoundingClientRect().right))]""")
    assert max(widths) <= PHONE["width"] + 0.5, widths


def test_anonymous_on_a_published_site_sees_the_figures_and_nothing_else(browser: Browser, published: WallServer,
                                                                         store: Store) -> None:
    page = _phone(browser)
    page.goto(f"{published.url}/residents")
    _figures_shown(page)
    _fits_the_phone(page)
    text = page.inner_text("body")
    assert "空余车位" in text and "North Garage" in text and "Lake Bridge" in text
    assert [secret for secret in _secrets(store) if secret in page.inner_html("#react-entry-point")] == []
    page.wait_for_selector("#login-link")
    assert [link.get_attribute("id") for link in page.locator("#nav a").all()] == ["nav-residents", "nav-findcar"]
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "residents_public_390x844.png"), full_page=True)
    page.click("#residents-find-car")  # a visitor finds the way to a space number without a login
    page.fill("#findcar-query", "A-B2-001")
    page.click("#findcar-go")
    page.wait_for_selector(".findcar-route .findcar-level", timeout=30_000)
    assert "A-B2-001" in page.inner_text(".findcar-headline")
    page.goto(f"{published.url}/")
    page.wait_for_selector("#username")
    assert "/login" in page.url
    page.context.close()


def test_anonymous_without_publishing_signs_in_as_a_resident(browser: Browser, private: WallServer,
                                                             store: Store) -> None:
    page = _phone(browser)
    page.goto(f"{private.url}/residents")
    page.wait_for_selector("#username")
    assert "/login" in page.url
    page.fill("#username", "zhang")
    page.fill("#password", USERS["zhang"][0])
    page.click("#login")
    page.wait_for_url(f"{private.url}/residents")
    _figures_shown(page)
    assert page.locator("#residents-find-car").get_attribute("href") == "/find-car"
    page.wait_for_selector("#nav-residents")
    assert "nav-wall" not in page.inner_html("#nav") and "nav-notices" not in page.inner_html("#nav")
    page.check("#lang input[value='en']")
    page.wait_for_selector("text=Free parking spaces")
    _fits_the_phone(page)
    assert [secret for secret in _secrets(store) if secret in page.inner_html("#react-entry-point")] == []
    page.screenshot(path=str(OUT / "residents_resident_390x844.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("user", ["op1", "boss", "root", "guard1"])
def test_each_staff_role_on_the_phone(browser: Browser, private: WallServer, user: str) -> None:
    page = _phone(browser)
    role = USERS[user][1]
    if role == "guard":  # no residents' page: the gate sends him to his own
        page.goto(f"{private.url}/residents")
        page.fill("#username", user)
        page.fill("#password", USERS[user][0])
        page.click("#login")
        page.wait_for_url(f"{private.url}/guard")
        page.wait_for_selector(".guard-page")
        assert page.locator("#nav-residents").count() == 0
    else:
        log_in(page, private.url, user, USERS[user][0], "/residents")
        _figures_shown(page)
        _fits_the_phone(page)
        page.wait_for_selector("#nav-residents")
        assert page.locator("#residents-find-car").count() == 1
        assert (page.locator("#nav-notices").count() == 1) == (role == "admin")
    page.context.close()


def test_an_admins_notice_reaches_the_residents_page(browser: Browser, private: WallServer) -> None:
    admin = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(admin, private.url, "root", USERS["root"][0], "/notices")
    admin.fill("#notice-title", "Lift 2 service 2号电梯检修")
    admin.fill("#notice-body", "Thursday 9:00-11:00.\n周四9点至11点。")
    admin.click("#notice-post")
    admin.wait_for_selector(".notice-message .outcome--done")
    row = admin.locator(".notice-row").filter(has_text="Lift 2 service")
    assert "root" in row.inner_text()
    admin.fill("#notice-title", "")
    admin.click("#notice-post")
    admin.wait_for_selector(".notice-message .outcome--refused")
    assert "title: write some text" in admin.inner_text(".notice-message")
    resident = _phone(browser)
    log_in(resident, private.url, "zhang", USERS["zhang"][0], "/residents")
    resident.wait_for_selector(".residents-notice:has-text('2号电梯检修')", timeout=15_000)
    assert "root" not in resident.inner_text(".residents-notices")
    admin.locator(".notice-row").filter(has_text="Lift 2 service").locator(".notice-remove").click()
    admin.wait_for_selector(".notice-row:has-text('root 撤下于')")  # removed by root
    resident.wait_for_selector(".residents-notice:has-text('2号电梯检修')", state="detached", timeout=15_000)
    admin.context.close()
    resident.context.close()
