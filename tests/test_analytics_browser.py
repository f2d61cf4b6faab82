"""The analytics page in real Chromium against the real app on a SQLite store seeded by the simulator
(three days of footfall for its 14 merchants): a manager changes the range and the comparison,
opens a merchant from the league table, downloads a table as CSV (checked against sums taken from
the store directly) and a chart as PNG (in the selected language); types a custom range, draws it
per day, week and hour, and reads conversion and sales per visitor per merchant and per format
(against the store's own sums); a guard is turned away; the wall's commerce module links to the page.
"""

from __future__ import annotations

import csv
import io
import struct
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import func, select

from layouts.i18n import t
from layouts.panels.analytics import file_name, optional, percent
from ops_center.queries.analytics import headline
from ops_center.queries.common import ReadContext
from ops_center.queries.periods import Comparison, Period, Preset, comparison, custom, preset
from ops_center.simulator import seed
from ops_center.store.db import Store, open_store
from ops_center.store.models import Footfall, Guard, Merchant, MerchantSales
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


def _visitors_per_day(store: Store, days: list[date], tz: ZoneInfo) -> dict[date, dict[str, int]]:
    """People in per local day and merchant, summed straight from the minute buckets."""
    return {day: _visitors_by_merchant(store, custom(day, day, tz)) for day in days}


def _series_csv(page: Page) -> dict[str, dict[str, str]]:
    """The series table's CSV: bucket -> merchant name -> cell."""
    _, rows = _csv(page, _button("csv", "series"))
    return {row[0]: dict(zip(rows[0][1:], row[1:], strict=True)) for row in rows[1:]}


def _wait_for_ticks(page: Page, labels: list[str] | None) -> None:
    """Until the series chart is redrawn with these category ``labels`` (None: with a time axis, per hour)."""
    page.wait_for_function(
        """labels => { const ticks = [...document.querySelectorAll('#analytics-series .xtick text')]
                                         .map(t => t.textContent);
                       return labels ? JSON.stringify(ticks) === JSON.stringify(labels)
                                     : ticks.length > 0 && !ticks.some(t => /^\\d{4}-\\d{2}-\\d{2}$/.test(t)); }""",
        arg=labels, timeout=30_000)


def _cells(page: Page, table: str) -> dict[str, list[str]]:
    """A table's rows as shown: row id -> its cells' text."""
    rows = page.eval_on_selector_all(f"#analytics-{table} tbody tr",
                                     "rows => rows.map(r => [r.dataset.rowId, ...[...r.cells].map(c => c.innerText)])")
    return {row[0]: row[1:] for row in rows}


def test_a_custom_range_per_day_week_and_hour_and_the_sales_tables(manager: Page, server: WallServer,
                                                                  store: Store) -> None:
    page, tz = manager, ReadContext.for_site(server.config).tz
    today = ReadContext.for_site(server.config).local(utcnow()).date()
    first, last = today - timedelta(days=3), today - timedelta(days=2)  # two whole seeded days
    period = custom(first, last, tz)
    per_day = _visitors_per_day(store, [first, last], tz)
    with store.session() as s:
        names = {m: name for m, name in s.execute(select(Merchant.id, Merchant.name))}
        formats = {m: str(f) for m, f in s.execute(select(Merchant.id, Merchant.business_format))}
        sold = s.execute(select(MerchantSales.merchant_id, func.sum(MerchantSales.transactions),
                                func.sum(MerchantSales.revenue_cents))
                         .where(MerchantSales.day >= first, MerchantSales.day <= last)
                         .group_by(MerchantSales.merchant_id)).all()

    # The custom range, typed as a manager types it: the headline follows the store's sums.
    page.click("#analytics-range label:has-text('Custom range')")
    page.wait_for_selector("#analytics-days-start", state="visible")
    for field, day in (("#analytics-days-start", first), ("#analytics-days-end", last)):
        page.click(field)
        page.fill(field, f"{day:%Y-%m-%d}")
        page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _wait_for_text(page, "#analytics-period", f"{first:%Y-%m-%d} to {last:%Y-%m-%d}")
    total = sum(sum(day.values()) for day in per_day.values())
    _wait_for_text(page, "#analytics-kpi-visitors", f"{total:,}")

    # Per day: one row a day, each merchant's cell its sum of that day; an empty cell, no count.
    page.click("#analytics-granularity label:has-text('Day')")
    _wait_for_ticks(page, [f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"])  # redrawn: its CSV button is the new one
    shown = _series_csv(page)
    assert list(shown) == [f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"]
    for day, row in zip((first, last), shown.values(), strict=True):
        assert {m: int(row[names[m]]) for m in per_day[day]} == per_day[day]
        assert all(cell == "" for name, cell in row.items() if name not in {names[m] for m in per_day[day]})

    # Per week (from Monday): the days of the range in each week, summed.
    page.click("#analytics-granularity label:has-text('Week')")
    weeks: dict[date, dict[str, int]] = {}
    for day, visitors in per_day.items():
        week = weeks.setdefault(day - timedelta(days=day.weekday()), {})
        for merchant, n in visitors.items():
            week[merchant] = week.get(merchant, 0) + n
    expected_weeks = {f"{monday:%Y-%m-%d}": week for monday, week in sorted(weeks.items())}
    _wait_for_ticks(page, list(expected_weeks))
    shown = _series_csv(page)
    assert list(shown) == list(expected_weeks)
    assert all({m: int(row[names[m]]) for m in expected_weeks[k]} == expected_weeks[k] for k, row in shown.items())

    # Per hour: 48 hours, summing to the range's visitors.
    page.click("#analytics-granularity label:has-text('Hour')")
    _wait_for_ticks(page, None)
    shown = _series_csv(page)
    assert len(shown) == 48 and sum(int(c) for row in shown.values() for c in row.values() if c) == total

    # The sales tables: conversion and sales per visitor per merchant and per format, from the store's sums.
    cells = _cells(page, "sales")
    by_format: dict[str, list[int]] = {}
    for merchant, transactions, cents in sold:
        visitors = sum(day.get(merchant, 0) for day in per_day.values())
        row = cells[merchant]
        assert row[0] == names[merchant] and row[3] == f"{int(transactions):,}"
        assert row[5] == percent(int(transactions) * 100 / visitors)
        assert row[6] == optional(int(cents) / 100 / visitors, 2)
        sums = by_format.setdefault(formats[merchant], [0, 0, 0])
        sums[0], sums[1], sums[2] = sums[0] + int(transactions), sums[1] + int(cents), sums[2] + visitors
    assert set(cells) == {merchant for merchant, _, _ in sold}
    shown_formats = _cells(page, "sales_formats")
    assert set(shown_formats) == set(by_format)
    for business_format, (transactions, cents, visitors) in by_format.items():
        row = shown_formats[business_format]
        assert row[4] == percent(transactions * 100 / visitors) and row[5] == optional(cents / 100 / visitors, 2)
    with store.session() as s:
        assert _kpi(page, "conversion") == percent(headline(s, period, comparison(period, Comparison.PREVIOUS_PERIOD))
                                                   .conversion_pct)
    page.click("#analytics-range label:has-text('Last 7 days')")  # the range persists in the session: leave it as found
    _wait_for_text(page, "#analytics-period", f"{today - timedelta(days=7):%Y-%m-%d}")
