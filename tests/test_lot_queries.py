"""The lot view's and find-my-car's queries on a real store (SQLite file and PostgreSQL) filled by the
simulator: each level's spaces and their sources (cameras with their heartbeat's age, else the
lot's gate count), and the space a typed plate stands in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ops_center.config import StaleLimits
from ops_center.queries.common import ReadContext
from ops_center.queries.parking import lot_view, normal_plate, space_of_plate
from ops_center.records import HeartbeatRecord, SpaceRecord
from ops_center.simulator import seed
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import ParkingCount, ParkingLevel, ParkingSpace

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 10, 14, 37, 20, tzinfo=SHANGHAI).astimezone(UTC)
CTX = ReadContext(now=NOW, tz=SHANGHAI, stale_after=StaleLimits(cameras=15, parking=900))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    seed(store, NOW, history_days=1, rng_seed=7)
    yield store
    store.dispose()


def _taken(store: Store, lot_id: str, level: str) -> set[str]:
    with store.session() as s:
        return set(s.scalars(
            select(ParkingSpace.id).join(ParkingLevel, ParkingSpace.level_id == ParkingLevel.id)
            .where(ParkingLevel.lot_id == lot_id, ParkingLevel.name == level, ParkingSpace.occupied)
        ))


def test_a_lot_without_cameras_is_counted_by_its_gate_level_by_level(store: Store) -> None:
    with store.session() as s:
        view = lot_view(s, CTX, "a", ["B1", "B2"], watched={})
        latest = s.scalars(select(ParkingCount).where(ParkingCount.lot_id == "a").order_by(ParkingCount.at.desc())).first()
    assert view is not None and latest is not None
    assert view.name == "North Garage 北区地库"
    b1, b2 = view.levels
    assert (b1.level, b1.spaces, b2.level, b2.spaces) == ("B1", 120, "B2", 100)
    assert b1.taken == _taken(store, "a", "B1") and b2.taken == _taken(store, "a", "B2")
    assert b1.taken and b1.free == 120 - len(b1.taken)
    for level in (b1, b2):
        assert level.counted_by == "gate"
        (gate,) = level.sources
        assert (gate.name, gate.updated.at) == (latest.source, latest.at)
        assert gate.updated.age_s == pytest.approx((NOW - latest.at).total_seconds())


def test_a_level_whose_spaces_a_camera_watches_is_counted_by_that_camera_with_its_heartbeat_age(store: Store) -> None:
    beat_at = NOW - timedelta(seconds=40)
    with store.session() as s:
        writes.save_heartbeat(s, HeartbeatRecord(camera_id="cam-b1", status="online", model_status="ok",
                                                 started_at=NOW - timedelta(hours=1), updated_at=beat_at))
        writes.record_space_changes(s, [SpaceRecord(id="chg-1", camera_id="cam-b1", space_id="A-B1-001",
                                                    occupied=True, occurred_at=NOW + timedelta(seconds=1))])
        gate = s.scalars(select(ParkingCount).where(ParkingCount.lot_id == "a", ParkingCount.source != "camera")
                         .order_by(ParkingCount.at.desc())).first()
    assert gate is not None
    with store.session() as s:
        view = lot_view(s, CTX, "a", ["B1", "B2"], watched={"A-B1-001": ["cam-b1"], "A-B1-002": ["cam-b1"]})
    assert view is not None
    b1, b2 = view.levels
    assert "A-B1-001" in b1.taken
    assert b1.counted_by == "camera"
    (camera,) = b1.sources
    assert (camera.name, camera.updated.at, camera.updated.age_s, camera.updated.stale) == ("cam-b1", beat_at, 40, True)
    # B2 keeps the gate count: the camera's own count of the lot (newer) is not a gate's
    assert b2.counted_by == "gate" and b2.sources[0].name == gate.source and b2.sources[0].updated.at == gate.at


def test_a_lot_the_store_does_not_hold_has_no_view(store: Store) -> None:
    with store.session() as s:
        assert lot_view(s, CTX, "zz", ["G"], watched={}) is None


def test_a_typed_plate_finds_the_taken_space_it_stands_in_however_it_is_written(store: Store) -> None:
    with store.session() as s:
        space_id, plate = s.execute(select(ParkingSpace.id, ParkingSpace.plate)
                                    .where(ParkingSpace.occupied, ParkingSpace.plate.is_not(None))
                                    .order_by(ParkingSpace.id).limit(1)).one()
    assert plate is not None and "·" in plate, "the simulator writes plates such as 沪A·9C123"
    typed = plate.replace("·", " ").lower()
    with store.session() as s:
        assert space_of_plate(s, plate) == space_id
        assert space_of_plate(s, typed) == space_id
        assert space_of_plate(s, plate[:-1]) is None  # no partial matches
        assert space_of_plate(s, " · ") is None
    # a camera sees the car leave: the space is free and forgets the plate
    with store.session() as s:
        writes.record_space_changes(s, [SpaceRecord(id="leave-1", camera_id="cam", space_id=space_id, occupied=False,
                                                    occurred_at=NOW + timedelta(seconds=5))])
    with store.session() as s:
        assert space_of_plate(s, plate) is None
        assert s.get(ParkingSpace, space_id).plate is None  # type: ignore[union-attr]


def test_plates_compare_without_case_blanks_dots_and_dashes() -> None:
    assert normal_plate(" 沪a·9c 1-2.3 ") == "沪A9C123"
