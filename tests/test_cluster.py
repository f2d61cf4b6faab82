"""A site on Ray: two nodes on this machine, a camera moves when its node is stopped, nothing lost or
doubled; the cluster command's cameras take an edited site file's zones while they run.

The camera starts on node B (soft placement), the detector on node A. While it raises alarms on B
the store is locked, so those alarms wait in its outbox; then node B's processes are killed. Ray
starts the camera again on A, the new incarnation drains B's outbox from the site's data directory
(the disk both nodes see) and raises alarms of its own. Every alarm raised (each leaves its snapshot
file) is stored, each with one "raised" audit row.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from ops_center.config import load_config
from ops_center.store.db import open_store
from ops_center.store.models import Alarm, CameraHeartbeat, Zone
from tests.test_worker import read_row, site_file
from tests.waiting import wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.model]

LAKE = "lake_proxy_beach_shore_360x180_4s.mp4"
SHORE = [[0, 0.5], [1, 0.5], [1, 0.8], [0, 0.8]]  # the wet sand where people walk along the water's edge
FAST_FAILURE_DETECTION = {"health_check_period_ms": 1000, "health_check_failure_threshold": 3}
# How long a node's raylet waits for its Python agents and to register (the defaults can be too short
# on a loaded 2-core machine)
PATIENT_AGENTS = {"RAY_agent_register_timeout_ms": "180000", "RAY_raylet_start_wait_time_s": "180"}


@pytest.fixture
def two_nodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """A Ray cluster of two nodes on this machine, A (the head) and B, with the driver connected;
    every Ray process is ended afterwards, whatever the test did."""
    for name, value in PATIENT_AGENTS.items():
        monkeypatch.setenv(name, value)
    import ray  # here, not at the top: importing Ray takes seconds that other tests' collection need not pay
    from ray.cluster_utils import Cluster

    cluster = Cluster()
    try:
        for attempt in (1, 2, 3):  # Ray gives a node 30 s to register: a loaded machine may need another try
            try:
                cluster.add_node(num_cpus=2, resources={"node_a": 1}, include_dashboard=False,
                                 _system_config=FAST_FAILURE_DETECTION)
                node_b = cluster.add_node(num_cpus=1, resources={"node_b": 1})
                break
            except Exception as exc:
                if attempt == 3 or "timed out during startup" not in str(exc):
                    raise
                cluster.shutdown()
                cluster = Cluster()
        ray.init(address=cluster.address)
        yield cluster, node_b
    finally:
        ray.shutdown()
        cluster.shutdown()


def alarms_raised(data_dir: Path) -> set[str]:
    """Ids of the alarms the camera raised, on any node: each left its snapshot file on the shared disk."""
    return {p.stem for p in (data_dir / "snapshots" / "lake").glob("*/*.jpg")}


def stored(url: str) -> tuple[set[str], dict[str, int]]:
    """The alarm ids in the SQLite store, and how many "raised" audit rows each has (read while another
    connection holds the write lock, so not through ``open_store``, which may migrate)."""
    db = sqlite3.connect(make_url(url).database or "")
    try:
        ids = {row[0] for row in db.execute("SELECT id FROM alarms")}
        raised_rows = dict(db.execute(
            "SELECT alarm_id, count(*) FROM alarm_transitions WHERE from_status IS NULL GROUP BY alarm_id"))
        return ids, raised_rows
    finally:
        db.close()


def test_a_camera_moves_to_the_other_node_when_its_node_stops_and_no_alarm_is_lost_or_doubled(
    two_nodes: tuple[Any, Any], sqlite_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from detectors.cluster import place_site

    cluster, node_b = two_nodes
    camera = {"id": "lake", "name": "Lake", "source": str(media / LAKE), "loop": True, "fps": 5,
              "zones": [{"name": "shore", "polygon": SHORE, "cooldown_s": 0}]}
    config = load_config(site_file(tmp_path, sqlite_url, model_path, [camera]))
    data_dir = config.data_dir
    open_store(sqlite_url).dispose()  # the store's tables exist before it is locked
    lock = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None, timeout=30)
    lock.execute("BEGIN EXCLUSIVE")  # the store takes no write while the camera runs on node B
    site = place_site(
        config,
        placement=lambda _: NodeAffinitySchedulingStrategy(node_b.node_id, soft=True),
        detector={"num_replicas": 1, "ray_actor_options": {"num_cpus": 1, "resources": {"node_a": 0.1}}},
    )
    try:
        first = wait_for("the camera started", lambda: (w := site.where()["lake"]).get("node_id") and w)
        assert first["node_id"] == node_b.node_id
        on_b = wait_for("alarms raised on node B", lambda: alarms_raised(data_dir), timeout_s=300)
        assert stored(sqlite_url)[0] == set()  # they wait in the outbox, on the disk both nodes see

        cluster.remove_node(node_b, allow_graceful=False)  # node B's processes are killed
        on_b = alarms_raised(data_dir)  # what B raised up to its end
        moved = wait_for("the camera on node A", lambda: (
            (w := site.where()["lake"]).get("node_id") not in (None, node_b.node_id) and w))
        assert moved["node_id"] == cluster.head_node.node_id and moved["pid"] != first["pid"]
        lock.execute("ROLLBACK")

        after = wait_for("an alarm raised on node A and every alarm stored", lambda: (
            (new := alarms_raised(data_dir) - on_b) and alarms_raised(data_dir) <= stored(sqlite_url)[0] and new),
            timeout_s=300)
    finally:
        if lock.in_transaction:
            lock.execute("ROLLBACK")
        lock.close()
        site.stop()

    ids, raised_rows = stored(sqlite_url)
    raised = alarms_raised(data_dir)
    assert on_b <= ids and after <= ids and raised <= ids  # nothing lost: B's waiting alarms and A's
    assert sorted(raised_rows) == sorted(ids) and all(n == 1 for n in raised_rows.values())  # none twice
    beat = read_row(sqlite_url, CameraHeartbeat, camera_id="lake")
    assert beat is not None and beat.status == "stopped" and beat.pid == moved["pid"]
    print(f"\nalarms raised on node B while the store was locked: {len(on_b)}; on node A after the move: "
          f"{len(raised - on_b)}; stored: {len(ids)}, each once")


def test_the_cluster_command_runs_a_site_on_ray_and_stops_it_cleanly(
    sqlite_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    camera = {"id": "lake", "name": "Lake", "source": str(media / LAKE), "loop": True, "fps": 5,
              "zones": [{"name": "shore", "polygon": SHORE, "cooldown_s": 0}]}
    config = site_file(tmp_path, sqlite_url, model_path, [camera])
    log = tmp_path / "cluster.log"
    command = subprocess.Popen(  # no --address: the command starts a one-machine Ray of its own
        [sys.executable, "-m", "ops_cli.main", "cluster", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=log.open("wb"), env={**os.environ, "YOLO_OFFLINE": "1", **PATIENT_AGENTS},
        start_new_session=True,  # its own process group: Ray's processes are ended with it, whatever happens
    )
    try:
        try:
            alarm = wait_for("an alarm from the camera on Ray", lambda: read_row(sqlite_url, Alarm, camera_id="lake"),
                             timeout_s=400)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the command said: {log.read_text()[-3000:]}") from None
        beat = read_row(sqlite_url, CameraHeartbeat, camera_id="lake")
        assert beat is not None and beat.status == "online" and beat.model_status == "ok"
        edited = tmp_path / "site.yaml.new"  # the editor's save: a new file renamed over the old one
        edited.write_text(config.read_text().replace("name: shore", "name: water-edge"))
        edited.replace(config)
        wait_for("the camera actor watching the edited zone, without a restart",
                 lambda: read_row(sqlite_url, Zone, camera_id="lake", name="water-edge"), timeout_s=60)
        still = read_row(sqlite_url, CameraHeartbeat, camera_id="lake")
        assert still is not None and still.pid == beat.pid, "the same actor, not a new one"
        command.send_signal(signal.SIGTERM)
        code = command.wait(timeout=120)
    finally:
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
            command.wait()
    out = command.stdout.read().decode() if command.stdout else ""
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "cluster: detector deployed; cameras placed: lake" in out
    assert "Traceback" not in text
    last = read_row(sqlite_url, CameraHeartbeat, camera_id="lake")
    assert last is not None and last.status == "stopped" and alarm.zone_name == "shore"
