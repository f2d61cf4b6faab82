"""The ingest API fuzzed with hypothesis: whatever a sensor token posts to any feed (hostile numbers,
text with control characters, times from year 1 to 9999, wrong types, broken JSON), the answer is
200 or a 4xx naming the problem, never a 500, on SQLite and PostgreSQL.

Run with ``-s`` to see, per feed, how many bodies were tried and how each was answered (the figures
of docs/reliability.md).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import flask
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ops_center.auth import create_token
from ops_center.ingest import FEEDS
from ops_center.simulator import seed
from ops_center.simulator.commerce import MERCHANTS
from ops_center.store.db import open_store
from ops_center.store.types import utcnow
from tests.test_ingest import SECRET, SITE
from web.api import register_api
from web.auth import install_auth

EXAMPLES = 150  # per feed and store: the suite stays fast

hostile_text = st.text(st.characters(codec="utf-8"), max_size=120)
hostile_number = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 1e308, -1e308, 5e-324]),
)
hostile = st.one_of(st.none(), st.booleans(), hostile_number, hostile_text, st.lists(st.integers(), max_size=3),
                    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@st.composite
def moments(draw: st.DrawFn) -> str:
    """ISO times: mostly within the last day (a few minutes ahead at most), now and then any time
    from year 1 to 9999 with any offset, without an offset, or not a time at all."""
    offset = timezone(timedelta(minutes=draw(st.integers(-23 * 60 - 59, 23 * 60 + 59))))
    near = utcnow().astimezone(offset) - timedelta(seconds=draw(st.integers(-200, 86400)))
    if draw(st.integers(0, 4)):
        return near.replace(second=0, microsecond=0).isoformat() if draw(st.integers(0, 3)) else near.isoformat()
    anywhen = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    text = anywhen.replace(tzinfo=offset).isoformat()
    return draw(st.sampled_from([text, text[:16], anywhen.isoformat(), "yesterday", ""]))


@st.composite
def days(draw: st.DrawFn) -> str:
    """ISO dates: mostly within the last month, now and then any date (the future too), or no date."""
    if draw(st.integers(0, 4)):
        return (utcnow().date() - timedelta(days=draw(st.integers(0, 30)))).isoformat()
    anyday = draw(st.dates()).isoformat()
    return draw(st.sampled_from([anyday, anyday[:7], "today", ""]))


def field(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value nine times in ten, else a hostile one: enough whole batches pass
    validation to reach the store."""
    return st.integers(0, 9).flatmap(lambda n: plausible if n else hostile)


def names(*known: str) -> st.SearchStrategy[Any]:
    return field(st.sampled_from(known))


def counts(bound: int) -> st.SearchStrategy[Any]:
    return field(st.integers(min_value=0, max_value=bound))


def one_of_shapes(
    common: dict[str, Any], *shapes: dict[str, Any], **optional: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """Items of one of several shapes (a fire device by id or by address, a count or deltas)."""
    return st.one_of(*(st.fixed_dictionaries({**common, **shape}, optional=optional) for shape in shapes))


@st.composite
def readings(draw: st.DrawFn) -> dict[str, Any]:
    """An environment reading of a registered station and metric, mostly within its range."""
    station = draw(st.sampled_from(SITE.environment.stations))
    metric, spec = draw(st.sampled_from(sorted(station.metrics.items())))
    item = {"station": draw(field(st.just(station.name))), "metric": draw(field(st.just(metric))),
            "value": draw(field(st.floats(spec.min - 1, spec.max + 1))), "at": draw(field(moments()))}
    if draw(st.booleans()):
        item["unit"] = draw(field(st.just(spec.unit)))
    return item


ITEMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "fire/signals": one_of_shapes(
        {"state": names("normal", "alarm", "pre_alarm", "supervisory", "trouble", "disabled"), "at": field(moments())},
        {"device_id": names("P1-L01-D001", "P1-L01-D003", "P2-L02-D001")},
        {"panel": counts(3), "loop": counts(3), "address": counts(20)},
        value=field(st.floats(-1, 20)), unit=names("MPa", "°C", ""),
    ),
    "parking/counts": one_of_shapes(
        {"lot_id": names("a", "b", "c"), "at": field(moments())},
        {"occupied": counts(100)}, {"in": counts(20), "out": counts(20)},
        capacity=counts(100), source=names("b-gate", "gate", "sim"),
    ),
    "parking/spaces": st.fixed_dictionaries(
        {"space_id": names("B-G-001", "B-G-002", "A-B1-001"), "occupied": field(st.booleans()), "at": field(moments())},
        optional={"plate": names("沪A·9C123", "")},
    ),
    "footfall": st.fixed_dictionaries({
        "merchant_id": names(*(m.id for m in MERCHANTS)), "minute": field(moments()), "count_in": counts(600),
        "count_out": counts(600), "source": names("door-1", "door-2", "cam-3", "sim"),
    }),
    "traffic": st.fixed_dictionaries({
        "road": names(*SITE.traffic.roads), "congestion": counts(4), "speed_kmh": field(st.floats(-10, 300)),
        "at": field(moments()),
    }),
    "environment": readings(),
    "sales": st.fixed_dictionaries({
        "merchant_id": names(*(m.id for m in MERCHANTS)), "day": field(days()), "transactions": counts(5000),
        "revenue": field(st.one_of(st.floats(0, 1e7), st.decimals(0, 10**7, places=2).map(str))),
    }),
}


def bodies(feed: str) -> st.SearchStrategy[bytes]:
    """Batches of the feed's items, now and then with an unknown key, and some bodies that are no batch."""
    extra = st.builds(lambda i, k, v: {**i, k: v}, ITEMS[feed], hostile_text, hostile)
    item = st.integers(0, 19).flatmap(lambda n: ITEMS[feed] if n else extra)
    batch = st.lists(item, min_size=0, max_size=4).map(lambda items: json.dumps({"items": items}).encode())
    other = st.one_of(st.binary(max_size=64), st.builds(lambda v: json.dumps(v).encode(), hostile))
    return st.integers(0, 9).flatmap(lambda n: batch if n else other)


@pytest.mark.parametrize("feed", list(FEEDS))
def test_no_body_makes_the_ingest_api_fail(store_url: str, feed: str) -> None:
    store = open_store(store_url)
    seed(store, utcnow() - timedelta(minutes=15), history_days=0)
    with store.session() as s:
        _, token = create_token(s, "fuzzer", "sensor")
    app = flask.Flask(__name__)
    install_auth(app, store, SECRET)
    register_api(app, store, SITE)
    client = app.test_client()
    answers: Counter[int] = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(body=bodies(feed))
    def post(body: bytes) -> None:
        answer = client.post(f"/api/v1/{feed}", data=body, headers={"Authorization": f"Bearer {token}"})
        answers[answer.status_code] += 1
        assert answer.status_code in (200, 400), (answer.status_code, body, answer.get_data(as_text=True))
        keys = {"error"} if answer.status_code == 400 else {"received", "stored", "skipped", "alarms"}
        assert set(answer.json) == keys

    try:
        post()
    finally:
        store.dispose()
        print(f"\n{feed} on {store.engine.dialect.name}: {sum(answers.values())} bodies, "
              f"{answers[400]} refused (400), {answers[200]} stored (200), 500s: {answers[500]}")
