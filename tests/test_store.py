"""The shared store on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from ops_center.config import CameraConfig, ZoneConfig
from ops_center.errors import ConfigError
from ops_center.records import AlarmRecord, EventRecord, FrameRecord, HeartbeatRecord, stable_id
from ops_center.store import migrate, writes
from ops_center.store.db import open_store
from ops_center.store.engine import make_engine, normalize_url
from ops_center.store.models import (
    Alarm,
    AlarmTransition,
    Camera,
    CameraFrame,
    CameraHeartbeat,
    DetectionEvent,
    Snapshot,
    Zone,
)
from tests.builders import T0, alarm_record


def event(i: int) -> EventRecord:
    return EventRecord(
        id=stable_id("cam", i), camera_id="lake-east", zone_name="lake", kind="zone_enter",
        track_id=i, occurred_at=T0 + timedelta(seconds=i), frame_index=i, t_s=i / 10,
        confidence=0.8, box=(0.1, 0.2, 0.3, 0.4),
    )


def alarm() -> AlarmRecord:
    return alarm_record(run="store", track_id=3, frame_index=12, t_s=1.2, snapshot_path="/data/snapshots/a.jpg",
                        snapshot_jpeg=b"\xff\xd8jpeg", snapshot_size=(640, 360))


def test_migrations_create_every_table_and_match_the_models(store_url: str) -> None:
    store = open_store(store_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"cameras", "zones", "detection_events", "alarms", "alarm_transitions", "snapshots",
            "camera_heartbeats", "camera_frames", "fire_devices", "parking_spaces", "footfall",
            "guards", "traffic_readings", "alembic_version"} <= tables
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    open_store(store_url)  # a second open is a no-op, not an error
    store.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_a_new_sqlite_file_waits_for_another_writer_before_entering_wal_mode(tmp_path: Path) -> None:
    """SQLite refuses a WAL switch that meets another writer at once, busy timeout or not:
    four processes opening a new store together hit this in CI. The engine waits instead."""
    database = tmp_path / "ops.db"
    writer = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE early (x)")  # a new file, still in rollback-journal mode
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock ...
    writer.execute("INSERT INTO early VALUES (1)")
    release = threading.Timer(0.5, writer.execute, ["COMMIT"])  # ... for half a second
    release.start()
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("SELECT x FROM early")).scalar() == 1
    release.join()
    engine.dispose()
    writer.close()


def test_posting_events_twice_stores_them_once(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:
        assert writes.record_events(s, [event(1), event(2)]) == 2
    with store.session() as s:
        assert writes.record_events(s, [event(2), event(3)]) == 1
    with store.session() as s:
        rows = s.scalars(select(DetectionEvent).order_by(DetectionEvent.track_id)).all()
    assert [r.track_id for r in rows] == [1, 2, 3]
    assert rows[0].occurred_at == T0 + timedelta(seconds=1)  # aware UTC comes back
    assert rows[0].box == [0.1, 0.2, 0.3, 0.4]


def test_an_alarm_is_stored_once_with_snapshot_and_audit_row(store_url: str) -> None:
    store = open_store(store_url)
    for _ in range(2):
        with store.session() as s:
            writes.raise_alarm(s, alarm())
    with store.session() as s:
        alarms = s.scalars(select(Alarm)).all()
        assert len(alarms) == 1 and alarms[0].status == "new" and alarms[0].raised_at == T0
        assert s.get(Snapshot, alarms[0].id).jpeg == b"\xff\xd8jpeg"
        trail = s.scalars(select(AlarmTransition)).all()
        assert [(t.from_status, t.to_status, t.actor) for t in trail] == [(None, "new", "camera:lake-east")]


def test_alarm_records_survive_a_json_outbox_round_trip() -> None:
    original = alarm()
    assert AlarmRecord.model_validate_json(original.model_dump_json()) == original


def test_heartbeats_and_frames_keep_the_newest_row(store_url: str) -> None:
    store = open_store(store_url)
    for n in (1, 2):
        with store.session() as s:
            writes.save_heartbeat(s, HeartbeatRecord(
                camera_id="lake-east", status="online", model_status="ok", fps_read=10.0 * n,
                fps_processed=5.0 * n, frames_read=n, frames_processed=n, last_frame_at=T0,
                started_at=T0, updated_at=T0 + timedelta(seconds=n)))
            writes.save_frame(s, FrameRecord(camera_id="lake-east", jpeg=bytes([n]), width=4, height=3,
                                             captured_at=T0 + timedelta(seconds=n)))
    with store.session() as s:
        beats = s.scalars(select(CameraHeartbeat)).all()
        assert [(b.fps_read, b.frames_read) for b in beats] == [(20.0, 2)]
        assert [f.jpeg for f in s.scalars(select(CameraFrame)).all()] == [b"\x02"]


def test_cameras_sync_without_credentials_and_drop_removed_zones(store_url: str) -> None:
    store = open_store(store_url)
    lake = ZoneConfig(name="lake", polygon=[[0, 0.5], [1, 0.5], [1, 1]])
    pier = ZoneConfig(name="pier", polygon=[[0, 0], [0.2, 0], [0.2, 0.2]])
    cam = CameraConfig(id="lake-east", name="Lake east", source="rtsp://admin:s3cret@10.0.0.5:554/s1",
                       zones=[lake, pier])
    with store.session() as s:
        writes.sync_cameras(s, [cam])
    with store.session() as s:
        writes.sync_cameras(s, [cam.model_copy(update={"zones": [lake]})])
    with store.session() as s:
        stored = s.get(Camera, "lake-east")
        assert stored.source == "rtsp://10.0.0.5:554/s1" and stored.source_kind == "rtsp"
        assert [z.name for z in s.scalars(select(Zone)).all()] == ["lake"]


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url"])
def test_unsupported_store_urls_are_refused_by_name(url: str) -> None:
    with pytest.raises(ConfigError, match="store URL"):
        normalize_url(url)


def test_many_processes_opening_a_new_store_at_once_all_succeed(store_url: str) -> None:
    """gunicorn's web workers and camera workers may all open a fresh store at the same moment."""
    # Each process imports first and says so, then all open the store the moment they are told to.
    code = (
        "import sys; from ops_center.store.db import open_store; "
        "print('ready', flush=True); sys.stdin.readline(); open_store(sys.argv[1]).dispose()"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, store_url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    ready = [p.stdout.readline().strip() for p in procs]  # blocks until each has imported (or died)
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert ready == ["ready"] * 4, [err for _, err in results]
    assert all(rc == 0 for rc, _ in results), [err for _, err in results]
    assert migrate.current_revision(open_store(store_url, upgrade=False).engine) == migrate.head_revision()
