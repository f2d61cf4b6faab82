"""Line crossings into footfall buckets and space changes into parking states, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from detectors.publisher import Publisher
from ops_center.records import CrossingRecord, SpaceRecord, stable_id
from ops_center.store import writes
from ops_center.store.db import open_store
from ops_center.store.models import (
    DetectionEvent,
    Footfall,
    Merchant,
    ParkingCount,
    ParkingLevel,
    ParkingLot,
    ParkingSpace,
)
from tests.waiting import wait_for

T0 = datetime(2026, 11, 29, 3, 0, 10, tzinfo=UTC)


def crossing(i: int, direction: str, seconds: float, merchant: str | None = "m03") -> CrossingRecord:
    return CrossingRecord(
        id=stable_id("crossing", i), camera_id="door-cam", line_name="bakery-door", merchant_id=merchant,
        direction=direction, track_id=i, occurred_at=T0 + timedelta(seconds=seconds), frame_index=i, t_s=seconds,
    )


def change(i: int, space: str, occupied: bool, seconds: float) -> SpaceRecord:
    return SpaceRecord(id=stable_id("space", i), camera_id="lot-cam", space_id=space, occupied=occupied,
                       occurred_at=T0 + timedelta(seconds=seconds), frame_index=i, t_s=seconds)


def test_crossings_fill_one_minute_buckets_once_each(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:
        s.add(Merchant(id="m03", name="Morning Bakery", category="bakery"))
    batch = [
        crossing(1, "in", 0), crossing(2, "in", 20), crossing(3, "out", 45),  # 03:00
        crossing(4, "in", 55),  # 03:01
        crossing(5, "in", 5, merchant="m99"),  # a merchant the store does not know: the event only
        crossing(6, "out", 6, merchant=None),  # a line that counts for nobody: the event only
    ]
    with store.session() as s:
        assert writes.record_crossings(s, batch) == 6
    with store.session() as s:  # the outbox sends a batch again after a lost answer: nothing counts twice
        assert writes.record_crossings(s, [*batch[2:], crossing(7, "out", 58)]) == 1
    with store.session() as s:
        buckets = [(f.minute.astimezone(UTC).strftime("%H:%M"), f.source, f.count_in, f.count_out)
                   for f in s.scalars(select(Footfall).order_by(Footfall.minute))]
        kinds = sorted(s.scalars(select(DetectionEvent.kind)))
    assert buckets == [("03:00", "door-cam/bakery-door", 2, 1), ("03:01", "door-cam/bakery-door", 1, 1)]
    assert kinds == ["line_in"] * 4 + ["line_out"] * 3
    store.dispose()


def test_space_changes_set_the_spaces_and_count_the_lot(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:
        s.add(ParkingLot(id="A", name="Garage A"))
        s.flush()
        s.add_all([ParkingLevel(id="A-B1", lot_id="A", name="B1", capacity=3),
                   ParkingLevel(id="A-B2", lot_id="A", name="B2", capacity=2)])
        s.flush()
        s.add_all([ParkingSpace(id=f"A-B1-00{i}", level_id="A-B1", code=f"00{i}", updated_at=T0 - timedelta(hours=1))
                   for i in (1, 2, 3)])
        s.add(ParkingSpace(id="A-B2-001", level_id="A-B2", code="001", occupied=True, updated_at=T0))
    with store.session() as s:
        assert writes.record_space_changes(s, [
            change(1, "A-B1-001", True, 5), change(2, "A-B1-002", True, 6), change(3, "A-B1-001", False, 30),
            change(4, "A-B2-001", False, -60),  # older than what the store holds: the space keeps its state
            change(5, "Z-9", True, 7),  # a space the store does not know: the event only
        ]) == 5
    with store.session() as s:  # sent again: nothing new
        assert writes.record_space_changes(s, [change(2, "A-B1-002", True, 6)]) == 0
    with store.session() as s:
        taken = {sp.id: sp.occupied for sp in s.scalars(select(ParkingSpace))}
        counts = [(c.occupied, c.capacity, c.source, c.at.astimezone(UTC)) for c in s.scalars(select(ParkingCount))]
    assert taken == {"A-B1-001": False, "A-B1-002": True, "A-B1-003": False, "A-B2-001": True}
    assert counts == [(2, 5, "camera", T0 + timedelta(seconds=30))]
    store.dispose()


def test_counts_wait_in_the_outbox_while_the_store_is_down_and_count_once(sqlite_url: str, tmp_path: Path) -> None:
    store = open_store(sqlite_url)
    with store.session() as s:
        s.add(Merchant(id="m03", name="Morning Bakery", category="bakery"))
    store.dispose()
    database = Path(make_url(sqlite_url).database or "")
    moved = database.with_suffix(".away")
    database.rename(moved)
    database.mkdir()  # a folder where the database file belongs: the store is unreachable
    publisher = Publisher(sqlite_url, tmp_path / "outbox" / "door-cam.sqlite", retry_s=0.2)
    batch = [crossing(1, "in", 0), crossing(2, "out", 1)]
    publisher.publish([], [], batch)
    wait_for("the outage", lambda: not publisher.status().reachable)
    assert publisher.pending == 2

    database.rmdir()
    moved.rename(database)
    wait_for("the outbox to drain", lambda: publisher.status().reachable and publisher.pending == 0)
    publisher.publish([], [], batch)  # sent again: counted once
    assert publisher.close() == 0
    store = open_store(sqlite_url)
    with store.session() as s:
        assert [(f.count_in, f.count_out) for f in s.scalars(select(Footfall))] == [(1, 1)]
    store.dispose()
