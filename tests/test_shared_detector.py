"""One detector per host shared by its cameras: the same tracks as a camera's own model, and processes
that die (a camera, the detector) without stopping the rest."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
import yaml

from detectors.model import PersonDetector, PersonModel, PersonTracker
from detectors.shared import DetectorServer, RemoteModel, SharedDetector, detector_address
from detectors.sources import FrameSource
from detectors.supervisor import DETECTOR, Supervisor
from ops_center.config import ModelConfig
from ops_center.errors import ModelUnavailable
from ops_center.store.models import CameraHeartbeat
from tests.test_worker import read_row, street_camera, wait_for

pytestmark = pytest.mark.model


def test_cameras_on_the_shared_detector_get_the_tracks_their_own_model_would_give(
    model_path: Path, media: Path, tmp_path: Path
) -> None:
    config = ModelConfig(path=str(model_path))
    address = detector_address(tmp_path)
    server = DetectorServer(PersonModel(config, threads=1), address)
    stop = threading.Event()
    serving = threading.Thread(target=server.serve, args=(stop.is_set,), daemon=True)
    serving.start()
    source = FrameSource(str(media / "fixture_towncentre_640x360_24f.mp4"))
    frames = [f.image for f in iter(source.read, None)][:12]
    own = PersonDetector(config, threads=1)
    first, second = (SharedDetector(config, RemoteModel(config, address)) for _ in range(2))
    try:
        for image in frames:
            expected = own.track(image)
            assert first.track(image) == expected and len(expected) >= 5
        fresh = PersonTracker(config)  # the second camera's tracks are its own, from its first frame
        assert second.track(frames[0]) == fresh.update(own.person_model.predict([frames[0]])[0], frames[0])
    finally:
        stop.set()
        serving.join(timeout=10)
    with pytest.raises(ModelUnavailable, match="shared detector"):
        first.track(frames[0])  # the server is gone: the camera is told, not crashed


def test_a_dying_camera_or_detector_stops_nothing_else(store_url: str, tmp_path: Path, media: Path,
                                                       model_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({
        "site": {"name": "Shared", "timezone": "Asia/Shanghai"},
        "data_dir": str(tmp_path / "data"),
        "store": {"url": store_url},
        "model": {"path": str(model_path), "shared": True},
        "cameras": [street_camera(media, "east", fps=2), street_camera(media, "west", fps=2)],
    }))
    supervisor = Supervisor(path)
    supervisor.start()

    def beat(camera: str) -> CameraHeartbeat | None:
        return read_row(store_url, CameraHeartbeat, camera_id=camera)

    def inferring_past(camera: str, count: int, pid: int | None = None) -> int | None:
        b = beat(camera)
        ok = b is not None and b.model_status == "ok" and b.frames_inferred > count and (pid is None or b.pid == pid)
        return b.frames_inferred if ok else None

    try:
        assert set(supervisor.status()) == {DETECTOR, "east", "west"}
        wait_for("east inferring", lambda: inferring_past("east", 0))
        west = wait_for("west inferring", lambda: inferring_past("west", 0))

        east_pid = supervisor.pids()["east"]
        assert east_pid is not None
        os.kill(east_pid, signal.SIGKILL)
        west = wait_for("west inferring while east is down", lambda: inferring_past("west", west + 3))
        wait_for("east restarted and inferring", lambda: (
            (b := beat("east")) and b.pid != east_pid and b.model_status == "ok" and b.frames_inferred > 0))

        detector_pid = supervisor.pids()[DETECTOR]
        assert detector_pid is not None
        os.kill(detector_pid, signal.SIGKILL)
        wait_for("a camera noticing the detector is gone", lambda: any(
            (b := beat(c)) and b.model_status == "unavailable" for c in ("east", "west")), timeout_s=120)
        wait_for("a new detector", lambda: (pid := supervisor.pids()[DETECTOR]) and pid != detector_pid)
        for camera in ("east", "west"):
            count = beat(camera).frames_inferred  # type: ignore[union-attr]
            wait_for(f"{camera} inferring again", lambda c=camera, n=count: inferring_past(c, n + 2), timeout_s=240)
    finally:
        supervisor.stop(timeout_s=30)
    assert all(state == "stopped" for state in supervisor.status().values())
