"""The publisher's outbox on a real SQLite file and a real PostgreSQL server that go away and come back."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from detectors.publisher import Publisher
from ops_center.config import CameraConfig, ZoneConfig
from ops_center.records import AlarmRecord, EventRecord, HeartbeatRecord, stable_id
from ops_center.store.db import open_store
from ops_center.store.models import Alarm, Camera, CameraHeartbeat, DetectionEvent, Snapshot, Zone
from tests.builders import alarm_record
from tests.tcp_proxy import TcpProxy
from tests.waiting import wait_for

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
CAMERA = CameraConfig(
    id="lake-east", name="Lake east", source="rtsp://user:secret@10.0.0.5/stream",
    zones=[ZoneConfig(name="shore", polygon=((0, 0.5), (1, 0.5), (1, 0.8)))],
)


@dataclass
class FlakyStore:
    """A real store behind a link the test can cut (``down``) and restore (``up``)."""

    url: str
    real_url: str
    down: Callable[[], None]
    up: Callable[[], None]


@pytest.fixture
def flaky_store(store_url: str) -> Iterator[FlakyStore]:
    """SQLite: a folder stands where the database file belongs. PostgreSQL: a TCP proxy is cut."""
    url = make_url(store_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        yield FlakyStore(store_url, store_url, down=path.mkdir, up=path.rmdir)
        return
    target = (url.host or "127.0.0.1", url.port or 5432)
    proxy = TcpProxy(target).start()
    proxies = [proxy]
    via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    yield FlakyStore(
        via_proxy, store_url,
        down=lambda: proxies[-1].stop(),
        up=lambda: proxies.append(TcpProxy(target, port=proxy.port).start()),
    )
    proxies[-1].stop()


def records(frame_jpeg: bytes, tmp_path: Path, first: int = 0) -> tuple[list[EventRecord], AlarmRecord]:
    events = [
        EventRecord(id=stable_id("run", "lake-east", "shore", 7, kind, first + i), camera_id="lake-east",
                    zone_name="shore", kind=kind, track_id=7, occurred_at=T0 + timedelta(seconds=i),
                    frame_index=first + i, t_s=i / 10)
        for i, kind in enumerate(["zone_enter", "zone_alarm"])
    ]
    alarm = alarm_record(
        id=stable_id("run", "lake-east", "shore", 7, "danger_zone", first + 1), title="Person in shore", raised_at=T0,
        zone_name="shore", place="", source_event_id=events[1].id, track_id=7, frame_index=first + 1, t_s=0.1,
        snapshot_path=str(tmp_path / "snapshots" / f"{first}.jpg"), snapshot_jpeg=frame_jpeg, snapshot_size=(640, 360),
    )
    return events, alarm


@pytest.fixture(scope="module")
def frame_jpeg(media: Path) -> bytes:
    image = cv2.imread(str(media / "fixture_towncentre_frame_640x360.jpg"))
    return cv2.imencode(".jpg", image)[1].tobytes()


def stored(url: str) -> tuple[list[str], list[str], int, list[str]]:
    store = open_store(url)
    with store.session() as s:
        out = (
            sorted(s.scalars(select(DetectionEvent.id))),
            sorted(s.scalars(select(Alarm.id))),
            len(s.scalars(select(Snapshot.alarm_id)).all()),
            list(s.scalars(select(Camera.source))),
        )
    store.dispose()
    return out


def heartbeat() -> HeartbeatRecord:
    return HeartbeatRecord(camera_id="lake-east", status="online", model_status="ok", started_at=T0, updated_at=T0)


def stored_heartbeat(url: str) -> CameraHeartbeat | None:
    store = open_store(url)
    with store.session() as s:
        beat = s.get(CameraHeartbeat, "lake-east")
    store.dispose()
    return beat


def test_records_wait_in_the_outbox_while_the_store_is_down_and_arrive_once(
    flaky_store: FlakyStore, tmp_path: Path, frame_jpeg: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    events, alarm = records(frame_jpeg, tmp_path)
    flaky_store.down()
    publisher = Publisher(flaky_store.url, tmp_path / "outbox" / "lake-east.sqlite", retry_s=0.2)
    publisher.sync_cameras([CAMERA])
    publisher.publish(events, [alarm])
    assert cv2.imread(alarm.snapshot_path) is not None  # the evidence is on disk before any store write

    wait_for("the outage", lambda: not publisher.status().reachable)
    status = publisher.status()
    assert (status.records_waiting, status.alarms_waiting) == (3, 1)
    assert status.note == "store unreachable, 1 alarms waiting"

    flaky_store.up()
    wait_for("the outbox to drain", lambda: publisher.status().reachable and publisher.pending == 0)
    publisher.heartbeat(heartbeat())
    wait_for("the heartbeat", lambda: stored_heartbeat(flaky_store.real_url))
    assert stored(flaky_store.real_url) == (sorted(e.id for e in events), [alarm.id], 1, ["rtsp://10.0.0.5/stream"])

    publisher.publish(events, [alarm])  # sent again (say, after a crash before the outbox was cleared)
    assert publisher.close() == 0
    assert stored(flaky_store.real_url)[:3] == (sorted(e.id for e in events), [alarm.id], 1)
    outage = [r.getMessage() for r in caplog.records if "store unreachable" in r.getMessage()]
    back = [r.getMessage() for r in caplog.records if "store reachable again" in r.getMessage()]
    assert len(outage) == 1 and len(back) == 1  # once per outage, however many retries
    assert "3 records drained from the outbox (1 alarms)" in back[0]


def test_an_alarm_whose_snapshot_file_cannot_be_written_still_reaches_the_store(
    sqlite_url: str, tmp_path: Path, frame_jpeg: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    events, alarm = records(frame_jpeg, tmp_path)
    (tmp_path / "snapshots").write_text("a file where the snapshot folder belongs")
    publisher = Publisher(sqlite_url, tmp_path / "outbox" / "lake-east.sqlite", retry_s=0.2)
    publisher.sync_cameras([CAMERA])
    publisher.publish(events, [alarm])
    assert publisher.close() == 0
    assert stored(sqlite_url)[:3] == (sorted(e.id for e in events), [alarm.id], 1)
    assert f"cannot write its snapshot file {alarm.snapshot_path}" in caplog.text


def test_the_outbox_survives_a_restart_of_the_worker(
    flaky_store: FlakyStore, tmp_path: Path, frame_jpeg: bytes
) -> None:
    events, alarm = records(frame_jpeg, tmp_path)
    outbox = tmp_path / "outbox" / "lake-east.sqlite"
    flaky_store.down()
    first = Publisher(flaky_store.url, outbox, retry_s=0.2)
    first.publish(events, [alarm])
    assert first.close() == 3  # the worker stops while the store is still down

    flaky_store.up()
    second = Publisher(flaky_store.url, outbox, retry_s=0.2)
    assert second.pending == 3
    second.sync_cameras([CAMERA])  # the first attempt after the restart drains the outbox too
    wait_for("the outbox to drain", lambda: second.pending == 0)
    assert stored(flaky_store.real_url)[:2] == (sorted(e.id for e in events), [alarm.id])
    second.close()


def test_a_postgres_link_cut_mid_run_buffers_and_drains(postgres_url: str, tmp_path: Path, frame_jpeg: bytes) -> None:
    url = make_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    publisher = Publisher(via_proxy, tmp_path / "outbox.sqlite", retry_s=0.2)
    publisher.sync_cameras([CAMERA])
    early, early_alarm = records(frame_jpeg, tmp_path, first=0)
    publisher.publish(early, [early_alarm])
    wait_for("the first records in the store", lambda: publisher.pending == 0 and stored(postgres_url)[1])

    proxy.stop()
    late, late_alarm = records(frame_jpeg, tmp_path, first=100)
    publisher.publish(late, [late_alarm])
    wait_for("the outage", lambda: not publisher.status().reachable)
    assert publisher.pending == 3

    again = TcpProxy(proxy.target, port=proxy.port).start()
    try:
        wait_for("the outbox to drain", lambda: publisher.status().reachable and publisher.pending == 0)
        events, alarms, snapshots, _ = stored(postgres_url)
        assert events == sorted(e.id for e in early + late)
        assert alarms == sorted([early_alarm.id, late_alarm.id]) and snapshots == 2
        store = open_store(postgres_url)
        with store.session() as s:
            assert s.scalars(select(Zone.name)).all() == ["shore"]
        store.dispose()
    finally:
        publisher.close()
        again.stop()


def test_a_sqlite_store_locked_by_another_writer_buffers_and_says_why(
    sqlite_url: str, tmp_path: Path, frame_jpeg: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    open_store(sqlite_url).dispose()  # the schema, made before the lock is taken
    holder = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another camera's writer, say, in a long transaction
    events, alarm = records(frame_jpeg, tmp_path)
    publisher = Publisher(sqlite_url, tmp_path / "outbox" / "lake-east.sqlite", retry_s=0.2, busy_timeout_ms=200)
    publisher.publish(events, [alarm])
    wait_for("the outage", lambda: not publisher.status().reachable)
    assert publisher.pending == 3
    holder.execute("ROLLBACK")
    holder.close()
    wait_for("the outbox to drain", lambda: publisher.status().reachable and publisher.pending == 0)
    assert publisher.close() == 0
    assert stored(sqlite_url)[:3] == (sorted(e.id for e in events), [alarm.id], 1)
    outage = [r.getMessage() for r in caplog.records if "store unreachable" in r.getMessage()]
    assert len(outage) == 1 and "database is locked: other writers held the SQLite store's lock longer than 200 ms" in outage[0]
    assert "wants PostgreSQL: store.url" in outage[0]
