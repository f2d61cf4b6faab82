"""Footfall analytics queries against figures computed by hand on a small seeded store (SQLite file
and PostgreSQL), and the pure period logic in Asia/Shanghai (no DST) and Europe/London (DST).

The seeded store, in Shanghai local time (UTC+8), period Tue 9 and Wed 10 June 2026:

    m1 cam-a  06-09 10:05 in 3, 10:40 in 2, 12:00 in 4     06-10 10:15 in 6
    m1 cam-b  06-09 10:30 in 1
    m2 cam-a  06-09 23:59 in 7                             06-10 00:00 in 8, 12:30 in 2
    m3        no bucket at all (open 10:00-22:00 Monday and Tuesday, closed on other days)
    m1 is retail with 100 m2, m2 catering with 50 m2, m3 catering with no area known; m1 and m2 open
    10:00-22:00 every day.
    outside:  m2 06-11 00:00 in 100 (the end is excluded); m1 06-08 23:59 in 50 and 06-07 11:00 in 10
              (the previous period, 7 and 8 June)

So the period has m1 16 + m2 17 = 33 visitors, the previous period 60 (all m1): -45 %.

Sales: m1 06-09 5 transactions 100.50, 06-10 3 for 20.00; m2 06-10 4 for 80.00; m3 06-09 2 for 10.00
(no footfall that day); outside: m1 06-11 99 for 999.00. Garage g: 06-09 10:10 20 of 100 cars,
10:50 40 of 100, 12:30 10 of 100.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from ops_center.opening_hours import Week
from ops_center.queries.analytics import (
    buckets,
    change_pct,
    coverage,
    garage_against_footfall,
    headline,
    heat_map,
    hourly_profile,
    league,
    league_by_format,
    open_hour_starts,
    open_hours,
    sales,
    sales_by_format,
    series,
    utc_offsets,
)
from ops_center.queries.periods import Comparison, Period, Preset, comparison, custom, preset
from ops_center.store.db import Store, open_store
from ops_center.store.models import Footfall, Merchant, MerchantSales, ParkingCount, ParkingLot
from ops_center.vocabulary import BusinessFormat

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
PERIOD = custom(date(2026, 6, 9), date(2026, 6, 10), SHANGHAI)
PREVIOUS = comparison(PERIOD, Comparison.PREVIOUS_PERIOD)
LAST_YEAR = comparison(PERIOD, Comparison.LAST_YEAR)
TUESDAY, WEDNESDAY, SUNDAY = 1, 2, 6
CATERING, RETAIL = BusinessFormat.CATERING, BusinessFormat.RETAIL


def _at(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        *, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=tz, fold=fold)


def _hours(period: Period) -> float:
    return (period.end.astimezone(UTC) - period.start.astimezone(UTC)) / timedelta(hours=1)


# --- periods (pure) --------------------------------------------------------------------------------


def test_presets_in_shanghai_are_local_days_and_today_runs_up_to_now() -> None:
    now = _at(SHANGHAI, 2026, 6, 10, 14, 37, 20).astimezone(UTC)
    today = preset(Preset.TODAY, now, SHANGHAI)
    assert (today.start, today.end) == (_at(SHANGHAI, 2026, 6, 10), now)
    assert preset(Preset.YESTERDAY, now, SHANGHAI) == custom(date(2026, 6, 9), date(2026, 6, 9), SHANGHAI)
    last_7 = preset(Preset.LAST_7_DAYS, now, SHANGHAI)
    assert (last_7.start, last_7.end) == (_at(SHANGHAI, 2026, 6, 3), _at(SHANGHAI, 2026, 6, 10))
    last_30 = preset(Preset.LAST_30_DAYS, now, SHANGHAI)
    assert (last_30.start, len(last_30.days), _hours(last_30)) == (_at(SHANGHAI, 2026, 5, 11), 30, 720)
    month = preset(Preset.THIS_MONTH, now, SHANGHAI)
    assert (month.start, month.end) == (_at(SHANGHAI, 2026, 6, 1), now)
    # today until 14:37 is compared with yesterday until 14:37, not with a whole day
    before = comparison(today, Comparison.PREVIOUS_PERIOD)
    assert (before.start, before.end) == (_at(SHANGHAI, 2026, 6, 9), _at(SHANGHAI, 2026, 6, 9, 14, 37, 20))
    assert comparison(last_7, Comparison.PREVIOUS_PERIOD).start == _at(SHANGHAI, 2026, 5, 27)
    assert comparison(month, Comparison.LAST_YEAR).start == _at(SHANGHAI, 2025, 6, 1)


def test_periods_across_the_london_dst_changes_keep_local_midnights() -> None:
    after_spring = _at(LONDON, 2026, 3, 30, 9, 0).astimezone(UTC)  # the clocks went forward on Sunday 29
    yesterday = preset(Preset.YESTERDAY, after_spring, LONDON)
    assert (yesterday.start, yesterday.end, _hours(yesterday)) == (_at(LONDON, 2026, 3, 29), _at(LONDON, 2026, 3, 30), 23)
    day_before = comparison(yesterday, Comparison.PREVIOUS_PERIOD)
    assert (day_before.start, _hours(day_before)) == (_at(LONDON, 2026, 3, 28), 24)
    today_before = comparison(preset(Preset.TODAY, after_spring, LONDON), Comparison.PREVIOUS_PERIOD)
    assert (today_before.start, today_before.end, _hours(today_before)) == (
        _at(LONDON, 2026, 3, 29), _at(LONDON, 2026, 3, 29, 9), 8)
    week = preset(Preset.LAST_7_DAYS, after_spring, LONDON)
    assert (week.start, _hours(week)) == (_at(LONDON, 2026, 3, 23), 7 * 24 - 1)
    assert _hours(comparison(week, Comparison.PREVIOUS_PERIOD)) == 7 * 24
    autumn = custom(date(2026, 10, 25), date(2026, 10, 25), LONDON)
    assert _hours(autumn) == 25 and _hours(comparison(autumn, Comparison.LAST_YEAR)) == 24
    leap = comparison(custom(date(2028, 2, 29), date(2028, 2, 29), SHANGHAI), Comparison.LAST_YEAR)
    assert (leap.start, leap.end) == (_at(SHANGHAI, 2027, 2, 28), _at(SHANGHAI, 2027, 3, 1))


def test_bad_periods_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="the last day comes before the first"):
        custom(date(2026, 6, 10), date(2026, 6, 9), SHANGHAI)
    with pytest.raises(ValueError, match="must carry a time zone"):
        Period(datetime(2026, 6, 9), datetime(2026, 6, 10))
    with pytest.raises(ValueError, match="opening time '25:00'"):
        open_hours(Week.every_day("10:00", "25:00"), PERIOD)


def test_offsets_opening_hours_and_change_are_exact_across_dst() -> None:
    spring = custom(date(2026, 3, 29), date(2026, 3, 29), LONDON)
    assert utc_offsets(spring) == [(datetime(2026, 3, 29, tzinfo=UTC), 0), (datetime(2026, 3, 29, 1, tzinfo=UTC), 60)]
    assert utc_offsets(PERIOD) == [(PERIOD.start.astimezone(UTC), 480)]
    assert open_hours(Week.every_day("10:00", "22:00"), spring) == 12
    assert open_hours(Week.every_day("00:00", "03:00"), spring) == 2  # 01:00-02:00 does not exist that night
    assert open_hours(Week.every_day("20:00", "02:00"), spring) == 5  # 00:00-01:00 GMT from Saturday, 20:00-24:00 Sunday
    night = Week.every_day("00:00", "03:00")
    assert open_hour_starts(night, spring) == [_at(LONDON, 2026, 3, 29, 0), _at(LONDON, 2026, 3, 29, 2)]
    assert change_pct(33, 60) == pytest.approx(-45.0)
    assert change_pct(5, 0) is None and change_pct(5, None) is None


# --- queries on a real store ---------------------------------------------------------------------


def _bucket(merchant: str, at: datetime, count_in: int, source: str = "cam-a") -> Footfall:
    return Footfall(merchant_id=merchant, minute=at.astimezone(UTC), source=source, count_in=count_in, count_out=0)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    sh = SHANGHAI
    with store.session() as s:
        every_day = Week.every_day("10:00", "22:00")
        s.add_all([
            Merchant(id="m1", name="Shop m1", category="grocery", business_format=RETAIL, area_m2=100, hours=every_day),
            Merchant(id="m2", name="Shop m2", category="noodles", business_format=CATERING, area_m2=50, hours=every_day),
            Merchant(id="m3", name="Shop m3", category="tea", business_format=CATERING,
                     hours=Week.parse(["10:00-22:00", "10:00-22:00", None, None, None, None, None])),
        ])
        s.flush()
        s.add_all([
            _bucket("m1", _at(sh, 2026, 6, 9, 10, 5), 3),
            _bucket("m1", _at(sh, 2026, 6, 9, 10, 40), 2),
            _bucket("m1", _at(sh, 2026, 6, 9, 12, 0), 4),
            _bucket("m1", _at(sh, 2026, 6, 10, 10, 15), 6),
            _bucket("m1", _at(sh, 2026, 6, 9, 10, 30), 1, source="cam-b"),
            _bucket("m2", _at(sh, 2026, 6, 9, 23, 59), 7),
            _bucket("m2", _at(sh, 2026, 6, 10, 0, 0), 8),
            _bucket("m2", _at(sh, 2026, 6, 10, 12, 30), 2),
            _bucket("m2", _at(sh, 2026, 6, 11, 0, 0), 100),
            _bucket("m1", _at(sh, 2026, 6, 8, 23, 59), 50),
            _bucket("m1", _at(sh, 2026, 6, 7, 11, 0), 10),
        ])
        s.add_all([
            MerchantSales(merchant_id="m1", day=date(2026, 6, 9), transactions=5, revenue_cents=10050),
            MerchantSales(merchant_id="m1", day=date(2026, 6, 10), transactions=3, revenue_cents=2000),
            MerchantSales(merchant_id="m2", day=date(2026, 6, 10), transactions=4, revenue_cents=8000),
            MerchantSales(merchant_id="m3", day=date(2026, 6, 9), transactions=2, revenue_cents=1000),
            MerchantSales(merchant_id="m1", day=date(2026, 6, 11), transactions=99, revenue_cents=99900),
            ParkingLot(id="g", name="Garage"),
        ])
        s.flush()
        s.add_all([ParkingCount(lot_id="g", at=_at(sh, 2026, 6, 9, hour, minute).astimezone(UTC), occupied=cars,
                                capacity=100) for hour, minute, cars in ((10, 10, 20), (10, 50, 40), (12, 30, 10))])
    yield store
    store.dispose()


def test_headline_figures_and_a_comparison_without_data(store: Store) -> None:
    with store.session() as s:
        figures = headline(s, PERIOD, PREVIOUS)
        against_last_year = headline(s, PERIOD, LAST_YEAR)
    assert figures.visitors == 33 and figures.comparison_visitors == 60
    assert figures.change_pct == pytest.approx(-45.0)
    assert figures.busiest_hour == 10  # 3 + 2 + 1 + 6 = 12 against 8 at midnight, 7 at 23:00, 6 at noon
    assert figures.busiest_day == date(2026, 6, 9)  # 17 against 16
    assert (figures.merchants_open, figures.merchants_with_data) == (3, 2)
    assert figures.conversion_pct == pytest.approx((8 + 4) / (16 + 10) * 100)  # m3's sales have no footfall
    assert against_last_year.visitors == 33
    assert against_last_year.comparison_visitors is None and against_last_year.change_pct is None


def test_series_per_merchant_splits_at_local_midnight_and_leaves_gaps_empty(store: Store) -> None:
    with store.session() as s:
        days = series(s, PERIOD, "day")
        hours = series(s, PERIOD, "hour")
        weeks = series(s, PERIOD, "week")
    assert days.starts == [_at(SHANGHAI, 2026, 6, 9), _at(SHANGHAI, 2026, 6, 10)]
    assert days.visitors == {"m1": [10, 6], "m2": [7, 10]}  # m2's 23:59 and 00:00 fall on two days
    assert len(hours.starts) == 48 and hours.starts[10] == _at(SHANGHAI, 2026, 6, 9, 10)
    m1 = hours.visitors["m1"]
    assert (m1[10], m1[11], m1[12], m1[24 + 10]) == (6, None, 4, 6)  # 11:00 has no bucket: a gap, not 0
    assert sum(v for v in m1 if v is not None) == 16 and m1.count(None) == 45
    assert (hours.visitors["m2"][23], hours.visitors["m2"][24]) == (7, 8)
    assert "m3" not in hours.visitors
    assert weeks.starts == [_at(SHANGHAI, 2026, 6, 8)] and weeks.visitors == {"m1": [16], "m2": [17]}


def test_heat_map_by_local_weekday_and_hour(store: Store) -> None:
    with store.session() as s:
        cells = heat_map(s, PERIOD).cells
    assert len(cells) == 7 and all(len(row) == 24 for row in cells)
    assert {(d, h): n for d, row in enumerate(cells) for h, n in enumerate(row) if n is not None} == {
        (TUESDAY, 10): 6, (TUESDAY, 12): 4, (TUESDAY, 23): 7, (WEDNESDAY, 0): 8, (WEDNESDAY, 10): 6, (WEDNESDAY, 12): 2,
    }


def test_league_table_with_change_and_visitors_per_opening_hour_and_square_metre(store: Store) -> None:
    with store.session() as s:
        rows = league(s, PERIOD, PREVIOUS)
    assert [(r.merchant_id, r.visitors, r.comparison_visitors) for r in rows] == [
        ("m2", 17, None), ("m1", 16, 60), ("m3", None, None)]  # m3's counter is silent: no figure, not 0
    m2, m1, m3 = rows
    assert m1.change_pct == pytest.approx((16 - 60) / 60 * 100) and m2.change_pct is None and m3.change_pct is None
    assert [r.open_hours for r in rows] == [24, 24, 12]  # m3 is closed on Wednesday
    assert m1.visitors_per_open_hour == pytest.approx(16 / 24) and m3.visitors_per_open_hour is None
    assert (m1.visitors_per_m2, m2.visitors_per_m2, m3.visitors_per_m2) == (pytest.approx(0.16), pytest.approx(0.34), None)
    assert [(r.business_format, r.category) for r in rows] == [(CATERING, "noodles"), (RETAIL, "grocery"), (CATERING, "tea")]
    with store.session() as s:
        wednesday = {r.merchant_id: r for r in league(s, custom(date(2026, 6, 10), date(2026, 6, 10), SHANGHAI), PERIOD)}
    assert (wednesday["m3"].visitors, wednesday["m3"].open_hours) == (0, 0)  # closed all day: nobody, not a gap


def test_league_by_business_format_counts_only_merchants_with_data(store: Store) -> None:
    with store.session() as s:
        formats = league_by_format(league(s, PERIOD, PREVIOUS))
    catering, retail = formats
    assert (catering.business_format, catering.merchants, catering.merchants_with_data) == (CATERING, 2, 1)
    assert (catering.visitors, catering.comparison_visitors, catering.change_pct) == (17, None, None)
    assert catering.open_hours == 24 and catering.visitors_per_open_hour == pytest.approx(17 / 24)
    assert catering.visitors_per_m2 == pytest.approx(17 / 50)
    assert (retail.visitors, retail.comparison_visitors) == (16, 60)
    assert retail.change_pct == pytest.approx((16 - 60) / 60 * 100) and retail.visitors_per_m2 == pytest.approx(0.16)


def test_coverage_counts_open_hours_without_any_bucket_as_gaps(store: Store) -> None:
    with store.session() as s:
        found = {(c.merchant_id, c.source): c for c in coverage(s, PERIOD)}
    assert set(found) == {("m1", "cam-a"), ("m1", "cam-b"), ("m2", "cam-a")}
    m1a = found[("m1", "cam-a")]
    assert (m1a.hours_open, m1a.hours_reported, len(m1a.gaps)) == (24, 3, 21)
    assert _at(SHANGHAI, 2026, 6, 9, 11) in m1a.gaps and _at(SHANGHAI, 2026, 6, 9, 10) not in m1a.gaps
    assert (found[("m1", "cam-b")].hours_reported, found[("m2", "cam-a")].hours_reported) == (1, 1)  # m2's night
    # buckets fall outside its opening hours: not counted as reported, not gaps either


def test_london_autumn_day_has_25_hours_and_keeps_the_repeated_hour_apart(store_url: str) -> None:
    store = open_store(store_url)
    day = custom(date(2026, 10, 25), date(2026, 10, 25), LONDON)
    try:
        with store.session() as s:
            s.add(Merchant(id="m1", name="Shop", category="retail", hours=Week.every_day("00:00", "00:00")))
            s.flush()
            s.add_all([
                _bucket("m1", _at(LONDON, 2026, 10, 25, 0, 30), 1),
                _bucket("m1", _at(LONDON, 2026, 10, 25, 1, 30), 2),  # BST, 00:30 UTC
                _bucket("m1", _at(LONDON, 2026, 10, 25, 1, 30, fold=1), 4),  # GMT, 01:30 UTC
                _bucket("m1", _at(LONDON, 2026, 10, 25, 23, 59), 8),
                _bucket("m1", _at(LONDON, 2026, 10, 26, 0, 0), 16),
            ])
        with store.session() as s:
            hours = series(s, day, "hour")
            days = series(s, day, "day")
            cells = heat_map(s, day).cells
            figures = headline(s, day, comparison(day, Comparison.PREVIOUS_PERIOD))
            gaps = coverage(s, day)
    finally:
        store.dispose()
    assert len(hours.starts) == 25
    assert hours.visitors["m1"][:4] == [1, 2, 4, None] and hours.visitors["m1"][24] == 8
    assert days.visitors == {"m1": [15]}
    assert (cells[SUNDAY][0], cells[SUNDAY][1], cells[SUNDAY][23], cells[SUNDAY][2]) == (1, 6, 8, None)
    assert (figures.visitors, figures.busiest_hour, figures.comparison_visitors) == (15, 23, None)
    assert [(c.hours_open, c.hours_reported) for c in gaps] == [(25, 4)]


def test_sales_conversion_and_sales_per_visitor_per_merchant_and_format(store: Store) -> None:
    with store.session() as s:
        rows = sales(s, PERIOD)
    assert [(r.merchant_id, r.days, r.transactions, r.revenue) for r in rows] == [
        ("m1", 2, 8, 120.5), ("m2", 1, 4, 80.0), ("m3", 1, 2, 10.0)]
    m1, m2, m3 = rows
    assert (m1.days_matched, m1.visitors_matched, m1.conversion_pct) == (2, 16, 50.0)
    assert m1.revenue_per_visitor == pytest.approx(120.5 / 16)
    assert (m2.visitors_matched, m2.conversion_pct, m2.revenue_per_visitor) == (10, 40.0, 8.0)  # 06-10: 8 + 2
    assert (m3.days_matched, m3.visitors_matched, m3.conversion_pct, m3.revenue_per_visitor) == (0, None, None, None)
    retail, catering = sales_by_format(rows)  # most revenue first
    assert (catering.business_format, catering.merchants, catering.transactions, catering.revenue) == (
        CATERING, 2, 6, 90.0)
    assert (catering.visitors_matched, catering.conversion_pct, catering.revenue_per_visitor) == (10, 40.0, 8.0)
    assert (retail.transactions, retail.conversion_pct) == (8, 50.0)


def test_garage_use_against_footfall_hour_by_hour(store: Store) -> None:
    with store.session() as s:
        garage = garage_against_footfall(s, PERIOD, "g")
    assert len(garage.starts) == 48 and garage.starts[10] == _at(SHANGHAI, 2026, 6, 9, 10)
    assert (garage.occupied[10], garage.occupancy_pct[10], garage.occupied[12], garage.occupancy_pct[12]) == (
        30.0, pytest.approx(30.0), 10.0, pytest.approx(10.0))
    assert garage.occupied[11] is None and garage.occupied.count(None) == 46
    assert (garage.visitors[10], garage.visitors[11], garage.visitors[12], garage.visitors[23], garage.visitors[24]) == (
        6, None, 4, 7, 8)


def test_a_merchants_hourly_profile_against_its_formats_average(store: Store) -> None:
    with store.session() as s:
        m1 = hourly_profile(s, PERIOD, "m1")
        m2 = hourly_profile(s, PERIOD, "m2")
        with pytest.raises(ValueError, match="unknown merchant 'm9'"):
            hourly_profile(s, PERIOD, "m9")
    assert (m1.business_format, m1.merchant[10], m1.merchant[12], m1.merchant[11]) == (RETAIL, 6.0, 4.0, None)
    assert m1.format_average == m1.merchant  # the only retail merchant
    assert (m2.merchant[23], m2.merchant[0], m2.merchant[12], m2.merchant[10]) == (7.0, 8.0, 2.0, None)
    assert m2.format_average == m2.merchant and (m2.format_merchants[12], m2.format_merchants[10]) == (1, 0)


def test_partial_hours_at_the_ends_come_from_minutes_and_whole_hours_from_the_rollup(store: Store) -> None:
    window = Period(_at(SHANGHAI, 2026, 6, 9, 10, 20), _at(SHANGHAI, 2026, 6, 9, 12, 10))
    with store.session() as s:
        parts = s.execute(select(buckets(window))).all()
        figures = headline(s, window, comparison(window, Comparison.PREVIOUS_PERIOD))
        minutes = s.execute(select(buckets(window, grain="minute"))).all()
    assert figures.visitors == 2 + 1 + 4  # 10:05 is before the window; 10:30 (cam-b), 10:40 and 12:00 are in
    assert sorted(row.buckets for row in parts) == [1, 1, 1]
    assert sum(r.count_in for r in parts) == sum(r.count_in for r in minutes) == 7


def test_a_site_whose_hours_are_not_whole_utc_hours_reads_minutes(store_url: str) -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    store = open_store(store_url)
    day = custom(date(2026, 6, 9), date(2026, 6, 9), kolkata)
    try:
        with store.session() as s:
            s.add(Merchant(id="m1", name="Shop", category="retail"))
            s.flush()
            s.add_all([_bucket("m1", _at(kolkata, 2026, 6, 9, 10, 10), 1), _bucket("m1", _at(kolkata, 2026, 6, 9, 10, 50), 2)])
        with store.session() as s:
            hours = series(s, day, "hour")
            assert all(row.buckets == 1 for row in s.execute(select(buckets(day))))
    finally:
        store.dispose()
    assert hours.visitors["m1"][10] == 3 and hours.visitors["m1"][9] is None  # 10:10 and 10:50 IST: 04:40, 05:20 UTC


def test_plain_sums_read_whole_utc_days_from_the_daily_rollup(store: Store) -> None:
    with store.session() as s:
        days = s.execute(select(buckets(PERIOD, PREVIOUS, grain="day"))).all()
        minutes = s.execute(select(buckets(PERIOD, PREVIOUS, grain="minute"))).all()

    def per_period(rows: list[Any]) -> list[int]:
        return [sum(r.count_in for r in rows if p.start <= r.at < p.end) for p in (PERIOD, PREVIOUS)]

    assert per_period(days) == per_period(minutes) == [33, 60]
    # UTC 9 June is local 9 June 08:00 to 10 June 08:00, inside the period: one row per merchant and source
    assert {(r.merchant_id, r.source, r.count_in, r.buckets) for r in days if r.at == datetime(2026, 6, 9, tzinfo=UTC)} == {
        ("m1", "cam-a", 3 + 2 + 4, 3), ("m1", "cam-b", 1, 1), ("m2", "cam-a", 7 + 8, 2)}


def test_sums_over_all_merchants_read_one_row_per_whole_hour_and_minutes_at_the_ends(store: Store) -> None:
    window = Period(_at(SHANGHAI, 2026, 6, 9, 10, 20), _at(SHANGHAI, 2026, 6, 10, 0, 30))  # across midnight UTC+8
    with store.session() as s:
        whole = s.execute(select(buckets(PERIOD, merged=True))).all()
        parts = s.execute(select(buckets(window, merged=True))).all()
        cells = heat_map(s, window).cells
        top = headline(s, window, comparison(window, Comparison.PREVIOUS_PERIOD))
        garage = garage_against_footfall(s, window, "g")
    # local 06-09 10:00 is one row: m1's cam-a (3 + 2) and cam-b (1) summed, no merchant or source
    assert (None, None, 6, 3) in {(r.merchant_id, r.source, r.count_in, r.buckets) for r in whole}
    assert sum(r.count_in for r in whole) == 33 and all(r.merchant_id is None for r in whole)
    # the window: minutes 10:20-11:00 (10:30 cam-b 1, 10:40 2) and 00:00-00:30 (m2 8) per merchant, whole hours summed
    assert sorted((r.merchant_id, r.count_in) for r in parts if r.merchant_id is not None) == [("m1", 1), ("m1", 2), ("m2", 8)]
    assert sorted(r.count_in for r in parts if r.merchant_id is None) == [4, 7]  # 12:00 and 23:00
    assert {(d, h): n for d, row in enumerate(cells) for h, n in enumerate(row) if n is not None} == {
        (TUESDAY, 10): 3, (TUESDAY, 12): 4, (TUESDAY, 23): 7, (WEDNESDAY, 0): 8}
    assert (top.visitors, top.busiest_hour, top.busiest_day) == (3 + 4 + 7 + 8, 0, date(2026, 6, 9))  # 14 against 8
    assert [(start.hour, n) for start, n in zip(garage.starts, garage.visitors, strict=True) if n is not None] == [
        (10, 3), (12, 4), (23, 7), (0, 8)]


def test_sales_match_footfall_per_local_day_across_midnight_utc(store: Store) -> None:
    # m2's 23:59 (15:59 UTC) counts for 9 June and its 00:00 (16:00 UTC the 9th) for 10 June, as its sales do
    with store.session() as s:
        rows = {r.merchant_id: r for r in sales(s, PERIOD)}
        one_day = {r.merchant_id: r for r in sales(s, custom(date(2026, 6, 10), date(2026, 6, 10), SHANGHAI))}
    assert (rows["m2"].days_matched, rows["m2"].visitors_matched) == (1, 10)  # only 10 June has m2's sales: 8 + 2
    assert (rows["m1"].days_matched, rows["m1"].visitors_matched) == (2, 16)
    assert (one_day["m2"].visitors_matched, one_day["m1"].visitors_matched) == (10, 6)


def test_postgresql_reads_plan_without_parallel_workers_for_their_transaction_only(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        with store.session() as s:
            default = s.scalar(text("SHOW max_parallel_workers_per_gather"))
        with store.session() as s:
            heat_map(s, PERIOD)
            assert (s.scalar(text("SHOW max_parallel_workers_per_gather")), s.scalar(text("SHOW jit"))) == ("0", "off")
        with store.session() as s:
            assert s.scalar(text("SHOW max_parallel_workers_per_gather")) == default
    finally:
        store.dispose()


def test_visitors_per_local_day_with_partial_hours_at_both_ends(store: Store) -> None:
    # 9 June 10:20 to 10 June 00:30 (Shanghai): minutes at both ends, whole hours between, across midnight UTC+8
    window = Period(_at(SHANGHAI, 2026, 6, 9, 10, 20), _at(SHANGHAI, 2026, 6, 10, 0, 30))
    with store.session() as s:
        days = series(s, window, "day")
        weeks = series(s, window, "week")
        sold = {r.merchant_id: r for r in sales(s, window)}
    assert days.starts == [_at(SHANGHAI, 2026, 6, 9), _at(SHANGHAI, 2026, 6, 10)]
    assert days.visitors == {"m1": [1 + 2 + 4, None], "m2": [7, 8]}  # 10:05 is before the window, 12:30 after
    assert weeks.visitors == {"m1": [7], "m2": [15]}
    # sales count for the days starting within the window (10 June), footfall within it: m2's 00:00 only
    assert set(sold) == {"m1", "m2"}
    assert (sold["m2"].days_matched, sold["m2"].visitors_matched, sold["m2"].transactions) == (1, 8, 4)
    assert (sold["m1"].days_matched, sold["m1"].visitors_matched, sold["m1"].transactions) == (0, None, 3)
