"""Find my car on a phone (390x844) and the lot view from the wall, in real Chromium against the real
app on a SQLite store filled by the simulator, with the demo's lot maps: a space typed gives its
level and the route drawn on each level walked; a plate typed gives its space and is shown as typed;
a search by space never shows the stored plate; an operator opens a lot from the wall's parking module.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import func, select

from ops_center.config import load_config
from ops_center.simulator import seed
from ops_center.store.db import Store, open_store
from ops_center.store.models import ParkingCount, ParkingLevel, ParkingSpace
from ops_center.store.types import utcnow
from tests.wall_harness import WALL_USER, WallServer, log_in, open_wall, site_config

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('findcar') / 'ops.db'}")
    seed(store, utcnow(), history_days=1, rng_seed=7)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[WallServer]:
    config = site_config("en").model_copy(update={"parking": load_config(ROOT / "config" / "demo.yaml").parking})
    wall = WallServer(config, store).start()
    yield wall
    wall.stop()


@pytest.fixture
def phone(browser: Browser, server: WallServer) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, server.url, *WALL_USER, path="/find-car")
    page.wait_for_selector("#findcar-query")
    yield page
    context.close()


def _search(page: Page, query: str, code: str = "") -> None:
    page.fill("#findcar-query", query)
    page.fill("#findcar-code", code)
    page.click("#findcar-go")


def _drawn_levels(page: Page) -> dict[str, str]:
    """Each level figure of the result -> its SVG text (decoded from the image)."""
    figures = page.query_selector_all(".findcar-level")
    out = {}
    for figure in figures:
        src = figure.query_selector("img").get_attribute("src") or ""  # type: ignore[union-attr]
        out[figure.get_attribute("data-level") or ""] = base64.b64decode(src.split(",", 1)[1]).decode()
    return out


def _fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth"))


def _taken_with_plate(store: Store, lot_id: str) -> tuple[str, str]:
    with store.session() as s:
        space_id, plate = s.execute(
            select(ParkingSpace.id, ParkingSpace.plate).join(ParkingLevel, ParkingSpace.level_id == ParkingLevel.id)
            .where(ParkingLevel.lot_id == lot_id, ParkingSpace.occupied, ParkingSpace.plate.is_not(None))
            .order_by(ParkingSpace.id).limit(1)
        ).one()
    assert plate is not None
    return space_id, plate


def test_a_space_typed_gives_its_level_and_the_route_through_the_lift(phone: Page, output_dir: Path) -> None:
    _search(phone, "a-b2-087")  # no place given: from the lot's first entrance, the vehicle ramp on B1
    phone.wait_for_selector('.findcar-route[data-space="A-B2-087"][data-level="B2"]')
    steps = phone.inner_text(".findcar-steps")
    assert "Take Lift of building 1 to North Garage B2" in steps
    assert steps.splitlines()[-1].endswith("to space A-B2-087")
    drawn = _drawn_levels(phone)
    assert list(drawn) == ["B1", "B2"]
    assert 'class="route"' in drawn["B1"] and 'class="route"' in drawn["B2"]
    assert 'data-space="A-B2-087"' in drawn["B2"] and re.search(r'class="space mine" data-space="A-B2-087"', drawn["B2"])
    assert _fits_the_phone(phone)
    phone.screenshot(path=str(output_dir / "findcar_390x844.png"), full_page=True)

    # From a code posted on B1 near the third aisle, and from the lift chosen in the list.
    _search(phone, "A-B1-101", code="B1-W3")
    phone.wait_for_selector('.findcar-route[data-space="A-B1-101"]')
    assert list(_drawn_levels(phone)) == ["B1"] and "about 11 m" in phone.inner_text(".findcar-steps")
    phone.click("#findcar-from")
    phone.click('.dash-dropdown-option:has-text("Lift of building 3")')
    _search(phone, "A-B2-001")
    phone.wait_for_selector('.findcar-route[data-space="A-B2-001"]')
    assert phone.inner_text(".findcar-steps").splitlines()[0] == "Take Lift of building 3 to North Garage B2"


def test_a_plate_typed_gives_its_space_and_is_shown_as_typed(phone: Page, store: Store) -> None:
    space_id, plate = _taken_with_plate(store, "b")
    typed = plate.replace("·", "").lower()
    _search(phone, typed, code="G-E2")
    phone.wait_for_selector(f'.findcar-route[data-space="{space_id}"]')
    assert phone.inner_text(".findcar-headline") == f"{typed} is parked in space {space_id}"
    assert plate not in phone.content(), "the stored spelling of the plate never reaches the page"


def test_a_search_by_space_never_shows_its_plate(phone: Page, store: Store) -> None:
    space_id, plate = _taken_with_plate(store, "c")
    _search(phone, space_id)
    phone.wait_for_selector(f'.findcar-route[data-space="{space_id}"]')
    assert phone.inner_text(".findcar-headline") == f"Space {space_id}"
    html = phone.content()
    assert plate not in html and plate.replace("·", "") not in html


def test_unknown_spaces_and_starts_are_said_plainly(phone: Page) -> None:
    _search(phone, "Z-9-999")
    phone.wait_for_selector(".findcar-result .outcome--refused")
    assert "No space or parked car matches “Z-9-999”" in phone.inner_text(".findcar-result")
    _search(phone, "A-B1-001", code="roof")
    phone.wait_for_function("() => document.querySelector('.findcar-result').innerText.includes('unknown start')")
    assert "unknown start 'roof' in lot a" in phone.inner_text(".findcar-result")
    _search(phone, "A-B1-001", code="G-E2")
    phone.wait_for_function("() => document.querySelector('.findcar-result').innerText.includes('is in lot b')")


def test_an_operator_opens_a_lot_from_the_wall_and_sees_its_levels_counted(browser: Browser, server: WallServer,
                                                                           store: Store, output_dir: Path) -> None:
    wall = open_wall(browser, server.url)
    wall.click('#panel-parking a.lot-link[href="/lots?lot=a"]')
    wall.wait_for_url(f"{server.url}/lots?lot=a")
    wall.wait_for_selector('.lot-view[data-lot="a"] .lot-level[data-level="B2"]')
    with store.session() as s:
        taken = {level: n for level, n in s.execute(
            select(ParkingLevel.name, func.count()).join(ParkingSpace, ParkingSpace.level_id == ParkingLevel.id)
            .where(ParkingLevel.lot_id == "a", ParkingSpace.occupied).group_by(ParkingLevel.name))}
        gate = s.scalars(select(ParkingCount.source).where(ParkingCount.lot_id == "a")
                         .order_by(ParkingCount.at.desc())).first()
    for level, spaces in (("B1", 120), ("B2", 100)):
        block = wall.query_selector(f'.lot-level[data-level="{level}"]')
        assert block is not None
        assert block.get_attribute("data-counted-by") == "gate"
        assert int(block.get_attribute("data-taken") or -1) == taken[level]
        assert f"{spaces - taken[level]} free of {spaces}" in block.inner_text()
        source = block.query_selector(".lot-source--gate")
        assert source is not None and source.get_attribute("data-source") == gate
        assert re.search(r"\d+ (s|min) ago", source.inner_text())
    wall.screenshot(path=str(output_dir / "lot_view_1920x1080.png"))
    wall.close()
