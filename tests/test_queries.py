"""Panel queries on a real store (SQLite file and PostgreSQL): simulator data plus hand-made rows.

Each figure a panel shows is checked against the same figure computed in plain Python from the
stored rows, so the SQL aggregation (GROUP BY, hour buckets, latest-per-group joins) is proven
on both backends.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, event, literal, select
from sqlalchemy.orm import Session

from ops_center.alarm_actions import transition
from ops_center.config import StaleLimits
from ops_center.queries.cameras import camera_health, camera_state, latest_frame_jpeg
from ops_center.queries.commerce import commerce_panel
from ops_center.queries.common import ReadContext, time_bucket
from ops_center.queries.fire import fire_panel
from ops_center.queries.guards import guards_panel
from ops_center.queries.parking import parking_panel
from ops_center.queries.security import (
    alarm_counts,
    newest_unacknowledged_id,
    open_alarms,
    recent_alarms,
    security_panel,
    snapshot_jpeg,
)
from ops_center.queries.timeline import alarm_timeline
from ops_center.queries.traffic import traffic_strip
from ops_center.records import FrameRecord, HeartbeatRecord
from ops_center.simulator import seed
from ops_center.simulator.site import DEMO_ENVIRONMENT, DEMO_TRAFFIC
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import (
    Camera,
    EnvironmentReading,
    FireDevice,
    Footfall,
    Guard,
    Merchant,
    ParkingCount,
    ParkingLot,
    TrafficReading,
)
from ops_center.vocabulary import GUARD_STATUSES, FireState
from tests.builders import alarm_record

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday afternoon in Shanghai; the seeded history reaches back past the same weekday last week.
NOW = datetime(2026, 6, 10, 14, 37, 20, tzinfo=SHANGHAI).astimezone(UTC)
HISTORY_DAYS = 8
JPEG = b"\xff\xd8\xff\xe0 not decoded by the queries \xff\xd9"


def _ctx(now: datetime = NOW, stale_after_s: float = 120.0) -> ReadContext:
    limits = StaleLimits(**{domain: stale_after_s for domain in StaleLimits.model_fields})
    return ReadContext(now=now, tz=SHANGHAI, stale_after=limits)


@pytest.fixture(scope="module")
def seeded(module_store_url: str) -> Iterator[Store]:
    """A store filled by the real simulator with a short history, once per module and backend: the
    tests that take it only read."""
    store = open_store(module_store_url)
    seed(store, NOW, history_days=HISTORY_DAYS, rng_seed=7)
    yield store
    store.dispose()


@pytest.fixture
def empty(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    yield store
    store.dispose()


def _alarm(session, n: int, raised_at: datetime, *, kind: str = "danger_zone", severity: str = "critical",
           camera: str | None = "lake-east", zone: str | None = "lake", snapshot: bool = True) -> str:
    record = alarm_record(
        n, run="query-test", raised_at=raised_at, kind=kind, severity=severity, camera_id=camera, zone_name=zone,
        place="Lakeside", snapshot_jpeg=JPEG if snapshot else None, snapshot_size=(64, 48) if snapshot else None,
    )
    assert writes.raise_alarm(session, record)
    return record.id


# --- pure pieces -------------------------------------------------------------------------------


def test_a_stamp_is_stale_past_the_limit_and_when_never_measured() -> None:
    ctx = _ctx(stale_after_s=60)
    assert ctx.stamp(NOW - timedelta(seconds=59), "parking").stale is False
    assert ctx.stamp(NOW - timedelta(seconds=61), "parking").age_s == pytest.approx(61)
    assert ctx.stamp(NOW - timedelta(seconds=61), "parking").stale is True
    assert ctx.stamp(None, "parking").stale is True and ctx.stamp(None, "parking").age_s is None


def test_today_starts_at_local_midnight() -> None:
    assert _ctx().day_start() == datetime(2026, 6, 10, tzinfo=SHANGHAI)
    assert _ctx().day_start(days_ago=7) == datetime(2026, 6, 3, tzinfo=SHANGHAI)
    assert _ctx().hour_start() == datetime(2026, 6, 10, 14, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("status", "model", "age", "state"),
    [
        ("online", "ok", 5.0, "online"),
        ("online", "ok", 31.0, "offline"),
        (None, None, None, "offline"),
        ("stopped", "ok", 1.0, "offline"),
        ("reconnecting", "ok", 1.0, "reconnecting"),
        ("online", "unavailable", 1.0, "detector_unavailable"),
        ("starting", "loading", 1.0, "starting"),
    ],
)
def test_camera_state_from_its_heartbeat(status, model, age, state) -> None:
    assert camera_state(status, model, age, offline_after_s=30) == state


# --- security and cameras on hand-made rows ---------------------------------------------------


def test_open_alarms_newest_first_with_age_counts_and_snapshot(empty: Store) -> None:
    with empty.session() as s:
        s.add(Camera(id="lake-east", name="Lake east", place="Lakeside", source_kind="file", updated_at=NOW))
        old = _alarm(s, 1, NOW - timedelta(minutes=10))
        mid = _alarm(s, 2, NOW - timedelta(minutes=3), severity="warning", snapshot=False)
        new = _alarm(s, 3, NOW - timedelta(seconds=40))
        done = _alarm(s, 4, NOW - timedelta(minutes=1))
    with empty.session() as s:
        transition(s, old, "acknowledged", "op", now=NOW)
        transition(s, done, "acknowledged", "op", now=NOW)
        transition(s, done, "resolved", "op", now=NOW)
    with empty.session() as s:
        alarms = open_alarms(s, _ctx())
        assert [a.id for a in alarms] == [new, mid, old]
        assert [a.age_s for a in alarms] == [40.0, 180.0, 600.0]
        assert [a.has_snapshot for a in alarms] == [True, False, True]
        assert alarms[0].camera_name == "Lake east" and alarms[0].status == "new"
        counts = alarm_counts(s)
        assert (counts.open, counts.unacknowledged, counts.critical) == (3, 2, 2)
        assert newest_unacknowledged_id(s) == new
        assert len(recent_alarms(s, _ctx())) == 4
        panel = security_panel(s, _ctx(), limit=2)
        assert [a.id for a in panel.alarms] == [new, mid] and panel.live_camera_id == "lake-east"
        assert snapshot_jpeg(s, new) == JPEG and snapshot_jpeg(s, mid) is None
    with empty.session() as s:
        transition(s, new, "acknowledged", "op", now=NOW)
    with empty.session() as s:
        assert newest_unacknowledged_id(s) == mid


def test_camera_health_from_heartbeats_and_frames(empty: Store) -> None:
    with empty.session() as s:
        for cid in ("cam-a", "cam-b", "cam-c"):
            s.add(Camera(id=cid, name=cid.upper(), place="", source_kind="file", updated_at=NOW))
        s.add(Camera(id="cam-off", name="Disabled", source_kind="file", enabled=False, updated_at=NOW))
        beat = dict(started_at=NOW - timedelta(hours=1), fps_processed=4.8)
        writes.save_heartbeat(s, HeartbeatRecord(camera_id="cam-a", status="online", model_status="ok",
                                                 updated_at=NOW - timedelta(seconds=2), **beat))
        writes.save_heartbeat(s, HeartbeatRecord(camera_id="cam-b", status="online", model_status="unavailable",
                                                 updated_at=NOW - timedelta(seconds=3), **beat))
        writes.save_heartbeat(s, HeartbeatRecord(camera_id="cam-x", status="online", model_status="ok",
                                                 updated_at=NOW - timedelta(minutes=5), **beat))
        writes.save_frame(s, FrameRecord(camera_id="cam-a", jpeg=JPEG, width=64, height=48,
                                         captured_at=NOW - timedelta(seconds=1)))
    with empty.session() as s:
        health = {c.camera_id: c for c in camera_health(s, _ctx(), offline_after_s=30)}
        assert list(health) == ["cam-a", "cam-b", "cam-c", "cam-x"]
        assert health["cam-a"].state == "online" and health["cam-a"].fps_processed == 4.8
        assert health["cam-a"].has_frame and health["cam-a"].last_frame.age_s == 1.0
        assert health["cam-b"].state == "detector_unavailable" and health["cam-b"].needs_attention
        assert health["cam-c"].state == "offline" and health["cam-c"].heartbeat.stale
        assert health["cam-x"].state == "offline" and health["cam-x"].name == "cam-x"
        assert latest_frame_jpeg(s, "cam-a") == JPEG and latest_frame_jpeg(s, "cam-b") is None


def test_the_timeline_counts_alarms_per_local_hour_and_kind(empty: Store) -> None:
    with empty.session() as s:
        hour = _ctx().hour_start()
        _alarm(s, 1, NOW - timedelta(seconds=1))
        _alarm(s, 2, hour)  # first instant of the current hour
        _alarm(s, 3, hour - timedelta(seconds=1), kind="fire", camera=None, zone=None)
        _alarm(s, 4, hour - timedelta(hours=23))  # first instant of the window
        _alarm(s, 5, hour - timedelta(hours=23, seconds=1))  # just outside
        _alarm(s, 6, NOW + timedelta(seconds=5))  # not yet
    with empty.session() as s:
        timeline = alarm_timeline(s, _ctx())
    assert len(timeline.hours) == 24 and timeline.hours[-1] == hour and timeline.hours[0] == hour - timedelta(hours=23)
    assert timeline.counts["danger_zone"][-1] == 2 and timeline.counts["danger_zone"][0] == 1
    assert timeline.counts["fire"][-2] == 1
    assert timeline.total == 4


# --- panels on simulator data ------------------------------------------------------------------


def test_fire_counts_by_state_and_lists_the_devices_not_normal(seeded: Store) -> None:
    with seeded.session() as s:
        devices = list(s.scalars(select(FireDevice)))
        panel = fire_panel(s, _ctx(), limit=len(devices))
    assert devices, "the simulator stores fire devices"
    expected = Counter(d.state for d in devices)
    assert {k: v for k, v in panel.counts.items() if v} == dict(expected)
    assert set(FireState) <= set(panel.counts)
    assert panel.total == len(devices)
    assert {d.id for d in panel.abnormal} == {d.id for d in devices if d.state != "normal"}
    order = ["alarm", "pre_alarm", "supervisory", "trouble", "disabled"]
    ranks = [order.index(d.state) for d in panel.abnormal]
    assert ranks == sorted(ranks)
    assert panel.updated.at is not None and panel.updated.at <= NOW


def test_parking_free_spaces_now_and_the_trend_of_today(seeded: Store) -> None:
    ctx = _ctx()
    with seeded.session() as s:
        lots = list(s.scalars(select(ParkingLot)))
        counts = list(s.scalars(select(ParkingCount).where(ParkingCount.at <= NOW)))
        panel = parking_panel(s, ctx)
    assert lots and counts, "the simulator stores lots and their counts"
    latest = {}
    for c in counts:
        if c.lot_id not in latest or c.at > latest[c.lot_id].at:
            latest[c.lot_id] = c
    for lot in panel.lots:
        assert lot.free == latest[lot.lot_id].capacity - latest[lot.lot_id].occupied
        assert lot.updated.at == latest[lot.lot_id].at
    assert [lot.lot_id for lot in panel.lots] == sorted(lot.id for lot in lots)

    start = ctx.day_start()
    assert panel.trend.hours[0] == start and panel.trend.hours[-1] == ctx.hour_start()
    per_hour: dict[tuple[str, int], list[int]] = defaultdict(list)
    for c in counts:
        if c.at >= start:
            per_hour[c.lot_id, int((c.at - start).total_seconds() // 3600)].append(c.capacity - c.occupied)
    assert per_hour, "the simulator counts cars today"
    for (lot_id, hour), free in per_hour.items():
        assert panel.trend.free[lot_id][hour] == pytest.approx(sum(free) / len(free))


HISTORY_TABLES = {"parking_counts", "footfall", "fire_signals", "alarm_transitions", "detection_events",
                  "traffic_readings", "environment_readings"}


def _table_reads(store: Store, read: Callable[[Session], object]) -> dict[str, set[str]]:
    """How SQLite reads each table for the statements of ``read``: table -> {"SCAN", "SEARCH"}.

    ``SCAN`` reads the table whole (with or without an index), ``SEARCH`` probes an index. Aliases
    that SQLAlchemy numbers (``traffic_readings_1``) count as their table.
    """
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.session() as s:
            read(s)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    with store.engine.connect() as conn:
        plans = [row[3] for sql, params in statements for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
    reads: dict[str, set[str]] = defaultdict(set)
    for plan in plans:
        how, table, *_ = [*plan.split(), ""]
        if how in ("SCAN", "SEARCH"):
            reads[re.sub(r"_\d+$", "", table)].add(how)
    return reads


def test_the_wall_panels_never_read_a_whole_history_table(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        seed(store, NOW, history_days=2, rng_seed=7)
        ctx = _ctx()
        panels = [lambda s: parking_panel(s, ctx), lambda s: commerce_panel(s, ctx), lambda s: fire_panel(s, ctx),
                  lambda s: security_panel(s, ctx), lambda s: alarm_timeline(s, ctx), lambda s: guards_panel(s, ctx),
                  lambda s: camera_health(s, ctx, 30.0),
                  lambda s: traffic_strip(s, ctx, DEMO_TRAFFIC, DEMO_ENVIRONMENT)]
        reads: dict[str, set[str]] = defaultdict(set)
        for panel in panels:
            for table, how in _table_reads(store, panel).items():
                reads[table] |= how
        scanned = {table for table, how in reads.items() if "SCAN" in how}
        assert not scanned & HISTORY_TABLES, scanned
        # the check is worth something only if the panels' history queries ran: each is read, by index
        read_history = {"parking_counts", "footfall", "fire_signals", "traffic_readings", "environment_readings"}
        assert read_history <= set(reads), dict(reads)
    finally:
        store.dispose()


def test_commerce_footfall_today_against_the_same_weekday_last_week(seeded: Store) -> None:
    ctx = _ctx()
    today, last_week = ctx.day_start(), ctx.day_start(days_ago=7)
    with seeded.session() as s:
        merchants = {m.id: m for m in s.scalars(select(Merchant))}
        rows = list(s.execute(select(Footfall.merchant_id, Footfall.minute, Footfall.count_in)
                              .where(Footfall.minute >= last_week)))
        panel = commerce_panel(s, ctx, top=3)
    assert panel.merchant_count == sum(m.active for m in merchants.values()) > 0
    today_rows = [(m, n) for m, t, n in rows if today <= t <= NOW]
    assert panel.footfall_today == sum(n for _, n in today_rows) > 0
    assert panel.footfall_last_week == sum(n for _, t, n in rows if last_week <= t <= NOW - timedelta(days=7)) > 0
    assert panel.change == pytest.approx(panel.footfall_today / panel.footfall_last_week - 1)
    per_merchant = Counter()
    for m, n in today_rows:
        per_merchant[m] += n
    best = sorted(per_merchant.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(t.merchant_id, t.count_in) for t in panel.top] == best
    assert panel.top[0].name == merchants[best[0][0]].name
    assert panel.updated.at == min(max(t for _, t, _ in rows if t <= NOW) + timedelta(minutes=1), NOW)


def test_guards_roster_busy_first_with_counts(seeded: Store) -> None:
    with seeded.session() as s:
        guards = list(s.scalars(select(Guard)))
        panel = guards_panel(s, _ctx(), limit=len(guards))
    assert guards, "the simulator stores the roster"
    assert {k: v for k, v in panel.counts.items() if v} == dict(Counter(g.status for g in guards))
    ranks = [GUARD_STATUSES.index(g.status) for g in panel.guards]
    assert ranks == sorted(ranks)
    assert panel.on_duty == sum(g.status != "off_duty" for g in guards)


def test_traffic_and_environment_show_the_latest_reading_of_each(seeded: Store) -> None:
    with seeded.session() as s:
        traffic = list(s.scalars(select(TrafficReading).where(TrafficReading.at <= NOW)))
        env = list(s.scalars(select(EnvironmentReading).where(EnvironmentReading.at <= NOW)))
        strip = traffic_strip(s, _ctx(), DEMO_TRAFFIC, DEMO_ENVIRONMENT)
    assert traffic and env, "the simulator stores traffic and environment readings"
    newest_road = {}
    for r in traffic:
        if r.road not in newest_road or r.at > newest_road[r.road].at:
            newest_road[r.road] = r
    assert {r.road: (r.congestion, r.speed_kmh, r.updated.at) for r in strip.roads} == {
        k: (r.congestion, r.speed_kmh, r.at) for k, r in newest_road.items()
    }
    newest_env = {}
    for r in env:
        key = (r.station, r.metric)
        if key not in newest_env or r.at > newest_env[key].at:
            newest_env[key] = r
    assert {(v.station, v.metric): (v.value, v.updated.at) for v in strip.environment} == {
        k: (r.value, r.at) for k, r in newest_env.items()
    }


def test_each_domain_goes_stale_at_its_own_pace() -> None:
    ctx = ReadContext(now=NOW, tz=SHANGHAI, stale_after=StaleLimits(cameras=15, fire=3900))
    ten_minutes_ago = NOW - timedelta(minutes=10)
    assert ctx.stamp(ten_minutes_ago, "cameras").stale is True
    assert ctx.stamp(ten_minutes_ago, "fire").stale is False


def test_time_buckets_count_past_2038(store_url: str) -> None:
    """Epoch seconds pass 2**31 on 2038-01-19: bucket arithmetic is 64-bit on every store."""
    start = datetime(2040, 1, 1, tzinfo=UTC)
    at = literal(start + timedelta(hours=5, minutes=30), DateTime(timezone=True))
    store = open_store(store_url)
    with store.session() as s:
        assert s.scalar(select(time_bucket(at, start, 3600))) == 5
        days_since_1970 = (start.date() - date(1970, 1, 1)).days
        assert s.scalar(select(time_bucket(at, datetime(1970, 1, 1, tzinfo=UTC), 86_400))) == days_since_1970
    store.dispose()
