"""The analytics page's pure parts: what its controls select, and the panels drawn from hand-made
query results (tiles, charts that keep gaps as gaps, the sortable league table, CSV rows), in both
languages; and the wall's commerce module's link to the page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dash import dcc

from layouts.export import csv_text
from layouts.pages.analytics import (
    Drawing,
    Figures,
    Loading,
    loading,
    loading_notes,
    merchant_of,
    overview,
    selection,
    table_rows,
)
from layouts.panels import analytics as panels
from layouts.panels import commerce
from ops_center.errors import InputError
from ops_center.queries import Stamp
from ops_center.queries.analytics import GarageHours, Headline, HeatMap, HourlyProfile, LeagueRow, SalesRow, Series
from ops_center.queries.commerce import CommercePanel
from ops_center.queries.periods import custom
from ops_center.simulator.commerce import ShopHistory
from ops_center.vocabulary import BusinessFormat

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 10, 6, 37, tzinfo=UTC)  # 14:37 in Shanghai
PERIOD = custom(date(2026, 6, 9), date(2026, 6, 9), SHANGHAI)
STARTS = [datetime(2026, 6, 9, h, tzinfo=SHANGHAI) for h in range(3)]
SERIES = Series("hour", STARTS, {"m1": [5, None, 7], "m2": [None, None, 1]})
HEAT = HeatMap([[None] * 24 for _ in range(7)])
HEAT.cells[1][10] = 12
CATERING, FITNESS = BusinessFormat.CATERING, BusinessFormat.FITNESS


def _row(merchant_id: str, name: str, business_format: BusinessFormat, area: float | None, visitors: int | None,
         compared: int | None, change: float | None, hours: float, per_hour: float | None,
         per_m2: float | None) -> LeagueRow:
    return LeagueRow(merchant_id=merchant_id, name=name, category=name.lower(), business_format=business_format,
                     area_m2=area, visitors=visitors, comparison_visitors=compared, change_pct=change, open_hours=hours,
                     visitors_per_open_hour=per_hour, visitors_per_m2=per_m2)


ROWS = [
    _row("m1", "Cloud Cafe", CATERING, 60.0, 12, 10, 20.0, 12.0, 1.0, 0.2),
    _row("m2", "Bakery", CATERING, None, 1, None, None, 10.0, 0.1, None),
    _row("m3", "Gym", FITNESS, 800.0, None, 4, None, 0.0, None, None),
]
HEADLINE = Headline(visitors=13, comparison_visitors=14, change_pct=-100 / 14, busiest_hour=9, busiest_day=date(2026, 6, 9),
                    merchants_open=3, merchants_with_data=2, conversion_pct=None)
SALE = SalesRow("m1", CATERING, days=1, transactions=3, revenue=120.5, days_matched=1, transactions_matched=3,
                revenue_matched=120.5, visitors_matched=12, conversion_pct=25.0, revenue_per_visitor=120.5 / 12)
PROFILE = HourlyProfile("m1", CATERING, merchant=[None] * 8 + [4.0, 6.5] + [None] * 14,
                        format_average=[None] * 8 + [3.0, 5.25] + [None] * 14, format_merchants=[0] * 8 + [2, 2] + [0] * 14)
GARAGE = GarageHours("c", STARTS, occupied=[10.0, None, 30.5], occupancy_pct=[10.0, None, 30.5], visitors=[5, None, 8])
FIGURES = Figures(headline=HEADLINE, series=SERIES, heat=HEAT, league=ROWS, sales=[SALE], garage=GARAGE, profile=PROFILE)


def _select(range_value: Any = "yesterday", start: Any = None, end: Any = None, compare: Any = "previous_period",
            granularity: Any = "hour") -> Any:
    return selection(range_value, start, end, compare, granularity, NOW, SHANGHAI)


# --- the controls --------------------------------------------------------------------------------


def test_the_controls_select_a_period_its_comparison_and_a_granularity() -> None:
    yesterday = _select()
    assert (yesterday.period, yesterday.granularity, yesterday.hourly_refused) == (PERIOD, "hour", False)
    assert yesterday.compared_with == custom(date(2026, 6, 8), date(2026, 6, 8), SHANGHAI)
    assert _select(compare="last_year").compared_with == custom(date(2025, 6, 9), date(2025, 6, 9), SHANGHAI)
    today = _select("today")
    assert (today.period.start, today.period.end) == (datetime(2026, 6, 10, tzinfo=SHANGHAI), NOW)
    chosen = _select("custom", "2026-01-01", "2026-03-31", granularity="hour")
    assert (len(chosen.period.days), chosen.granularity, chosen.hourly_refused) == (90, "day", True)
    assert _select("custom", "2026-01-01T00:00:00", "2026-01-31", granularity="week").granularity == "week"


@pytest.mark.parametrize(("values", "message"), [
    ({"range_value": "forever"}, "analytics-range: 'forever' is not one of today, yesterday"),
    ({"compare": None}, "analytics-compare: 'None' is not one of previous_period, last_year"),
    ({"granularity": "minute"}, "analytics-granularity: 'minute' is not one of hour, day, week"),
    ({"range_value": "custom", "start": "june", "end": "2026-06-09"}, "analytics-days.start_date: 'june' is not a date"),
    ({"range_value": "custom", "start": "2026-06-09", "end": None}, "analytics-days.end_date: 'None' is not a date"),
    ({"range_value": "custom", "start": "2026-06-09", "end": "2026-06-01"}, "the last day 2026-06-01 comes before"),
    ({"range_value": "custom", "start": "2024-01-01", "end": "2026-06-01"}, "is longer than 366 days"),
    ({"range_value": "custom", "start": "9999-12-30", "end": "9999-12-31"}, "lies outside 2000..2099"),
])
def test_controls_the_page_never_sends_are_refused_naming_the_control(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        _select(**values)


def test_the_address_names_a_merchant_or_none() -> None:
    assert merchant_of("?merchant=m01") == "m01"
    assert merchant_of("?merchant=a%2Fb&x=1") == "a/b"
    assert merchant_of("") is None and merchant_of(None) is None and merchant_of("?x=1") is None
    assert panels.merchant_href("a/b") == "/analytics?merchant=a%2Fb"


# --- tiles and text ------------------------------------------------------------------------------


def test_headline_figures_in_both_languages_and_without_a_comparison() -> None:
    assert [(key, value, note) for key, _, value, note in panels.headline_figures(HEADLINE, "en")] == [
        ("visitors", "13", ""), ("change", "-7.1%", "against 14"), ("busiest_hour", "09:00", ""),
        ("busiest_day", "2026-06-09 Tue", ""), ("merchants_open", "3", "2 with counts")]
    empty = Headline(None, None, None, None, None, 0, 0, None)
    zh = panels.headline_figures(empty, "zh-CN")
    assert [value for _, _, value, _ in zh] == ["—", "—", "—", "—", "0"] and zh[1][3] == "对比期无数据"
    with_sales = panels.headline_figures(Headline(13, None, None, 9, None, 3, 2, 23.456), "en")
    assert with_sales[-1][:3] == ("conversion", "Conversion", "23.5%")
    assert panels.headline_rows(HEADLINE, "zh-CN")[1] == ["客流", "13", ""]


def test_period_text_and_file_names() -> None:
    assert panels.period_text(PERIOD, _select(compare="last_year").compared_with, "en") == (
        "2026-06-09 to 2026-06-09, compared with 2025-06-09 to 2025-06-09")
    today = _select("today")
    assert panels.period_text(today.period, today.compared_with, "zh-CN") == (
        "2026-06-10 至 2026-06-10 14:37，对比 2026-06-09 至 2026-06-09 14:37")
    assert panels.file_name("heat_map", PERIOD, "zh-CN") == "客流热力图_20260609_20260609"
    assert panels.file_name("league", _select("last_7_days").period, "en") == "merchant-league_20260603_20260609"


# --- charts keep gaps as gaps --------------------------------------------------------------------


def test_the_series_chart_breaks_its_lines_where_no_count_came() -> None:
    figure = panels.series_figure(SERIES, {"m1": "Cloud Cafe"}, "en")
    traces = figure["data"]
    assert [trace["name"] for trace in traces] == ["Cloud Cafe", "m2"]
    assert list(traces[0]["y"]) == [5, None, 7] and traces[0]["connectgaps"] is False
    assert list(traces[0]["x"]) == ["2026-06-09 00:00", "2026-06-09 01:00", "2026-06-09 02:00"]
    assert "no data, not zero" in figure["layout"]["annotations"][0]["text"]


def test_the_heat_map_leaves_cells_without_a_count_blank_and_says_so() -> None:
    figure = panels.heat_figure(HEAT, "zh-CN")
    z = [list(row) for row in figure["data"][0]["z"]]
    assert z[1][10] == 12 and sum(v is None for row in z for v in row) == 7 * 24 - 1
    assert list(figure["data"][0]["y"]) == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert "无数据" in figure["layout"]["annotations"][0]["text"]
    assert figure["layout"]["paper_bgcolor"] == panels.CHART_BACKGROUND  # a PNG that reads on its own


def test_the_garage_and_the_profile_charts_keep_gaps_on_two_axes_and_two_lines() -> None:
    garage = panels.garage_figure(GARAGE, "en")
    bars, line = garage["data"]
    assert list(bars["y"]) == [5, None, 8] and list(line["y"]) == [10.0, None, 30.5] and line["yaxis"] == "y2"
    assert line["connectgaps"] is False and garage["layout"]["yaxis2"]["range"] == [0, 100]
    profile = panels.profile_figure(PROFILE, "Cloud Cafe", "zh-CN")
    mine, average = profile["data"]
    assert (mine["name"], average["name"]) == ("Cloud Cafe", "餐饮平均")
    assert list(mine["y"])[7:10] == [None, 4.0, 6.5] and list(average["x"])[8] == "08:00"


def test_a_chart_offers_its_png_only_to_those_who_may_export() -> None:
    shown = panels.chart("c", {"data": [], "layout": {}}, "客流热力图_20260609_20260609", exportable=True)
    assert isinstance(shown, dcc.Graph)
    assert shown.config["toImageButtonOptions"] == {"format": "png", "filename": "客流热力图_20260609_20260609",
                                                    "scale": panels.PNG_SCALE}
    assert panels.chart("c", {}, "x", exportable=False).config["displayModeBar"] is False


# --- the league table and CSV --------------------------------------------------------------------


def test_the_league_table_sorts_by_any_column_with_unknown_values_last() -> None:
    league = panels.LEAGUE

    def order(state: Any) -> list[str]:
        return [r.merchant_id for r in panels.sorted_rows(league, ROWS, state)]

    assert order(None) == order({}) == ["m1", "m2", "m3"]
    visitors_up = panels.toggled({}, "league", "visitors")
    assert order(visitors_up) == ["m2", "m1", "m3"], "a merchant without a count comes last either way"
    change_up = panels.toggled(panels.toggled({}, "league", "change"), "league", "change")
    assert change_up == {"league": {"column": "change", "descending": False}}
    assert order(change_up) == ["m1", "m2", "m3"]
    assert order(panels.toggled({}, "league", "per_m2")) == ["m1", "m2", "m3"]
    assert order(panels.toggled({}, "league", "area")) == ["m3", "m1", "m2"]
    assert order(panels.toggled(None, "league", "per_open_hour")) == ["m1", "m2", "m3"]
    assert panels.toggled({}, "league", "visitors") == {"league": {"column": "visitors", "descending": False}}
    assert [r.name for r in panels.sorted_rows(league, ROWS, {"league": {"column": "merchant", "descending": False}})] == [
        "Bakery", "Cloud Cafe", "Gym"]
    for bad in ({"league": {"column": "password"}}, {"league": {"column": "visitors", "descending": "yes"}},
                ["visitors"], {"nope": {}}):
        with pytest.raises(ValueError, match="analytics-sort"):
            panels.check_sort(bad)
    with pytest.raises(ValueError, match="no column 'nope' in the league table"):
        panels.toggled(None, "league", "nope")
    with pytest.raises(ValueError, match="no table 'x'"):
        panels.toggled(None, "x", "visitors")


def test_the_league_table_links_each_merchant_and_marks_its_sort() -> None:
    table = panels.sortable_table(panels.LEAGUE, ROWS, {"league": {"column": "change", "descending": True}}, "en")
    head, body = table.children
    labels = [th.children.children for th in head.children.children]
    assert labels[5] == "Change ▼" and labels[3] == "Visitors"
    assert head.children.children[5].children.id == {"type": "analytics-sort", "table": "league", "column": "change"}
    first = body.children[0]
    assert first.children[0].children.href == "/analytics?merchant=m1"
    assert [td.children for td in first.children[1:]] == ["catering", "60", "12", "10", "+20.0%", "12.0", "1.0", "0.20"]
    gym = body.children[2]
    assert [td.children for td in gym.children[1:]][:5] == ["fitness", "800", "—", "4", "—"], "no count is a dash, not 0"


def test_csv_rows_of_every_table_keep_gaps_empty_and_headers_in_the_language() -> None:
    league = table_rows(FIGURES, "league", None, None, "zh-CN")
    assert league[0] == ["商户编号", "商户", "业态", "面积（㎡）", "客流", "对比期客流", "变化", "营业小时", "每营业小时客流",
                         "每平方米客流"]
    assert league[2] == ["m2", "Bakery", "餐饮", "—", "1", "—", "—", "10.0", "0.1", "—"]
    formats = table_rows(FIGURES, "formats", None, None, "en")
    assert formats[0][:4] == ["Format id", "Format", "Merchants (with counts)", "Visitors"]
    assert formats[1][:5] == ["catering", "catering", "2 (2)", "13", "10"]
    assert formats[2][:5] == ["fitness", "fitness", "1 (0)", "—", "—"]
    assert table_rows(FIGURES, "sales", None, None, "en") == [
        ["Merchant id", "Merchant", "Format", "Days of sales", "Transactions", "Revenue (CNY)", "Conversion",
         "Revenue per visitor"],
        ["m1", "Cloud Cafe", "catering", "1", "3", "120.50", "25.0%", "10.04"]]
    assert table_rows(FIGURES, "sales_formats", None, None, "zh-CN")[1] == ["catering", "餐饮", "1", "3", "120.50", "25.0%",
                                                                              "10.04"]
    assert table_rows(FIGURES, "garage", None, None, "en") == [
        ["Start", "Visitors", "Cars parked", "Spaces taken %"], ["2026-06-09 00:00", "5", "10.0", "10.0"],
        ["2026-06-09 01:00", "", "", ""], ["2026-06-09 02:00", "8", "30.5", "30.5"]]
    profile = table_rows(FIGURES, "profile", None, "m1", "en")
    assert profile[0] == ["Hour", "Cloud Cafe", "catering average"] and profile[9] == ["08:00", "4.0", "3.0"]
    assert profile[1] == ["00:00", "", ""] and len(profile) == 25
    assert table_rows(FIGURES, "series", None, None, "en") == [
        ["Start", "Cloud Cafe", "Bakery"], ["2026-06-09 00:00", "5", ""], ["2026-06-09 01:00", "", ""],
        ["2026-06-09 02:00", "7", "1"]]
    heat = table_rows(FIGURES, "heat_map", None, None, "en")
    assert heat[0][:3] == ["Weekday", "00", "01"] and heat[2][0] == "Tue" and heat[2][11] == "12" and heat[1][11] == ""
    assert table_rows(FIGURES, "merchant", None, "m2", "en") == [
        ["Start", "Bakery"], ["2026-06-09 00:00", ""], ["2026-06-09 01:00", ""], ["2026-06-09 02:00", "1"]]
    assert table_rows(FIGURES, "merchant", None, "m3", "en")[1] == ["2026-06-09 00:00", ""]  # no count at all
    with pytest.raises(ValueError, match="no table 'merchant'"):
        table_rows(FIGURES, "merchant", None, "m9", "en")
    text = csv_text(league)
    assert text.startswith("\ufeff") and list(csv.reader(io.StringIO(text[1:])))[1][1] == "Cloud Cafe"


# --- the wall's link ----------------------------------------------------------------------------


def test_the_commerce_module_links_to_the_page_only_for_those_who_may_open_it() -> None:
    data = CommercePanel(merchant_count=14, footfall_today=100, footfall_last_week=90, top=[],
                         updated=Stamp(at=None, age_s=None, stale=True))
    linked, _ = commerce.render(data, "en", analytics_link=True)
    assert "commerce-analytics" in str(linked) and "'/analytics'" in str(linked)
    plain, _ = commerce.render(data, "en", analytics_link=False)
    assert "commerce-analytics" not in str(plain)


# --- while the demo's simulator loads the shops' history ------------------------------------------


def _ids(component: Any) -> list[str]:
    """The ids of ``component`` and everything in it (a list of components too)."""
    if isinstance(component, (list, tuple)):
        return [i for c in component for i in _ids(c)]
    found = [component.id] if isinstance(getattr(component, "id", None), str) else []
    children = getattr(component, "children", None)
    return found + (_ids(children) if children is not None and not isinstance(children, str) else [])


def test_while_the_history_loads_the_page_says_so_and_shows_no_total_of_a_part() -> None:
    today = date(2026, 6, 10)
    history = ShopHistory(first_day=date(2025, 6, 10), loaded_from=date(2026, 6, 3))
    assert loading(history, _select(), today) == Loading(history, today, period_cut=False, comparison_cut=False)
    assert loading(history, _select(compare="last_year"), today) == Loading(
        history, today, period_cut=False, comparison_cut=True)
    assert loading(history, _select("custom", "2026-06-02", "2026-06-09"), today) == Loading(
        history, today, period_cut=True, comparison_cut=True)
    assert loading(ShopHistory(date(2025, 6, 10), date(2025, 6, 10)), _select(), today) is None  # complete

    # The comparison period is not loaded yet: no change is claimed, and the tile says why.
    uncompared = Figures(headline=HEADLINE, series=SERIES, heat=HEAT, league=ROWS, sales=[SALE],
                         loading=loading(history, _select(compare="last_year"), today))
    drawn = overview(uncompared, Drawing(_select(), "en", exportable=True), None)
    assert {"analytics-loading", "analytics-league", "analytics-kpi-change"} <= set(_ids(drawn))
    assert "analytics-loading-period" not in _ids(drawn)
    assert panels.headline_figures(HEADLINE, "en", comparison_loading=True)[1][3] == "history of then still loading"

    # The range itself reaches before the oldest day loaded: its chart of the days loaded, no totals.
    cut = Figures(headline=HEADLINE, series=SERIES, heat=HEAT, league=ROWS, sales=[SALE],
                  loading=loading(history, _select("custom", "2026-06-02", "2026-06-09"), today))
    drawn = overview(cut, Drawing(_select(), "en", exportable=True), None)
    assert _ids(drawn)[:2] == ["analytics-loading", "analytics-loading-period"] and "analytics-series" in _ids(drawn)
    assert not {"analytics-league", "analytics-heat-map", "analytics-sales", "analytics-kpi-visitors"} & set(_ids(drawn))
    assert "8 of 366 days so far (from 2026-06-03 on)" in drawn[0].children
    assert "2026-06-03" in drawn[1].children and "已载入 8 / 366 天" in loading_notes(cut, "zh-CN")[0].children
    assert table_rows(cut, "series", None, None, "en")[0][0] == "Start"
    with pytest.raises(ValueError, match="'league' waits until the shops' history of the range is loaded"):
        table_rows(cut, "league", None, None, "en")
