"""Footfall analytics queries against figures computed by hand on a small seeded store (SQLite file
and PostgreSQL), and the pure period logic in Asia/Shanghai (no DST) and Europe/London (DST).

The seeded store, in Shanghai local time (UTC+8), period Tue 9 and Wed 10 June 2026:

    m1 cam-a  06-09 10:05 in 3, 10:40 in 2, 12:00 in 4     06-10 10:15 in 6
    m1 cam-b  06-09 10:30 in 1
    m2 cam-a  06-09 23:59 in 7                             06-10 00:00 in 8, 12:30 in 2
    m3        no bucket at all (open 10:00-22:00 like the others)
    outside:  m2 06-11 00:00 in 100 (the end is excluded); m1 06-08 23:59 in 50 and 06-07 11:00 in 10
              (the previous period, 7 and 8 June)

So the period has m1 16 + m2 17 = 33 visitors, the previous period 60 (all m1): -45 %.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ops_center.queries.analytics import (
    change_pct,
    coverage,
    headline,
    heat_map,
    league,
    open_hour_starts,
    open_hours,
    series,
    utc_offsets,
)
from ops_center.queries.periods import Comparison, Period, Preset, comparison, custom, preset
from ops_center.store.db import Store, open_store
from ops_center.store.models import Footfall, Merchant

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
PERIOD = custom(date(2026, 6, 9), date(2026, 6, 10), SHANGHAI)
PREVIOUS = comparison(PERIOD, Comparison.PREVIOUS_PERIOD)
LAST_YEAR = comparison(PERIOD, Comparison.LAST_YEAR)
TUESDAY, WEDNESDAY, SUNDAY = 1, 2, 6


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
        open_hours("10:00", "25:00", PERIOD)


def test_offsets_opening_hours_and_change_are_exact_across_dst() -> None:
    spring = custom(date(2026, 3, 29), date(2026, 3, 29), LONDON)
    assert utc_offsets(spring) == [(datetime(2026, 3, 29, tzinfo=UTC), 0), (datetime(2026, 3, 29, 1, tzinfo=UTC), 60)]
    assert utc_offsets(PERIOD) == [(PERIOD.start.astimezone(UTC), 480)]
    assert open_hours("10:00", "22:00", spring) == 12
    assert open_hours("00:00", "03:00", spring) == 2  # 01:00-02:00 does not exist that night
    assert open_hours("20:00", "02:00", spring) == 5  # 00:00-01:00 GMT from Saturday, 20:00-24:00 Sunday
    assert open_hour_starts("00:00", "03:00", spring) == [_at(LONDON, 2026, 3, 29, 0), _at(LONDON, 2026, 3, 29, 2)]
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
        s.add_all([Merchant(id=m, name=f"Shop {m}", category="retail", opens="10:00", closes="22:00")
                   for m in ("m1", "m2", "m3")])
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


def test_league_table_with_change_and_visitors_per_opening_hour(store: Store) -> None:
    with store.session() as s:
        rows = league(s, PERIOD, PREVIOUS)
    assert [(r.merchant_id, r.visitors, r.comparison_visitors) for r in rows] == [
        ("m2", 17, None), ("m1", 16, 60), ("m3", 0, None)]
    m2, m1, m3 = rows
    assert m1.change_pct == pytest.approx((16 - 60) / 60 * 100) and m2.change_pct is None and m3.change_pct is None
    assert [r.open_hours for r in rows] == [24, 24, 24]
    assert m1.visitors_per_open_hour == pytest.approx(16 / 24) and m3.visitors_per_open_hour == 0


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
            s.add(Merchant(id="m1", name="Shop", category="retail", opens="00:00", closes="00:00"))
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
