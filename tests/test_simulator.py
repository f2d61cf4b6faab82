"""The demo data simulator: pure generators, and seeding / ticking a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ops_center.config import EnvironmentConfig, TrafficConfig, load_config
from ops_center.errors import InputError
from ops_center.queries import analytics
from ops_center.queries.periods import custom
from ops_center.simulator import LiveSimulator, commerce, environment, fire, guards, parking, seed, traffic
from ops_center.simulator.base import SimContext
from ops_center.simulator.runner import load_shop_history
from ops_center.simulator.site import DEMO_ENVIRONMENT, DEMO_TRAFFIC
from ops_center.simulator.timeline import steps
from ops_center.store.db import Store, open_store
from ops_center.store.models import (
    Alarm,
    EnvironmentReading,
    FireDevice,
    FireSignal,
    Footfall,
    FootfallHourly,
    Guard,
    Merchant,
    MerchantSales,
    ParkingCount,
    ParkingLevel,
    ParkingLot,
    ParkingSpace,
    TrafficReading,
)
from ops_center.store.writes import count_rows
from ops_center.vocabulary import SIMULATOR_SOURCE, FireState

SHANGHAI = ZoneInfo("Asia/Shanghai")
CTX = SimContext(seed=7, tz=SHANGHAI)
NOW = datetime(2026, 6, 10, 14, 37, 20, tzinfo=SHANGHAI).astimezone(UTC)  # a Wednesday afternoon
SERIES = {
    ParkingCount: ParkingCount.at,
    TrafficReading: TrafficReading.at,
    EnvironmentReading: EnvironmentReading.at,
    FireSignal: FireSignal.at,
    Footfall: Footfall.minute,
}
ENTITIES = (FireDevice, ParkingLot, ParkingLevel, ParkingSpace, Merchant, Guard)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    yield store
    store.dispose()


def _counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {m.__tablename__: count_rows(s, m) for m in (*ENTITIES, *SERIES, MerchantSales)}


# --- seeding and ticking a real store ----------------------------------------------------------


def test_seed_fills_every_domain_table_with_the_requested_history(store: Store) -> None:
    summary = seed(store, NOW, history_days=2)
    counts = _counts(store)
    assert all(n > 0 for n in counts.values()), counts
    assert summary.rows == {t: n for t, n in counts.items() if n}
    assert summary.total == sum(counts.values())
    assert counts["fire_devices"] >= 140 and counts["guards"] == 8 and 12 <= counts["merchants"] <= 16
    assert 300 <= counts["parking_spaces"] <= 600
    with store.session() as s:
        for model, column in SERIES.items():
            oldest, newest = s.execute(select(func.min(column), func.max(column))).one()
            if model is Footfall:  # the shops' history is whole local days: from the first day's midnight
                first = commerce.day_start(commerce.first_day(NOW, SHANGHAI, 2), SHANGHAI)
                assert first <= oldest < first + timedelta(hours=8), oldest
            else:
                assert NOW - timedelta(days=2) < oldest < NOW - timedelta(days=2) + timedelta(hours=1), model
            assert NOW - timedelta(hours=1) < newest <= NOW, model
        # 5-minute parking counts of 3 lots over two days
        assert count_rows(s, ParkingCount) == len(steps(NOW - timedelta(days=2), NOW, parking.EVERY)) * len(parking.LOTS)
        # the spaces taken are the latest count of each lot
        latest = {c.lot_id: c for c in s.scalars(select(ParkingCount).order_by(ParkingCount.at))}
        occupied_spaces = (
            select(ParkingLevel.lot_id)
            .join(ParkingSpace, ParkingSpace.level_id == ParkingLevel.id)
            .where(ParkingSpace.occupied)
        )
        taken = Counter(s.scalars(occupied_spaces))
        assert {lot: c.occupied for lot, c in latest.items()} == {lot: taken.get(lot, 0) for lot in latest}
        assert all(sp.plate for sp in s.scalars(select(ParkingSpace).where(ParkingSpace.occupied)))
        maps = [lot.map for lot in s.scalars(select(ParkingLot))]
        assert all(m["entrances"] and m["aisles"] for m in maps)


def test_seed_twice_adds_nothing_and_later_fills_only_the_gap(store: Store) -> None:
    seed(store, NOW, history_days=2)
    before = _counts(store)
    again = seed(store, NOW, history_days=2)
    assert again.total == 0 and _counts(store) == before
    later = NOW + timedelta(hours=1)
    gap = seed(store, later, history_days=2)
    after = _counts(store)
    assert gap.rows["parking_counts"] == 12 * len(parking.LOTS) == after["parking_counts"] - before["parking_counts"]
    assert gap.rows["environment_readings"] == 6 * 4
    assert after["footfall"] > before["footfall"]
    with store.session() as s:
        stamps = s.execute(select(ParkingCount.lot_id, ParkingCount.at)).all()
        assert len(stamps) == len(set(stamps)), "no count stored twice"
        newest = s.scalar(select(func.max(ParkingCount.at)))
        assert newest == steps(later - timedelta(minutes=5), later, parking.EVERY)[-1]


def test_tick_advances_every_domain(store: Store) -> None:
    seed(store, NOW, history_days=1)
    before = _counts(store)
    sim = LiveSimulator(store)
    sim.tick(NOW + timedelta(seconds=3))
    sim.tick(NOW + timedelta(minutes=30))
    after = _counts(store)
    assert after["parking_counts"] - before["parking_counts"] == 6 * len(parking.LOTS)
    assert after["traffic_readings"] - before["traffic_readings"] == 6 * len(traffic.roads(CTX))
    assert after["environment_readings"] - before["environment_readings"] == 3 * 4
    assert after["footfall"] > before["footfall"]  # the shops are open on a Wednesday afternoon
    assert after["fire_signals"] >= before["fire_signals"]


def _newest_signal(session: Session, device_id: str) -> FireSignal | None:
    return session.scalars(
        select(FireSignal).where(FireSignal.device_id == device_id).order_by(FireSignal.at.desc())
    ).first()


def test_tick_changes_fire_states_with_signals(store: Store) -> None:
    seed(store, NOW, history_days=1)
    upcoming = sorted(
        (e for e in fire.episodes_between(CTX, NOW, NOW + timedelta(days=2)) if e.start > NOW and e.state == "pre_alarm"),
        key=lambda e: e.start,
    )[0]
    sim = LiveSimulator(store)
    sim.tick(upcoming.start + timedelta(seconds=1))
    with store.session() as s:
        device = s.get(FireDevice, upcoming.device_id)
        assert device is not None and device.state == "pre_alarm"
        signal = _newest_signal(s, upcoming.device_id)
        assert signal is not None and signal.state == "pre_alarm" and signal.at == upcoming.start
    sim.tick(upcoming.end + timedelta(seconds=1))
    with store.session() as s:
        device = s.get(FireDevice, upcoming.device_id)
        signal = _newest_signal(s, upcoming.device_id)
        assert signal is not None and signal.at == upcoming.end and signal.state != "pre_alarm"
        assert device is not None and device.state == signal.state


def test_guards_change_shift_but_a_dispatched_guard_is_left_alone(store: Store) -> None:
    seed(store, NOW, history_days=0)
    with store.session() as s:
        on_duty = {g.id for g in s.scalars(select(Guard).where(Guard.status == "on_patrol"))}
        dispatched = s.get(Guard, sorted(on_duty)[0])
        assert dispatched is not None
        dispatched.status = "dispatched"
    evening = datetime(2026, 6, 10, 20, 5, tzinfo=SHANGHAI).astimezone(UTC)
    LiveSimulator(store).tick(evening)
    with store.session() as s:
        status = {g.id: g.status for g in s.scalars(select(Guard))}
    assert status[dispatched.id] == "dispatched"
    night = {g[0] for g in guards.ROSTER if g[3] == "night"}
    assert {g for g, st in status.items() if st == "on_patrol"} == night
    assert all(status[g] == "off_duty" for g in on_duty - {dispatched.id})


def test_seed_rejects_a_naive_time(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    with pytest.raises(InputError, match="no time zone"):
        seed(store, datetime(2026, 6, 10, 12, 0))
    with pytest.raises(InputError, match="unknown time zone 'Mars/Base'"):
        seed(store, NOW, timezone="Mars/Base")
    store.dispose()


def test_the_shops_get_a_longer_history_with_sales_and_an_exact_rollup(store: Store) -> None:
    summary = seed(store, NOW, history_days=1, commerce_history_days=4)
    with store.session() as s:
        first_minute = s.scalar(select(func.min(Footfall.minute)))
        first_count = s.scalar(select(func.min(ParkingCount.at)))
        minutes = s.execute(select(func.sum(Footfall.count_in), func.count())).one()
        hourly = s.execute(select(func.sum(FootfallHourly.count_in), func.sum(FootfallHourly.minutes))).one()
        sold = s.execute(select(MerchantSales.merchant_id, MerchantSales.day)).all()
        merchants = {m.id: m for m in s.scalars(select(Merchant))}
    first_day = (NOW - timedelta(days=4)).astimezone(SHANGHAI).date()
    assert first_minute.astimezone(SHANGHAI).date() == first_day and first_minute < NOW - timedelta(days=4)
    assert first_count >= NOW - timedelta(days=1)
    assert tuple(minutes) == tuple(hourly) and summary.rows["merchant_sales"] == len(sold) > 0
    assert {m for m, _ in sold} == {m.id for m in commerce.MERCHANTS} - {"m08", "m10", "m11"}  # bank, school, gym
    assert merchants["m08"].hours.days[6] is None and merchants["m01"].area_m2 == 1200.0


def _shop_rows(store: Store) -> tuple[set[tuple], set[tuple], set[tuple]]:
    """The simulated footfall, sales and hourly roll-up rows of a store, comparable across stores."""
    with store.session() as s:
        minutes = {tuple(r) for r in s.execute(select(Footfall.merchant_id, Footfall.minute, Footfall.source,
                                                      Footfall.count_in, Footfall.count_out))}
        sold = {tuple(r) for r in s.execute(select(MerchantSales.merchant_id, MerchantSales.day,
                                                   MerchantSales.transactions, MerchantSales.revenue_cents))}
        hours = {tuple(r) for r in s.execute(select(FootfallHourly.merchant_id, FootfallHourly.hour, FootfallHourly.source,
                                                    FootfallHourly.count_in, FootfallHourly.count_out,
                                                    FootfallHourly.minutes))}
    return minutes, sold, hours


def test_the_shops_history_loads_newest_day_first_resumes_where_it_stopped_and_equals_one_seed(
        store: Store, tmp_path: Path) -> None:
    seed(store, NOW, history_days=1, commerce_history_days=10, commerce_first_days=2)
    with store.session() as s:
        started = commerce.shop_history(s, NOW, SHANGHAI, 10)
    today = NOW.astimezone(SHANGHAI).date()
    assert started.loaded_from == today - timedelta(days=2) and not started.complete
    assert (started.days_loaded(today), started.days_total(today)) == (3, 11)

    stop, said = threading.Event(), []

    def say(line: str) -> None:  # stop after three more days, as a Ctrl-C would
        said.append(line)
        if len(said) == 4:
            stop.set()

    first = load_shop_history(store, NOW, 10, stop_event=stop, say=say, every_s=0)
    with store.session() as s:
        stopped = commerce.shop_history(s, NOW, SHANGHAI, 10)
    assert stopped.loaded_from == today - timedelta(days=5) and not stopped.complete
    assert "loading 8 more days" in said[0] and "loaded back to" in said[1] and first.rows["footfall"] > 0

    rest = load_shop_history(store, NOW, 10, say=said.append, every_s=3600)  # started again: goes on from there
    with store.session() as s:
        done = commerce.shop_history(s, NOW, SHANGHAI, 10)
    assert done.complete and done.loaded_from == today - timedelta(days=10)
    assert "loading 5 more days" in said[-2] and "shop history complete: 11 days" in said[-1]
    assert load_shop_history(store, NOW, 10).total == 0, "complete: nothing more to write"
    assert seed(store, NOW, history_days=1, commerce_history_days=10, commerce_first_days=2).rows.get("footfall") == 0

    at_once = open_store(f"sqlite:///{tmp_path / 'at-once.db'}")
    try:
        seed(at_once, NOW, history_days=1, commerce_history_days=10)
        expected = _shop_rows(at_once)
    finally:
        at_once.dispose()
    assert _shop_rows(store) == expected, "in pieces, stopped and resumed: the same rows as one seed, none twice"
    assert first.rows["footfall"] + rest.rows["footfall"] < len(expected[0])


def test_a_shop_a_camera_counts_sells_to_the_visitors_the_camera_counted(store: Store) -> None:
    ctx = SimContext(seed=7, tz=SHANGHAI, camera_merchants=frozenset({"m12"}))
    day = NOW.astimezone(SHANGHAI).date() - timedelta(days=1)
    opens = commerce.day_start(day, SHANGHAI) + timedelta(hours=8)
    door = [{"merchant_id": "m12", "minute": opens + timedelta(minutes=2 * n), "source": "cafe-door/door",
             "count_in": 3, "count_out": 2} for n in range(390)]  # 08:00-21:00: 1,170 people in
    with store.session() as s:
        commerce.install(s, ctx, NOW)
        s.execute(insert(Footfall), door)
    midnight = commerce.day_start(day + timedelta(days=1), SHANGHAI)
    with store.session() as s:
        commerce.advance(s, ctx, commerce.day_start(day - timedelta(days=1), SHANGHAI), midnight + timedelta(minutes=5))
        early = s.scalar(select(func.count()).where(MerchantSales.merchant_id == "m12"))
        commerce.advance(s, ctx, midnight + timedelta(minutes=5), NOW)
        sold = s.execute(select(MerchantSales.day, MerchantSales.transactions).where(MerchantSales.merchant_id == "m12")).all()
        simulated = s.scalar(select(func.count()).where(Footfall.merchant_id == "m12", Footfall.source == SIMULATOR_SOURCE))
        figures = {row.merchant_id: row for row in analytics.sales(s, custom(day, day, SHANGHAI))}
    assert early == 0, "the day's takings wait for the camera's last buckets"
    assert simulated == 0 and [d for d, _ in sold] == [day], "no count the day before: no sales then"
    assert 0.6 * 1170 < sold[0][1] < 0.85 * 1170  # the cafe's share of buyers, of the people counted
    cafe, others = figures.pop("m12"), figures.values()
    assert cafe.visitors_matched == 1170 and 60 < (cafe.conversion_pct or 0) < 85
    assert all(40 < (row.conversion_pct or 0) < 100 for row in others)


# --- pure generators --------------------------------------------------------------------------


def test_footfall_only_during_opening_hours_with_lunch_and_evening_peaks() -> None:
    start = NOW - timedelta(days=7)
    rows = commerce.footfall_rows(CTX, start, NOW)
    first_day = (start - timedelta(days=1)).astimezone(SHANGHAI).date()
    spans = {m.id: list(m.week.spans(first_day, NOW.astimezone(SHANGHAI).date(), SHANGHAI)) for m in commerce.MERCHANTS}
    per_hour: Counter[int] = Counter()
    for r in rows:
        local = r["minute"].astimezone(SHANGHAI)
        assert any(opens <= r["minute"] < closes for opens, closes in spans[r["merchant_id"]]), r
        assert r["count_in"] + r["count_out"] > 0 and r["source"] == SIMULATOR_SOURCE
        per_hour[local.hour] += r["count_in"]
    assert per_hour[3] == 0
    assert per_hour[12] > per_hour[10] and per_hour[19] > per_hour[15]
    # the bank is closed at weekends
    assert not [r for r in rows if r["merchant_id"] == "m08" and r["minute"].astimezone(SHANGHAI).weekday() >= 5]


def test_sales_follow_each_days_footfall_for_the_tills_that_report() -> None:
    rows = commerce.sales_rows(CTX, NOW - timedelta(days=7), NOW)
    assert {r["merchant_id"] for r in rows} == {m.id for m in commerce.MERCHANTS} - {"m08", "m10", "m11"}
    for r in rows:
        visitors = sum(come for _, come, _ in commerce.day_footfall(CTX.seed, r["merchant_id"], r["day"], SHANGHAI))
        assert 0 < r["transactions"] <= visitors and r["revenue_cents"] > r["transactions"] * 1000, r
    assert len({r["day"] for r in rows}) == 7  # the days whose takings were counted within the week
    assert commerce.day_sales(CTX.seed, "m14", NOW.astimezone(SHANGHAI).date() - timedelta(days=1), SHANGHAI) is None


def test_history_generated_in_pieces_equals_history_generated_at_once() -> None:
    a, b, c = NOW - timedelta(days=2), NOW - timedelta(hours=13, minutes=7, seconds=3), NOW
    generators = (
        commerce.footfall_rows, parking.count_rows, traffic.reading_rows, environment.reading_rows, fire.signal_rows
    )
    for generate in generators:
        assert generate(CTX, a, b) + generate(CTX, b, c) == generate(CTX, a, c), generate.__module__
    assert parking.count_rows(SimContext(8, SHANGHAI), a, c) != parking.count_rows(CTX, a, c)


def test_parking_never_exceeds_capacity_and_residents_leave_in_the_morning() -> None:
    rows = parking.count_rows(CTX, NOW - timedelta(days=14), NOW)
    assert all(0 <= r["occupied"] <= r["capacity"] for r in rows)
    residents = next(lot for lot in parking.LOTS if not lot.shoppers)
    wednesday = datetime(2026, 6, 10, tzinfo=SHANGHAI)
    night, noon, evening = (parking.occupied_at(CTX, residents, wednesday + timedelta(hours=h)) for h in (3, 11, 21))
    assert noon < 0.6 * night and evening > 0.8 * night


def test_fire_devices_states_and_signals_stay_in_the_allowed_set() -> None:
    devices = fire.device_rows(CTX, NOW)
    assert 140 <= len(devices) <= 170
    assert {d["panel"] for d in devices} == {1, 2}
    assert len({(d["panel"], d["loop"], d["address"]) for d in devices}) == len(devices)
    assert {d["state"] for d in devices} <= set(FireState)
    assert sum(d["state"] == "normal" for d in devices) >= 0.9 * len(devices)
    for d in devices:
        if d["kind"] in fire.PRESSURE_KINDS:
            assert d["unit"] == "MPa" and 0.05 < d["value"] < 1.0
    signals = fire.signal_rows(CTX, NOW - timedelta(days=30), NOW)
    states = Counter(s["state"] for s in signals)
    assert set(states) <= set(FireState)
    assert {"pre_alarm", "supervisory", "trouble", "normal"} <= set(states)
    low = [s for s in signals if s["state"] == "supervisory"]
    assert all(s["value"] is not None and s["value"] < 0.25 for s in low)  # low pressure


def test_traffic_rush_hours_on_the_bridge() -> None:
    outbound = traffic.roads(CTX)[0]
    wednesday = datetime(2026, 6, 10, tzinfo=SHANGHAI)
    rush = traffic.reading(CTX, outbound, wednesday + timedelta(hours=7, minutes=45))
    night = traffic.reading(CTX, outbound, wednesday + timedelta(hours=3))
    assert rush["congestion"] >= 3 > night["congestion"]
    assert rush["speed_kmh"] < night["speed_kmh"]


def test_environment_values_are_plausible() -> None:
    rows = environment.reading_rows(CTX, NOW - timedelta(days=3), NOW)
    by_metric: dict[str, list[float]] = {}
    for r in rows:
        by_metric.setdefault(r["metric"], []).append(r["value"])
    assert set(by_metric) == {"temperature", "humidity", "pm25", "lake_level"}
    assert 10 < min(by_metric["temperature"]) < max(by_metric["temperature"]) < 40  # June in Shanghai
    assert all(20 <= v <= 100 for v in by_metric["humidity"])
    assert all(v > 0 for v in by_metric["pm25"])
    assert max(by_metric["lake_level"]) - min(by_metric["lake_level"]) < 0.3


def _a_fire_alarm_episode() -> fire.Episode:
    """The first simulated full fire alarm after NOW (they are rare: a few a month)."""
    day = NOW.astimezone(SHANGHAI).date()
    while True:
        found = [e for e in fire.day_episodes(CTX, day) if e.state == "alarm"]
        if found:
            return min(found, key=lambda e: e.start)
        day += timedelta(days=1)


def test_a_simulated_fire_alarm_is_an_operator_alarm_raised_once(sqlite_url: str) -> None:
    episode = _a_fire_alarm_episode()
    store = open_store(sqlite_url)
    seed(store, episode.start - timedelta(minutes=10), history_days=1, rng_seed=7)
    with store.session() as s:
        assert s.scalars(select(Alarm).where(Alarm.kind == "fire")).all() == []
    live = LiveSimulator(store, rng_seed=7)
    for moment in (episode.start + timedelta(seconds=30), episode.start + timedelta(minutes=1), episode.end):
        live.tick(moment)
    with store.session() as s:
        alarms = s.scalars(select(Alarm).where(Alarm.kind == "fire")).all()
        assert [(a.raised_at, a.details["device_id"], a.status) for a in alarms] == [
            (episode.start, episode.device_id, "new")
        ]
        assert s.get(FireDevice, episode.device_id).state == "normal"  # the device is back, the alarm waits for the operator
    store.dispose()


def test_the_demo_site_registers_what_the_simulator_writes_by_default() -> None:
    demo = load_config(Path(__file__).resolve().parents[1] / "config" / "demo.yaml", env={})
    assert (demo.traffic, demo.environment) == (DEMO_TRAFFIC, DEMO_ENVIRONMENT)


def test_the_simulator_writes_the_roads_and_stations_a_site_registers(sqlite_url: str) -> None:
    roads = TrafficConfig(roads=["North Road", "South Road", "Pier Lane", "Harbour Road"])
    stations = EnvironmentConfig.model_validate({"stations": [
        {"name": "Roof", "metrics": {"temperature": {"unit": "°C", "min": -10, "max": 20},
                                     "noise": {"unit": "dB", "min": 0, "max": 140}}},
        {"name": "Pier", "metrics": {"lake_level": {"unit": "m", "min": 0, "max": 5}}},
    ]})
    store = open_store(sqlite_url)
    try:
        seed(store, NOW, history_days=1, traffic=roads, environment=stations)
        with store.session() as s:
            stored_roads = set(s.scalars(select(TrafficReading.road).distinct()))
            readings = s.execute(select(EnvironmentReading.station, EnvironmentReading.metric, EnvironmentReading.unit,
                                        EnvironmentReading.value)).all()
    finally:
        store.dispose()
    assert stored_roads == set(roads.roads)
    assert {(station, metric, unit) for station, metric, unit, _ in readings} == {
        ("Roof", "temperature", "°C"), ("Pier", "lake_level", "m")}  # no simulated noise meter: none written
    assert all(-10 <= v <= 20 for station, _, _, v in readings if station == "Roof")  # June, clamped to the range
