"""The analytics page in real Chromium against the real app on a SQLite store seeded by the simulator
(three days of footfall for its 14 merchants): a manager changes the range and the comparison,
opens a merchant from the league table, downloads a table as CSV (checked against sums taken from
the store directly) and a chart as PNG (in the selected language); a guard is turned away; the
wall's commerce module links to the page.
"""

from __future__ import annotations

import csv
import io
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import func, select

from layouts.i18n import t
from layouts.panels.analytics import file_name
from ops_center.queries.analytics import headline
from ops_center.queries.common import ReadContext
from ops_center.queries.periods import Comparison, Period, Preset, comparison, preset
from ops_center.simulator import seed
from ops_center.store.db import Store, open_store
from ops_center.store.models import Footfall, Guard
from ops_center.store.types import utcnow
from tests.wall_harness import WallServer, add_user, log_in, site_config

pytestmark = pytest.mark.browser
MANAGER = ("boss", "manager pass 1")
GARAGE = "c"  # the simulator's Square Garage, under the commercial square
GUARD = ("guard1", "guard pass 0001")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('analytics') / 'ops.db'}")
    seed(store, utcnow(), history_days=3, rng_seed=11)
    with store.session() as s:
        guard_id = s.scalars(select(Guard.id).order_by(Guard.id)).first()
    add_user(store, *MANAGER, "manager")
    add_user(store, *GUARD, "guard", guard_id)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[WallServer]:
    config = site_config("en")
    with_garage = config.model_copy(update={"commerce": config.commerce.model_copy(update={"garage": GARAGE})})
    wall = WallServer(with_garage, store).start()
    yield wall
    wall.stop()


@pytest.fixture
def manager(browser: Browser, server: WallServer) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    log_in(page, server.url, *MANAGER, path="/analytics")
    page.wait_for_selector("#analytics-league", timeout=90_000)  # the first drawing of every chart, on a loaded machine
    yield page
    context.close()


def _period(server: WallServer, name: Preset) -> Period:
    read = ReadContext.for_site(server.config)
    return preset(name, read.now, read.tz)


def _visitors_by_merchant(store: Store, period: Period) -> dict[str, int]:
    """People in per merchant over ``period``, summed straight from the minute buckets."""
    with store.session() as s:
        rows = s.execute(select(Footfall.merchant_id, func.sum(Footfall.count_in))
                         .where(Footfall.minute >= period.start, Footfall.minute < period.end)
                         .group_by(Footfall.merchant_id)).all()
    return {merchant: int(n) for merchant, n in rows}


def _kpi(page: Page, key: str) -> str:
    return page.inner_text(f"#analytics-kpi-{key}")


def _wait_for_text(page: Page, selector: str, text: str) -> None:
    page.wait_for_function("([s, text]) => { const e = document.querySelector(s); return e && e.innerText.includes(text); }",
                           arg=[selector, text], timeout=30_000)


def _button(kind: str, name: str) -> str:
    """The export button ``kind`` (``csv`` or ``png``) of the table or chart ``name``."""
    return f"""button[id*='"analytics-{kind}"'][id*='"{name}"']"""


def _csv(page: Page, button: str) -> tuple[str, list[list[str]]]:
    """Click ``button``; the downloaded file's name and rows."""
    with page.expect_download() as download:
        page.click(button)
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, for spreadsheet programs"
    return download.value.suggested_filename, list(csv.reader(io.StringIO(text[1:])))


