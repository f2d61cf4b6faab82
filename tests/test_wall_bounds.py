"""Each wall module shows a bounded number of rows whatever the store holds: a store with many more
roads, stations, lots, devices, guards, alarms, merchants and cameras than the wall has room for,
read by the wall's own queries with the wall's own limits, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from layouts.pages.wall import FIRE_ROWS, GUARD_ROWS, SECURITY_ROWS
from ops_center.config import StaleLimits
from ops_center.queries.cameras import CAMERAS_SHOWN, camera_health
from ops_center.queries.commerce import commerce_panel
from ops_center.queries.common import ReadContext
from ops_center.queries.fire import fire_panel
from ops_center.queries.guards import guards_panel
from ops_center.queries.parking import LOTS_SHOWN, parking_panel
from ops_center.queries.security import security_panel
from ops_center.queries.traffic import ROADS_SHOWN, VALUES_SHOWN, traffic_strip
from ops_center.simulator.site import DEMO_ENVIRONMENT, DEMO_TRAFFIC
from ops_center.store.db import Store, open_store
from ops_center.store.models import (
    Alarm,
    CameraHeartbeat,
    EnvironmentReading,
    FireDevice,
    Footfall,
    Guard,
    Merchant,
    ParkingCount,
    ParkingLevel,
    ParkingLot,
    TrafficReading,
)

NOW = datetime(2026, 6, 10, 6, 30, tzinfo=UTC)
MANY = 300  # of each thing: far more than any module has room for


@pytest.fixture
def crowded(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    at = NOW - timedelta(minutes=5)
    with store.session() as s:
        roads = [*DEMO_TRAFFIC.roads, *(f"Made-up Road {i}" for i in range(MANY))]
        s.execute(insert(TrafficReading), [{"road": r, "at": at, "congestion": 1, "speed_kmh": 40.0} for r in roads])
        pairs = [(st.name, m) for st in DEMO_ENVIRONMENT.stations for m in st.metrics]
        pairs += [(f"Made-up station {i}", f"metric{i % 7}") for i in range(MANY)]
        s.execute(insert(EnvironmentReading), [{"station": st, "metric": m, "value": 1.0, "unit": "", "at": at}
                                               for st, m in pairs])
        s.execute(insert(ParkingLot), [{"id": f"lot{i:03d}", "name": f"Lot {i}"} for i in range(MANY)])
        s.execute(insert(ParkingLevel), [{"id": f"lot{i:03d}-g", "lot_id": f"lot{i:03d}", "name": "G", "capacity": 50}
                                         for i in range(MANY)])
        s.execute(insert(ParkingCount), [{"lot_id": f"lot{i:03d}", "at": at, "occupied": 10, "capacity": 50}
                                         for i in range(MANY)])
        s.execute(insert(FireDevice), [
            {"id": f"P1-L01-D{i:03d}", "panel": 1, "loop": 1, "address": i, "kind": "smoke", "building": "A",
             "floor": "1", "place": "hall", "state": "trouble", "value": None, "unit": "", "updated_at": at}
            for i in range(MANY)])
        s.execute(insert(Guard), [{"id": f"g{i:03d}", "name": f"Guard {i}", "radio_channel": "1", "post": "gate",
                                   "status": "on_patrol", "updated_at": at} for i in range(MANY)])
        s.execute(insert(Alarm), [{"id": f"alarm-{i:04d}", "kind": "danger_zone", "severity": "critical",
                                   "status": "new", "title": f"Alarm {i}", "raised_at": at} for i in range(MANY)])
        s.execute(insert(Merchant), [{"id": f"m{i:03d}", "name": f"Shop {i}", "category": "shop"} for i in range(MANY)])
        s.execute(insert(Footfall), [{"merchant_id": f"m{i:03d}", "minute": at.replace(second=0), "source": "door",
                                      "count_in": i, "count_out": 0} for i in range(MANY)])
        s.execute(insert(CameraHeartbeat), [
            {"camera_id": f"cam{i:03d}", "status": "online", "model_status": "ok", "started_at": at, "updated_at": at}
            for i in range(MANY)])
    yield store
    store.dispose()


def test_every_wall_module_shows_a_bounded_number_of_rows(crowded: Store) -> None:
    ctx = ReadContext(now=NOW, tz=ZoneInfo("Asia/Shanghai"), stale_after=StaleLimits())
    with crowded.session() as s:
        strip = traffic_strip(s, ctx, DEMO_TRAFFIC, DEMO_ENVIRONMENT)
        parking = parking_panel(s, ctx)
        fire = fire_panel(s, ctx, FIRE_ROWS)
        guards = guards_panel(s, ctx, GUARD_ROWS)
        security = security_panel(s, ctx, SECURITY_ROWS)
        commerce = commerce_panel(s, ctx)
        cameras = camera_health(s, ctx, 30.0)
    # the registered roads and station only, however many others the store holds
    assert [r.road for r in strip.roads] == DEMO_TRAFFIC.roads[:ROADS_SHOWN]
    assert [v.station for v in strip.environment] == [DEMO_ENVIRONMENT.stations[0].name] * 4
    assert len(strip.environment) <= VALUES_SHOWN
    assert len(parking.lots) == LOTS_SHOWN and len(parking.trend.free) <= LOTS_SHOWN
    assert len(fire.abnormal) == FIRE_ROWS and fire.counts["trouble"] == MANY  # counted, not listed
    assert len(guards.guards) == GUARD_ROWS
    assert len(security.alarms) == SECURITY_ROWS
    assert len(commerce.top) == 5 and commerce.merchant_count == MANY
    assert len(cameras) == CAMERAS_SHOWN
