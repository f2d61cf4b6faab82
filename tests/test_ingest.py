"""Sensor ingestion: pure validation of every feed, then the real HTTP API (the real login gate and
``register_api`` on a werkzeug server) over a simulator-seeded store on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import flask
import pytest
import requests
from alembic import command
from sqlalchemy import func, insert, select
from werkzeug.serving import make_server

from ops_center.alarm_actions import act
from ops_center.auth import Principal, Role, create_token, create_user, revoke_token
from ops_center.config import SiteConfig
from ops_center.errors import InputError
from ops_center.ingest import (
    EnvironmentIn,
    FireSignalIn,
    FootfallIn,
    ParkingCountIn,
    ParkingSpaceIn,
    SalesIn,
    TrafficIn,
    parse_items,
)
from ops_center.simulator import seed
from ops_center.simulator.site import DEMO_ENVIRONMENT, DEMO_TRAFFIC
from ops_center.store.db import Store, open_store
from ops_center.store.migrate import alembic_config
from ops_center.store.models import (
    Alarm,
    AlarmTransition,
    EnvironmentReading,
    FireDevice,
    FireSignal,
    Footfall,
    Guard,
    MerchantSales,
    ParkingCount,
    ParkingSpace,
    TrafficReading,
)
from ops_center.store.types import utcnow
from tests.wall_harness import post_login
from web.api import register_api
from web.auth import install_auth

SECRET = "ingest-test-secret-" + "y" * 32
PASSWORDS = {"wang": "guard pass 0001", "boss": "manager pass 1"}
NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
SITE = SiteConfig.model_validate({
    "site": {"name": "Ingest test"},
    "traffic": {"roads": [*DEMO_TRAFFIC.roads, "West Road"]},
    "environment": {"stations": [
        *DEMO_ENVIRONMENT.model_dump()["stations"],
        {"name": "Pool", "metrics": {"water_temp": {"unit": "°C", "min": 0, "max": 45}}},
    ]},
    "commerce": {"max_per_minute": 600, "merchant_max_per_minute": {"m01": 1200}},
})


def _body(*items: dict[str, Any]) -> str:
    return json.dumps({"items": list(items)})


def _refused(item: type, body: str, now: datetime = NOW) -> str:
    with pytest.raises(InputError) as caught:
        parse_items(item, body, now, SITE)
    return str(caught.value)


# --- pure validation --------------------------------------------------------------------------


def test_good_items_parse_with_times_in_utc() -> None:
    [by_id, by_address] = parse_items(FireSignalIn, _body(
        {"device_id": "P1-L01-D003", "state": "supervisory", "value": 0.11, "unit": "MPa",
         "at": "2025-06-02T17:29:00+08:00"},
        {"panel": 2, "loop": 1, "address": 4, "state": "alarm", "at": "2025-06-02T09:29:30Z"},
    ), NOW, SITE)
    assert by_id.at == datetime(2025, 6, 2, 9, 29, tzinfo=UTC) and by_id.at.tzinfo is UTC
    assert (by_address.panel, by_address.loop, by_address.address, by_address.device_id) == (2, 1, 4, None)
    gate_body = _body({"lot_id": "a", "in": 3, "out": 1, "at": "2025-06-02T09:00:00Z"})
    [gate] = parse_items(ParkingCountIn, gate_body, NOW, SITE)
    assert (gate.cars_in, gate.cars_out, gate.occupied, gate.source) == (3, 1, None, "gate")
    [level] = parse_items(EnvironmentIn, _body({"station": "Lakeside station 湖畔监测站", "metric": "lake_level",
                                                "value": 2.4, "at": "2025-06-02T09:00:00Z"}), NOW, SITE)
    assert level.unit == "m"  # the registered unit where the station sends none


@pytest.mark.parametrize(
    ("item", "items", "message"),
    [
        (FireSignalIn, [{"device_id": "P1-L01-D001", "state": "burning", "at": "2025-06-02T09:00:00Z"}],
         "items[0].state: 'burning' is not a fire state; use one of normal, alarm, pre_alarm, supervisory, "
         "trouble, disabled"),
        (FireSignalIn, [{"device_id": "P1-L01-D001", "state": "alarm", "at": "2025-06-02T09:00:00Z", "colour": "red"}],
         "items[0].colour: unknown field (allowed: device_id, panel, loop, address, state, value, unit, at)"),
        (FireSignalIn, [{"device_id": "P1-L01-D001", "state": "alarm", "at": "2025-06-02T09:00:00"}],
         "items[0].at: Input should have timezone info"),
        (FireSignalIn, [{"device_id": "P1-L01-D001", "state": "alarm", "at": "2025-06-02T09:36:00Z"}],
         "items[0].at: 2025-06-02T09:36:00+00:00 lies more than 5 min in the future (check the sensor's clock)"),
        (FireSignalIn, [{"panel": 1, "loop": 1, "state": "alarm", "at": "2025-06-02T09:00:00Z"}],
         "items[0]: give device_id, or panel, loop and address"),
        (FireSignalIn, [{"device_id": "P1-L01-D001", "panel": 1, "state": "alarm", "at": "2025-06-02T09:00:00Z"}],
         "items[0]: give device_id or panel/loop/address, not both"),
        (FireSignalIn, [{"device_id": "P1-L01-D001", "state": "normal", "at": "2025-06-02T09:00:00Z"},
                        {"device_id": "P1-L01-D001", "state": "normal", "value": "NaN", "at": "2025-06-02T09:00:00Z"}],
         "items[1].value: Input should be a finite number"),
        (ParkingCountIn, [{"lot_id": "a", "occupied": 5, "in": 1, "at": "2025-06-02T09:00:00Z"}],
         "items[0]: give occupied, or in/out deltas, not both"),
        (ParkingCountIn, [{"lot_id": "a", "at": "2025-06-02T09:00:00Z"}], "items[0]: give occupied, or in/out"),
        (ParkingCountIn, [{"lot_id": "a", "occupied": 300, "capacity": 250, "at": "2025-06-02T09:00:00Z"}],
         "items[0]: occupied 300 exceeds capacity 250"),
        (ParkingCountIn, [{"lot_id": "a", "out": -2, "at": "2025-06-02T09:00:00Z"}],
         "items[0].out: Input should be greater than or equal to 0"),
        (ParkingCountIn, [{"lot_id": "a", "occupied": 3, "source": "sim", "at": "2025-06-02T09:00:00Z"}],
         "items[0].source: 'sim' is reserved for the demo simulator; name your counter"),
        (ParkingSpaceIn, [{"space_id": "A-B1-001", "occupied": False, "plate": "沪A·12345", "at": "2025-06-02T09:00:00Z"}],
         "items[0]: a free space has no plate"),
        (FootfallIn, [{"merchant_id": "m01", "minute": "2025-06-02T09:00:30Z", "count_in": 1, "count_out": 0,
                       "source": "door-1"}],
         "items[0].minute: 2025-06-02T09:00:30+00:00 does not start a minute (seconds must be 0)"),
        (FootfallIn, [{"merchant_id": "m01", "minute": "2025-06-02T09:00:00Z", "count_in": 1, "source": "door-1"}],
         "items[0].count_out: required field missing"),
        (TrafficIn, [{"road": "West Road", "congestion": 5, "speed_kmh": 10, "at": "2025-06-02T09:00:00Z"}],
         "items[0].congestion: Input should be less than or equal to 4"),
        (SalesIn, [{"merchant_id": "m01", "day": "2025-06-01", "transactions": 3, "revenue": 10},
                   {"merchant_id": "m01", "day": "2025-06-03", "transactions": 3, "revenue": 10}],
         "items[1].day: 2025-06-03 is after the site's today (2025-06-02)"),  # 17:30 in Shanghai
        (SalesIn, [{"merchant_id": "m01", "day": "2025-06-01", "transactions": 3, "revenue": 10.125}],
         "items[0].revenue: Decimal input should have no more than 2 decimal places"),
        (SalesIn, [{"merchant_id": "m01", "day": "2025-06-01", "transactions": -1, "revenue": 10}],
         "items[0].transactions: Input should be greater than or equal to 0"),
        (SalesIn, [{"merchant_id": "m01", "day": "1969-12-31", "transactions": 1, "revenue": 10}],
         "items[0].day: 1969-12-31 is outside the years 1970 to 2100"),
        (SalesIn, [{"merchant_id": "m01", "day": "2025-06-01", "transactions": 1, "revenue": "NaN"}],
         "items[0].revenue: Input should be a finite number"),
        (SalesIn, [{"merchant_id": "m01", "day": "2025-06-01", "revenue": 10}],
         "items[0].transactions: required field missing"),
    ],
)
def test_a_bad_field_is_named_with_its_item(item: type, items: list[dict[str, Any]], message: str) -> None:
    assert _refused(item, _body(*items)) == message


def test_a_bad_body_is_named_as_such() -> None:
    assert _refused(TrafficIn, "{not json").startswith("body: Invalid JSON: key must be a string")
    assert _refused(TrafficIn, "[]") == "body: Input should be an object"
    assert _refused(TrafficIn, _body()) == "items: List should have at least 1 item after validation, not 0"
    # Two problems at once: which one a pydantic release reports first is its business, not ours.
    assert _refused(TrafficIn, json.dumps({"rows": []})) in {
        "rows: unknown field (allowed: items) (and 1 more problem)",
        "items: required field missing (and 1 more problem)",
    }
    many = [{"road": "West Road", "congestion": 0, "speed_kmh": 50, "at": "2025-06-02T09:00:00Z"}] * 1001
    assert _refused(TrafficIn, _body(*many)) == "items: List should have at most 1000 items after validation, not 1001"


# --- the HTTP API on a seeded store -------------------------------------------------------------


@dataclass
class Api:
    url: str
    store: Store
    token: str

    def post(self, feed: str, *items: dict[str, Any], token: str | None = None) -> requests.Response:
        return requests.post(f"{self.url}/api/v1/{feed}", data=_body(*items),
                             headers={"Authorization": f"Bearer {token or self.token}"})

    def count(self, model: type, *where: Any) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
def api(store_url: str) -> Iterator[Api]:
    store = open_store(store_url)
    seeded_at = utcnow() - timedelta(minutes=2)
    seed(store, seeded_at, history_days=1)
    with store.session() as s:
        guard_id = s.scalar(select(Guard.id).order_by(Guard.id).limit(1))
        create_user(s, "wang", "guard", PASSWORDS["wang"], guard_id=guard_id)
        create_user(s, "boss", "manager", PASSWORDS["boss"])
        _, token = create_token(s, "fire-gateway", "sensor")
    app = flask.Flask(__name__)
    install_auth(app, store, SECRET)
    register_api(app, store, SITE)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Api(f"http://127.0.0.1:{server.server_port}", store, token)
    server.shutdown()
    store.dispose()


def _at(seconds_ago: float = 0) -> str:
    return (utcnow() - timedelta(seconds=seconds_ago)).isoformat()


def test_a_sensor_token_stores_every_feed(api: Api) -> None:
    signals = api.count(FireSignal)
    answer = api.post(
        "fire/signals",
        {"device_id": "P1-L01-D003", "state": "supervisory", "value": 0.108, "unit": "MPa", "at": _at(5)},
        {"panel": 1, "loop": 1, "address": 2, "state": "trouble", "at": _at(4)},
    )
    assert (answer.status_code, answer.json()) == (200, {"received": 2, "stored": 2, "skipped": 0, "alarms": []})
    assert api.count(FireSignal) == signals + 2
    with api.store.session() as s:
        gauge, heat = s.get(FireDevice, "P1-L01-D003"), s.get(FireDevice, "P1-L01-D002")
        assert (gauge.state, gauge.value, gauge.unit, heat.state) == ("supervisory", 0.108, "MPa", "trouble")

    t0, t1 = _at(60), _at(30)
    counts = api.post("parking/counts", {"lot_id": "b", "occupied": 40, "capacity": 72, "source": "b-gate", "at": t0},
                      {"lot_id": "b", "in": 5, "out": 2, "source": "b-gate", "at": t1},
                      {"lot_id": "b", "out": 100, "source": "b-gate", "at": _at(20)})
    resent = api.post("parking/counts", {"lot_id": "b", "in": 5, "out": 2, "source": "b-gate", "at": t1})
    assert counts.json()["stored"] == 3 and resent.json() == {"received": 1, "stored": 0, "skipped": 1, "alarms": []}
    with api.store.session() as s:
        rows = s.execute(select(ParkingCount.occupied, ParkingCount.capacity).where(ParkingCount.source == "b-gate")
                         .order_by(ParkingCount.at)).all()
    assert [tuple(r) for r in rows] == [(40, 72), (43, 72), (0, 72)]  # deltas from the previous count, floored at 0

    spaces = api.post("parking/spaces", {"space_id": "B-G-001", "occupied": True, "plate": "沪A·9C123", "at": _at(3)},
                      {"space_id": "B-G-002", "occupied": False, "at": _at(3)},
                      {"space_id": "B-G-001", "occupied": False, "at": _at(3 * 86400)})  # older: ignored
    assert spaces.json() == {"received": 3, "stored": 2, "skipped": 1, "alarms": []}
    with api.store.session() as s:
        taken = s.get(ParkingSpace, "B-G-001")
        assert (taken.occupied, taken.plate, s.get(ParkingSpace, "B-G-002").occupied) == (True, "沪A·9C123", False)

    minute = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=1)
    footfall = api.post("footfall", {"merchant_id": "m01", "minute": minute.isoformat(), "count_in": 7, "count_out": 4,
                                     "source": "m01-door"})
    assert footfall.json()["stored"] == 1 and api.count(Footfall, Footfall.source == "m01-door") == 1

    traffic = api.post("traffic", *[{"road": "West Road", "congestion": 2, "speed_kmh": 31.5, "at": t0}] * 2)
    environment = api.post("environment", {"station": "Pool", "metric": "water_temp", "value": 26.5, "unit": "°C",
                                           "at": t0})
    assert traffic.json()["stored"] == 1 and environment.json()["stored"] == 1
    assert api.count(TrafficReading, TrafficReading.road == "West Road") == 1
    assert api.count(EnvironmentReading, EnvironmentReading.station == "Pool") == 1


def _login(api: Api, user: str) -> requests.Session:
    client = requests.Session()
    r = post_login(client, api.url, user, PASSWORDS[user])
    assert r.status_code == 302, r.text
    return client


def test_only_a_sensor_token_may_post(api: Api) -> None:
    item = {"merchant_id": "m02", "minute": utcnow().replace(second=0, microsecond=0).isoformat(),
            "count_in": 1, "count_out": 1, "source": "m02-door"}
    url = f"{api.url}/api/v1/footfall"
    anonymous = requests.post(url, data=_body(item))
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": "login required"})
    for user in PASSWORDS:
        denied = _login(api, user).post(url, data=_body(item))
        assert denied.status_code == 403 and denied.json()["error"].endswith("may not ingest.sensor"), user
    with api.store.session() as s:
        _, worker = create_token(s, "lake-worker", "worker")
    assert api.post("footfall", item, token=worker).json() == {"error": "token:lake-worker (worker) may not ingest.sensor"}
    health = requests.get(f"{api.url}/api/v1/health", headers={"Authorization": f"Bearer {api.token}"})
    assert health.json()["principal"] == "token:fire-gateway" and "/api/v1/footfall" in health.json()["feeds"]
    with api.store.session() as s:
        revoke_token(s, "fire-gateway")
    assert api.post("footfall", item).status_code == 401
    assert api.count(Footfall, Footfall.source == "m02-door") == 0


def test_a_bad_item_refuses_the_whole_batch(api: Api) -> None:
    signals, counts = api.count(FireSignal), api.count(ParkingCount)
    good = [{"device_id": "P1-L01-D001", "state": "pre_alarm", "at": _at(2)}] * 3
    unknown = api.post("fire/signals", *good, {"device_id": "P9-L01-D001", "state": "alarm", "at": _at(1)})
    assert (unknown.status_code, unknown.json()) == (400, {"error": "items[3].device_id: unknown fire device 'P9-L01-D001'"})
    nowhere = api.post("fire/signals", {"panel": 2, "loop": 9, "address": 1, "state": "alarm", "at": _at(1)})
    assert nowhere.json() == {"error": "items[0].address: no fire device at panel 2, loop 9, address 1"}
    malformed = api.post("fire/signals", *good, {"device_id": "P1-L01-D002", "state": "alarm", "at": "yesterday"})
    assert malformed.status_code == 400 and malformed.json()["error"].startswith("items[3].at: Input should be a valid datetime")
    not_json = requests.post(f"{api.url}/api/v1/traffic", data="road=bridge",
                             headers={"Authorization": f"Bearer {api.token}"})
    assert not_json.status_code == 400 and not_json.json()["error"].startswith("body: Invalid JSON")
    # the third count overflows the lot after two good ones were applied: none of them stays
    overflow = api.post("parking/counts", {"lot_id": "c", "occupied": 10, "source": "c-gate", "at": _at(9)},
                        {"lot_id": "c", "in": 4, "source": "c-gate", "at": _at(8)},
                        {"lot_id": "c", "occupied": 91, "source": "c-gate", "at": _at(7)})
    assert overflow.json() == {"error": "items[2].occupied: 91 exceeds the lot's capacity 90"}
    assert (api.count(FireSignal), api.count(ParkingCount)) == (signals, counts)
    with api.store.session() as s:
        assert s.get(FireDevice, "P1-L01-D001").state != "pre_alarm"


def _made_up_roads(n: int) -> list[dict[str, Any]]:
    return [{"road": f"Made-up Road {i}", "congestion": 4, "speed_kmh": 1, "at": _at(5)} for i in range(n)]


def test_names_the_site_has_not_registered_are_refused_by_name(api: Api) -> None:
    readings = api.count(TrafficReading), api.count(EnvironmentReading)
    good = {"road": "West Road", "congestion": 1, "speed_kmh": 40, "at": _at(5)}
    made_up = api.post("traffic", good, good, good, *_made_up_roads(1))
    assert (made_up.status_code, made_up.json()) == (400, {"error": (
        "items[3].road: unknown road 'Made-up Road 0' (known: Lake Bridge outbound 湖桥出城, "
        "Lake Bridge inbound 湖桥入城, East Gate Road 东门路, West Road)")})
    flood = api.post("traffic", *_made_up_roads(1000))  # blanked the wall when it was stored
    assert flood.status_code == 400 and flood.json()["error"].startswith("items[0].road: unknown road 'Made-up Road 0'")
    station = api.post("environment", {"station": "Roof", "metric": "pm25", "value": 30, "at": _at(5)})
    assert station.json() == {
        "error": "items[0].station: unknown station 'Roof' (known: Lakeside station 湖畔监测站, Pool)"}
    metric = api.post("environment", {"station": "Pool", "metric": "chlorine", "value": 1.2, "at": _at(5)})
    assert metric.json() == {
        "error": "items[0].metric: unknown metric 'chlorine' of station 'Pool' (known: water_temp)"}
    hot = api.post("environment", {"station": "Pool", "metric": "water_temp", "value": 80, "at": _at(5)})
    assert hot.json() == {"error": "items[0].value: 80 is outside water_temp's range 0..45 °C"}
    unit = api.post("environment", {"station": "Pool", "metric": "water_temp", "value": 26, "unit": "°F", "at": _at(5)})
    assert unit.json() == {"error": "items[0].unit: water_temp is measured in '°C', not '°F'"}
    assert (api.count(TrafficReading), api.count(EnvironmentReading)) == readings


def _minute(minutes_ago: int = 1) -> str:
    return (utcnow().replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)).isoformat()


IMPLAUSIBLE = [
    ("traffic", {"road": "West Road", "congestion": 1, "speed_kmh": 9223372036854775808},
     "items[0].speed_kmh: Input should be less than or equal to 250"),
    ("traffic", {"road": "West Road", "congestion": 2**64, "speed_kmh": 30},
     "items[0].congestion: Input should be less than or equal to 4"),
    ("footfall", {"merchant_id": "m02", "count_in": 3_000_000_000, "count_out": 0, "source": "m02-door"},
     "items[0].count_in: 3000000000 people in one minute is more than one entrance passes (at most 600)"),
    ("footfall", {"merchant_id": "m01", "count_in": 0, "count_out": 1201, "source": "m01-door"},
     "items[0].count_out: 1201 people in one minute is more than one entrance passes (at most 1200)"),
    ("parking/counts", {"lot_id": "b", "occupied": 10, "capacity": 2**31, "source": "b-gate"},
     "items[0].capacity: Input should be less than or equal to 20000"),
    ("parking/counts", {"lot_id": "b", "in": 2**63, "source": "b-gate"},
     "items[0].in: Input should be less than or equal to 20000"),
    ("fire/signals", {"panel": 2**31, "loop": 1, "address": 1, "state": "normal"},
     "items[0].panel: Input should be less than or equal to 65535"),
    ("fire/signals", {"device_id": "P1-L01-D003", "state": "normal", "value": 57.0, "unit": "MPa"},
     "items[0].value: 57 is outside a hydrant pressure device's range 0..10"),
    ("environment", {"station": "Lakeside station 湖畔监测站", "metric": "pm25", "value": 1e9},
     "items[0].value: 1e+09 is outside pm25's range 0..1000 µg/m³"),
    ("environment", {"station": "Lakeside station 湖畔监测站", "metric": "humidity", "value": -5},
     "items[0].value: -5 is outside humidity's range 0..100 %"),
]


def test_implausible_numbers_are_refused(api: Api) -> None:
    for feed, item, error in IMPLAUSIBLE:
        at = {"minute": _minute()} if feed == "footfall" else {"at": _at(5)}
        answer = api.post(feed, {**item, **at})
        assert (answer.status_code, answer.json()) == (400, {"error": error}), item


CONTROL_CHARACTERS = [
    ("traffic", {"road": "West\x00Road", "congestion": 1, "speed_kmh": 30},
     "items[0].road: control character '\\x00' at position 4 is not allowed"),
    ("footfall", {"merchant_id": "m02", "count_in": 1, "count_out": 0, "source": "door\x1b[2J"},
     "items[0].source: control character '\\x1b' at position 4 is not allowed"),
    ("parking/spaces", {"space_id": "B-G-001", "occupied": True, "plate": "沪A\x00123"},
     "items[0].plate: control character '\\x00' at position 2 is not allowed"),
    ("parking/counts", {"lot_id": "b", "occupied": 3, "source": "gate\x7f"},
     "items[0].source: control character '\\x7f' at position 4 is not allowed"),
    ("fire/signals", {"device_id": "P1-L01-D003", "state": "normal", "value": 0.2, "unit": "M\x85Pa"},
     "items[0].unit: control character '\\x85' at position 1 is not allowed"),
    ("environment", {"station": "Pool", "metric": "water\x07temp", "value": 20},
     "items[0].metric: control character '\\x07' at position 5 is not allowed"),
]


def test_control_characters_are_refused(api: Api) -> None:
    for feed, item, error in CONTROL_CHARACTERS:
        at = {"minute": _minute()} if feed == "footfall" else {"at": _at(5)}
        answer = api.post(feed, {**item, **at})
        assert (answer.status_code, answer.json()) == (400, {"error": error}), item


OUT_OF_TIME = [
    ("fire/signals", {"device_id": "P1-L01-D001", "state": "normal"}, "0001-01-01T00:00+01:00"),
    ("traffic", {"road": "West Road", "congestion": 1, "speed_kmh": 30}, "9999-12-31T23:59:59-01:00"),
    ("parking/spaces", {"space_id": "B-G-001", "occupied": False}, "1970-01-01T00:30:00+01:00"),
    ("environment", {"station": "Pool", "metric": "water_temp", "value": 20}, "2101-01-01T00:00:00Z"),
]


def test_times_the_store_cannot_hold_are_refused(api: Api) -> None:
    for feed, item, moment in OUT_OF_TIME:
        answer = api.post(feed, {**item, "at": moment})
        assert answer.status_code == 400, moment
        error = answer.json()["error"]
        assert error.startswith("items[0].at: ") and error.endswith(" is not between 1970 and 2100"), error
    footfall = api.post("footfall", {"merchant_id": "m02", "minute": "0001-01-01T00:00+01:00", "count_in": 1,
                                     "count_out": 0, "source": "m02-door"})
    assert footfall.json() == {"error": "items[0].minute: 0001-01-01T00:00:00+01:00 is not between 1970 and 2100"}


def test_gateways_posting_to_the_same_lots_at_once_store_each_count_once(api: Api) -> None:
    """Eight gateways post counts for all three lots at once, then resend them all at once: each batch
    locks its lots once, in one order, so no batch fails or waits on another in a circle (PostgreSQL),
    and every count is stored once."""
    start = utcnow() - timedelta(minutes=30)
    batches = [[{"lot_id": "abc"[i % 3], "in": 1, "out": i % 2, "source": f"gate-{number}",
                 "at": (start + timedelta(seconds=100 * batch + 10 * i + number)).isoformat()} for i in range(9)]
               for number in range(8) for batch in range(3)]
    before = api.count(ParkingCount)

    def post_all(expected_stored: int) -> None:
        answers: list[requests.Response] = []
        threads = [threading.Thread(target=lambda b=b: answers.append(api.post("parking/counts", *b))) for b in batches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted((a.status_code, a.json()["stored"]) for a in answers) == [(200, expected_stored)] * len(batches)

    post_all(expected_stored=9)
    post_all(expected_stored=0)  # resent: skipped
    assert api.count(ParkingCount) == before + 9 * len(batches)


def test_a_late_batch_builds_on_the_counts_before_each_of_its_items(api: Api) -> None:
    """Deltas count from the lot's latest count at or before their time, stored or earlier in the batch."""
    t = utcnow() - timedelta(days=3)  # before the simulated history: these counts are the lot's only ones
    at = lambda minutes: (t + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    assert api.post("parking/counts", {"lot_id": "b", "occupied": 10, "source": "b-gate", "at": at(0)},
                    {"lot_id": "b", "occupied": 50, "source": "b-gate", "at": at(20)}).status_code == 200
    late = api.post("parking/counts", {"lot_id": "b", "in": 3, "source": "b-gate", "at": at(10)},
                    {"lot_id": "b", "in": 2, "source": "b-gate", "at": at(15)},
                    {"lot_id": "b", "out": 5, "source": "b-gate", "at": at(25)})
    assert late.json()["stored"] == 3
    with api.store.session() as s:
        rows = s.execute(select(ParkingCount.occupied).where(ParkingCount.source == "b-gate")
                         .order_by(ParkingCount.at)).scalars().all()
    assert rows == [10, 13, 15, 50, 45]


def test_readings_stored_twice_before_the_unique_index_are_kept_once(store_url: str) -> None:
    """Migration 0006 makes readings unique per road (station, metric) and time, dropping the
    duplicates an old store may hold (two writers racing the old check), and the resend check then
    rests on those indexes."""
    store = open_store(store_url)
    with store.engine.begin() as conn:
        command.downgrade(_alembic(conn), "0005")
        at = NOW - timedelta(hours=1)
        conn.execute(insert(TrafficReading), [{"road": "West Road", "at": at, "congestion": c, "speed_kmh": 30.0}
                                              for c in (1, 2)])
        conn.execute(insert(EnvironmentReading), [{"station": "Pool", "metric": "water_temp", "value": v, "unit": "°C",
                                                   "at": at} for v in (20.0, 21.0)])
        command.upgrade(_alembic(conn), "head")
    with store.session() as s:
        assert s.execute(select(TrafficReading.congestion)).scalars().all() == [1]  # the first stored
        assert s.execute(select(EnvironmentReading.value)).scalars().all() == [20.0]
    store.dispose()


def _alembic(conn: Any) -> Any:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    return cfg


def test_a_resent_footfall_bucket_keeps_the_last_counts(api: Api) -> None:
    minute = (utcnow().replace(second=0, microsecond=0) - timedelta(minutes=3)).isoformat()
    bucket = {"merchant_id": "m03", "minute": minute, "source": "m03-door"}
    assert api.post("footfall", {**bucket, "count_in": 4, "count_out": 1}).status_code == 200
    assert api.post("footfall", {**bucket, "count_in": 6, "count_out": 2}).json()["stored"] == 1
    with api.store.session() as s:
        rows = s.execute(select(Footfall.count_in, Footfall.count_out).where(Footfall.source == "m03-door")).all()
    assert [tuple(r) for r in rows] == [(6, 2)]


def test_daily_sales_are_stored_and_a_resent_day_replaces_its_figures(api: Api) -> None:
    yesterday = (utcnow() - timedelta(days=1)).astimezone(ZoneInfo(SITE.site.timezone)).date().isoformat()
    first = api.post("sales", {"merchant_id": "m02", "day": yesterday, "transactions": 412, "revenue": 18630.5},
                     {"merchant_id": "m03", "day": yesterday, "transactions": 90, "revenue": "1520.07"})
    assert first.json() == {"received": 2, "stored": 2, "skipped": 0, "alarms": []}
    assert api.post("sales", {"merchant_id": "m02", "day": yesterday, "transactions": 415, "revenue": 18700}).json()[
        "stored"] == 1
    unknown = api.post("sales", {"merchant_id": "m99", "day": yesterday, "transactions": 1, "revenue": 1})
    assert (unknown.status_code, unknown.json()) == (400, {"error": "items[0].merchant_id: unknown merchant 'm99'"})
    listed = api.post("sales", {"merchant_id": "m02", "day": yesterday, "transactions": 1, "revenue": [0, 0, 0]})
    assert (listed.status_code, listed.json()) == (400, {"error": "items[0].revenue: must be a number or a numeric text"})
    with api.store.session() as s:
        rows = s.execute(select(MerchantSales.merchant_id, MerchantSales.transactions, MerchantSales.revenue_cents)
                         .where(MerchantSales.day == date.fromisoformat(yesterday),
                                MerchantSales.merchant_id.in_(("m02", "m03")))  # the others: the simulator's
                         .order_by(MerchantSales.merchant_id)).all()
    assert [tuple(r) for r in rows] == [("m02", 415, 1_870_000), ("m03", 90, 152_007)]


def test_a_fire_alarm_signal_raises_one_operator_alarm(api: Api) -> None:
    device = "P2-L02-D001"
    first = {"device_id": device, "state": "alarm", "at": _at(60)}
    raised = api.post("fire/signals", first).json()["alarms"]
    assert len(raised) == 1
    assert api.post("fire/signals", first).json() == {"received": 1, "stored": 0, "skipped": 1, "alarms": []}
    assert api.post("fire/signals", {**first, "at": _at(50)}).json()["alarms"] == []  # still in alarm
    with api.store.session() as s:
        alarm = s.get(Alarm, raised[0])
        assert (alarm.kind, alarm.severity, alarm.status, alarm.details["device_id"]) == ("fire", "critical", "new", device)
        assert alarm.place.startswith("Commercial square") and device in alarm.title
        act(s, Principal("op1", Role.OPERATOR), alarm.id, "acknowledged")  # the lake alarm's lifecycle
    assert api.post("fire/signals", first).json()["alarms"] == []
    assert api.count(AlarmTransition, AlarmTransition.alarm_id == raised[0]) == 2  # new, acknowledged
    assert api.count(Alarm, Alarm.kind == "fire") == 1
    # back to normal, then a new alarm: a new incident
    api.post("fire/signals", {"device_id": device, "state": "normal", "at": _at(40)})
    again = api.post("fire/signals", {"device_id": device, "state": "alarm", "at": _at(30)}).json()["alarms"]
    assert len(again) == 1 and again != raised and api.count(Alarm, Alarm.kind == "fire") == 2


def test_routes_answer_json_even_without_the_login_gate(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    app = flask.Flask(__name__)
    register_api(app, store, SITE)
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 401
    denied = client.post("/api/v1/traffic", data="{}")
    assert (denied.status_code, denied.json) == (403, {"error": "nobody may not ingest.sensor"})
    store.dispose()


def test_sales_that_overflow_the_store_or_are_implausible_are_400_naming_the_field(api: Api) -> None:
    local = utcnow().astimezone(ZoneInfo(SITE.site.timezone)).date()
    good = {"merchant_id": "m02", "day": (local - timedelta(days=1)).isoformat(), "transactions": 1, "revenue": 1}
    refused = {
        "transactions": [2**63, 2**31, -1, 1_000_001, 1.5, "many"],
        "revenue": [1e30, "1e400", "NaN", "Infinity", -0.01, 0.001, "10000000000.01", True, {"cents": 1}],
        "day": ["0001-01-01", "9999-12-31", "1969-12-31", (local + timedelta(days=1)).isoformat(), "2024-02-30"],
        "merchant_id": ["m02\x00", "m\x1b02", "m" * 65, ""],
    }
    answers = {(field, str(value)): api.post("sales", {**good, field: value}) for field, values in refused.items()
               for value in values}
    assert {key: r.status_code for key, r in answers.items() if r.status_code != 400} == {}
    assert {key: r.json()["error"] for key, r in answers.items()
            if not r.json()["error"].startswith(f"items[0].{key[0]}: ")} == {}
    assert api.count(MerchantSales, MerchantSales.merchant_id == "m02", MerchantSales.transactions == 1) == 0
    assert api.post("sales", good).status_code == 200


def test_concurrent_deltas_for_one_lot_build_on_each_other(api: Api) -> None:
    """Eight gates post one car in for the same lot at the same moment, all at once: each batch reads
    the lot's counts under the lot's lock (PostgreSQL: the lot's row; SQLite: the write lock, taken
    before the batch reads), so each delta builds on the one stored before it and none is lost."""
    at = utcnow() - timedelta(seconds=30)
    assert api.post("parking/counts", {"lot_id": "a", "occupied": 0, "source": "reset", "at": at.isoformat()}).ok
    answers: list[requests.Response] = []
    threads = [threading.Thread(target=lambda n=n: answers.append(api.post(
        "parking/counts", {"lot_id": "a", "in": 1, "source": f"gate-{n}", "at": at.isoformat()})))
        for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(a.status_code, a.json()["stored"]) for a in answers] == [(200, 1)] * 8
    with api.store.session() as s:
        occupied = s.scalars(select(ParkingCount.occupied).where(ParkingCount.lot_id == "a", ParkingCount.at == at)
                             .order_by(ParkingCount.id)).all()
    assert occupied == list(range(9))  # the reset, then one more car per gate
