"""Live camera workers as real processes: heartbeats, live frames, alarms, SIGTERM, restarts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
import yaml
from sqlalchemy import select

from detectors.supervisor import Supervisor
from ops_center.camera_geometry import Item, items_from_camera, read_site, revision_of, save_geometry
from ops_center.store.db import open_store
from ops_center.store.models import Alarm, CameraFrame, CameraHeartbeat, Snapshot, Zone
from ops_center.store.types import utcnow
from tests.waiting import wait_for

STREET = "fixture_towncentre_640x360_24f.mp4"
LOWER_HALF = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]
T = TypeVar("T")


def site_file(tmp_path: Path, store_url: str, model: Path | str, cameras: list[dict[str, Any]]) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({
        "site": {"name": "Test site", "timezone": "Asia/Shanghai"},
        "data_dir": str(tmp_path / "data"),
        "store": {"url": store_url},
        "model": {"path": str(model)},
        "cameras": cameras,
    }))
    return path


def street_camera(media: Path, camera_id: str = "street", **extra: Any) -> dict[str, Any]:
    return {"id": camera_id, "name": "Street", "source": str(media / STREET), "loop": True, "fps": 5,
            "zones": [{"name": "lower", "polygon": LOWER_HALF, "cooldown_s": 600}], **extra}


def read_row(url: str, model: type[T], **where: Any) -> T | None:
    store = open_store(url)
    try:
        with store.session() as s:
            return s.scalars(select(model).filter_by(**where)).first()
    finally:
        store.dispose()


def start_worker(config: Path, camera: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ops_cli.main", "worker", "--config", str(config), "--camera", camera],
        stdout=subprocess.DEVNULL, stderr=log.open("wb"), env={**os.environ, "YOLO_OFFLINE": "1"},
    )


@pytest.mark.model
def test_a_worker_publishes_heartbeats_frames_and_alarms_and_stops_cleanly_on_sigterm(
    store_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    config = site_file(tmp_path, store_url, model_path, [street_camera(media)])
    log = tmp_path / "worker.log"
    worker = start_worker(config, "street", log)
    try:
        beat = wait_for("an online heartbeat with processed frames", lambda: (
            (b := read_row(store_url, CameraHeartbeat, camera_id="street"))
            and b.status == "online" and b.model_status == "ok" and b.frames_processed > 0 and b))
        assert beat.pid == worker.pid and beat.fps_read > 0 and beat.last_frame_at is not None
        assert 0 < beat.frames_inferred <= beat.frames_processed  # the share of frames the detector ran on
        alarm = wait_for("an alarm", lambda: read_row(store_url, Alarm, camera_id="street"))
        frame = wait_for("a live frame", lambda: read_row(store_url, CameraFrame, camera_id="street"))
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
    assert code == 0, log.read_text()
    assert "Traceback" not in log.read_text()

    last = read_row(store_url, CameraHeartbeat, camera_id="street")
    assert last is not None and last.status == "stopped" and last.frames_processed >= beat.frames_processed
    live = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert live is not None and live.shape == (360, 640, 3) == (frame.height, frame.width, 3)

    day = alarm.raised_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    snapshot = tmp_path / "data" / "snapshots" / "street" / day / f"{alarm.id}.jpg"
    assert alarm.snapshot_path == str(snapshot) and cv2.imread(str(snapshot)) is not None
    stored = read_row(store_url, Snapshot, alarm_id=alarm.id)
    assert stored is not None and stored.jpeg == snapshot.read_bytes()
    assert alarm.zone_name == "lower" and alarm.status == "new" and alarm.track_id is not None


def test_a_worker_without_its_model_says_so_and_keeps_the_live_frames(
    sqlite_url: str, tmp_path: Path, media: Path
) -> None:
    missing = tmp_path / "models" / "absent.onnx"
    config = site_file(tmp_path, sqlite_url, missing, [street_camera(media)])
    log = tmp_path / "worker.log"
    worker = start_worker(config, "street", log)
    try:
        beat = wait_for("an 'unavailable' heartbeat", lambda: (
            (b := read_row(sqlite_url, CameraHeartbeat, camera_id="street"))
            and b.model_status == "unavailable" and b.frames_processed > 0 and b))
        frame = wait_for("a live frame", lambda: read_row(sqlite_url, CameraFrame, camera_id="street"))
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
    assert code == 0
    assert f"model file not found: {missing}" in beat.message and beat.status == "online"
    assert cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR) is not None
    text = log.read_text()
    assert "detector unavailable" in text and str(missing) in text and "Traceback" not in text
    assert read_row(sqlite_url, CameraHeartbeat, camera_id="street").status == "stopped"  # type: ignore[union-attr]


def test_a_camera_whose_looped_file_vanishes_goes_offline_and_the_worker_exits_for_a_restart(
    sqlite_url: str, tmp_path: Path, media: Path
) -> None:
    clip = tmp_path / "street.mp4"
    shutil.copy(media / STREET, clip)
    camera = {**street_camera(media), "source": str(clip)}
    config = site_file(tmp_path, sqlite_url, tmp_path / "absent.onnx", [camera])  # no model: a light worker
    log = tmp_path / "worker.log"
    worker = start_worker(config, "street", log)
    try:
        wait_for("frames read", lambda: (b := read_row(sqlite_url, CameraHeartbeat, camera_id="street")) and b.frames_read)
        clip.unlink()
        code = worker.wait(timeout=60)
    finally:
        worker.kill()
    assert code == 2  # not 0: the supervisor restarts it instead of counting the camera finished
    last = read_row(sqlite_url, CameraHeartbeat, camera_id="street")
    assert last is not None and last.status == "offline" and f"video file not found: {clip}" in last.message
    text = log.read_text()
    assert f"error: camera street: video file not found: {clip}" in text and "Traceback" not in text


def test_the_supervisor_runs_enabled_cameras_and_restarts_a_dead_worker(
    sqlite_url: str, tmp_path: Path, media: Path
) -> None:
    cameras = [street_camera(media, "east"), street_camera(media, "west", enabled=False)]
    config = site_file(tmp_path, sqlite_url, tmp_path / "absent.onnx", cameras)  # no model: light workers
    supervisor = Supervisor(config)
    supervisor.start()
    try:
        assert supervisor.status() == {"east": "running"}
        first = wait_for("the worker's heartbeat", lambda: (
            (b := read_row(sqlite_url, CameraHeartbeat, camera_id="east")) and b.status == "online" and b.pid))
        assert first == supervisor.pids()["east"]
        os.kill(first, signal.SIGKILL)
        second = wait_for("a restarted worker's heartbeat", lambda: (
            (b := read_row(sqlite_url, CameraHeartbeat, camera_id="east")) and b.pid != first and b.pid))
        assert supervisor.status() == {"east": "running"} and supervisor.pids()["east"] == second
    finally:
        supervisor.stop(timeout_s=30)
    assert supervisor.status() == {"east": "stopped"} and supervisor.pids() == {"east": None}
    assert read_row(sqlite_url, CameraHeartbeat, camera_id="east").status == "stopped"  # type: ignore[union-attr]


def downscaled(clip: Path, out: Path, size: tuple[int, int]) -> Path:
    """``clip`` at ``size``: the low-resolution substream a real camera offers beside its main stream."""
    cap = cv2.VideoCapture(str(clip))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), cap.get(cv2.CAP_PROP_FPS), size)
    while (frame := cap.read())[0]:
        writer.write(cv2.resize(frame[1], size, interpolation=cv2.INTER_AREA))
    writer.release()
    cap.release()
    return out


@pytest.mark.model
def test_a_camera_detects_on_its_small_stream_and_shows_its_main_stream(
    store_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    small = downscaled(media / STREET, tmp_path / "street_320x180.mp4", (320, 180))
    config = site_file(tmp_path, store_url, model_path, [street_camera(media, detect_source=str(small))])
    log = tmp_path / "worker.log"
    worker = start_worker(config, "street", log)
    try:
        alarm = wait_for("an alarm", lambda: read_row(store_url, Alarm, camera_id="street"))
        frame = wait_for("a live frame", lambda: read_row(store_url, CameraFrame, camera_id="street"))
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
    assert code == 0, log.read_text()
    snapshot = cv2.imread(alarm.snapshot_path)
    assert snapshot is not None and snapshot.shape == (360, 640, 3)  # evidence at the main stream's size
    assert (frame.width, frame.height) == (640, 360)
    x1, _, x2, y2 = alarm.details["box"]  # the box found on the small stream, relative: it fits both
    assert 0 <= x1 < x2 <= 1 and 0.5 <= y2 <= 1


LAKE = "lake_proxy_beach_shore_360x180_4s.mp4"  # a person walks along the shore, feet at y 0.63..0.66
SHORE = [[0, 0.5], [1, 0.5], [1, 0.8], [0, 0.8]]


@pytest.mark.model
def test_a_running_worker_takes_a_zone_the_editor_saves_and_alarms_in_it_without_a_restart(
    sqlite_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    far = {"name": "far", "polygon": [[0.6, 0], [1, 0], [1, 0.2], [0.6, 0.2]]}  # open water: nobody walks there
    camera = {"id": "lake", "name": "Lake", "source": str(media / LAKE), "loop": True, "fps": 5, "zones": [far]}
    config = site_file(tmp_path, sqlite_url, model_path, [camera])
    log = tmp_path / "worker.log"
    worker = start_worker(config, "lake", log)
    try:
        # a whole pass of the clip (4 s, ~20 processed frames) with persons on the shore and no zone there
        first = wait_for("20 processed frames", lambda: (
            (b := read_row(sqlite_url, CameraHeartbeat, camera_id="lake")) and b.frames_processed >= 20 and b))
        assert read_row(sqlite_url, Alarm, camera_id="lake") is None
        text, tree = read_site(config)
        items = [*items_from_camera(tree["cameras"][0]), Item("new-1", "zone", SHORE, {"name": "shore"})]
        store = open_store(sqlite_url)
        with store.session() as session:
            save_geometry(session, config, "lake", items, revision=revision_of(text), actor="root", at=utcnow(),
                          env=os.environ)
        store.dispose()
        alarm = wait_for("an alarm in the new zone", lambda: read_row(sqlite_url, Alarm, camera_id="lake"))
        beat = read_row(sqlite_url, CameraHeartbeat, camera_id="lake")
        zone = read_row(sqlite_url, Zone, camera_id="lake", name="shore")
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
    assert code == 0, log.read_text()
    assert alarm.zone_name == "shore" and alarm.kind == "danger_zone"
    assert beat is not None and (beat.pid, beat.started_at) == (worker.pid, first.started_at), "the same worker"
    assert zone is not None, "the wall learns the new zone from the worker"
    assert "now watching 2 zones, 0 lines and 0 spaces" in log.read_text()