def _png(page: Page, button: str) -> tuple[str, bytes]:
    """Click ``button``; the downloaded file's name and bytes."""
    with page.expect_download() as download:
        page.click(button)
    return download.value.suggested_filename, Path(download.value.path()).read_bytes()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_range_comparison_click_through_and_exports(manager: Page, server: WallServer, store: Store,
                                                    output_dir: Path) -> None:
    page = manager
    yesterday = _period(server, Preset.YESTERDAY)
    day_before = comparison(yesterday, Comparison.PREVIOUS_PERIOD)
    expected = _visitors_by_merchant(store, yesterday)
    assert sum(expected.values()) > 0, "the simulator counted visitors yesterday"

    # The range: yesterday. The headline and the period line follow.
    page.click("#analytics-range label:has-text('Yesterday')")
    _wait_for_text(page, "#analytics-period", f"{yesterday.start:%Y-%m-%d} to {yesterday.start:%Y-%m-%d}")
    _wait_for_text(page, "#analytics-kpi-visitors", f"{sum(expected.values()):,}")
    previous = sum(_visitors_by_merchant(store, day_before).values())
    assert f"{previous:,}" in page.inner_text(".analytics-kpis")  # "against N" under the change
    with store.session() as s:
        figures = headline(s, yesterday, day_before)
    assert _kpi(page, "busiest_hour") == f"{figures.busiest_hour:02d}:00"

    # The comparison: the same day last year has no count, so no change is claimed.
    page.click("#analytics-compare label:has-text('Same period last year')")
    _wait_for_text(page, ".analytics-kpis", "no count then")
    assert _kpi(page, "change") == "—"
    page.click("#analytics-compare label:has-text('Previous period')")
    _wait_for_text(page, ".analytics-kpis", f"{previous:,}")
    page.wait_for_selector("#analytics-heat-map .main-svg")
    page.screenshot(path=str(output_dir / "analytics_1600x1000.png"))  # docs/analytics.png is one of these

    # CSV of the league table: every merchant's visitors as the store's own sums, most first.
    name, rows = _csv(page, _button("csv", "league"))
    assert name == f"{file_name('league', yesterday, 'en')}.csv"
    assert rows[0][:5] == ["Merchant id", "Merchant", "Format", "Area (m²)", "Visitors"]
    counted = [r for r in rows[1:] if r[4] != "—"]  # a merchant without a single count is no data, last
    visitors = [int(r[4].replace(",", "")) for r in counted]
    assert {r[0]: n for r, n in zip(counted, visitors, strict=True) if n} == expected  # 0: closed all day
    assert all(r[0] not in expected for r, n in zip(counted, visitors, strict=True) if not n)
    assert visitors == sorted(visitors, reverse=True) and rows[1 + len(counted):] == [r for r in rows[1:] if r[4] == "—"]

    # The same by business format, and the garage against footfall hour by hour.
    formats = page.eval_on_selector_all("#analytics-formats tbody tr", "rows => rows.map(r => r.dataset.rowId)")
    assert "catering" in formats and "retail" in formats
    page.wait_for_selector("#analytics-garage .main-svg")

    # Sorting by a header turns the table's order around.
    page.click("#analytics-league th button:has-text('Visitors')")
    _wait_for_text(page, "#analytics-league thead", "Visitors ▲")
    shown = page.eval_on_selector_all("#analytics-league tbody td:nth-child(4)", "cells => cells.map(c => c.innerText)")
    assert [int(n.replace(",", "")) for n in shown if n != "—"] == sorted(visitors)

    # Click through: the busiest merchant opens its own view with its hourly line.
    busiest = max(expected, key=lambda m: expected[m])
    page.click(f'#analytics-league tr[data-row-id="{busiest}"] .merchant-link')
    page.wait_for_selector(f'#analytics-merchant-name[data-merchant-id="{busiest}"]', timeout=30_000)
    assert page.url.endswith(f"/analytics?merchant={busiest}")
    page.wait_for_selector("#analytics-merchant-chart .main-svg")
    _, hourly = _csv(page, _button("csv", "merchant"))
    assert len(hourly) == 1 + 24 and sum(int(n) for _, n in hourly[1:] if n) == expected[busiest]
    assert any(n == "" for _, n in hourly[1:]), "hours without a count are empty cells, not zeros"
    page.wait_for_selector("#analytics-profile .main-svg")
    _, profile = _csv(page, _button("csv", "profile"))
    assert [float(row[1]) if row[1] else None for row in profile[1:]] == [float(n) if n else None for _, n in hourly[1:]]

    # In Chinese: the PNG of the merchant's chart, named in Chinese, a real picture of the chart.
    page.click(".lang-switch label:has-text('中文')")
    _wait_for_text(page, "#analytics-merchant-name", "商户详情")
    name, png = _png(page, _button("png", "analytics-merchant-chart"))
    assert name == f"{file_name('merchant', yesterday, 'zh-CN')}_{busiest}.png" and "商户每小时客流" in name
    width, height = _png_size(png)
    assert width >= 1000 and 400 <= height <= 2000 and len(png) > 20_000

    # Back to every merchant: the heat map's PNG too, and its CSV with Chinese headers.
    page.click("#analytics-back")
    page.wait_for_selector("#analytics-heat-map .main-svg", timeout=30_000)
    name, png = _png(page, _button("png", "analytics-heat-map"))
    assert name.startswith(t("analytics.file.heat_map", "zh-CN")) and _png_size(png)[0] >= 1000
    _, heat = _csv(page, _button("csv", "heat_map"))
    assert heat[0][0] == "星期" and [r[0] for r in heat[1:]] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    page.click(".lang-switch label:has-text('EN')")  # the language persists in the browser: leave it as found


def test_the_wall_links_to_the_page_and_a_guard_is_turned_away(browser: Browser, server: WallServer) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    wall = context.new_page()
    log_in(wall, server.url, *MANAGER, path="/")
    wall.click("#commerce-analytics", timeout=30_000)
    wall.wait_for_selector("#analytics-league", timeout=30_000)
    context.close()

    context = browser.new_context()
    guard = context.new_page()
    log_in(guard, server.url, *GUARD, path="/guard")
    guard.goto(f"{server.url}/analytics")
    assert guard.url == f"{server.url}/guard", "the gate sends a guard to his own page"
    assert guard.locator("#nav-analytics").count() == 0
    context.close()
