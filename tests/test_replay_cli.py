"""``ops-center replay`` / ``alarms`` / ``worker`` through the real command, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
import yaml
from sqlalchemy import func, select

from ops_center.store.db import open_store
from ops_center.store.models import Alarm, DetectionEvent, Snapshot

pytestmark = pytest.mark.model

LAKE = "lake_proxy_beach_shore_360x180_4s.mp4"
STREET = "fixture_towncentre_640x360_24f.mp4"
SHORE = "0,0.5 1,0.5 1,0.8 0,0.8"  # the wet sand where people walk along the water's edge
SKY = "0,0 1,0 1,0.15 0,0.15"  # the top strip: far water and horizon, nobody there
STREET_LOWER_HALF = "0,0.5 1,0.5 1,1 0,1"
ALARM_KEYS = {"id", "camera", "zone", "track_id", "frame", "t_s", "snapshot"}


def ops_center(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the installed command line exactly as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "ops_cli.main", *map(str, args)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "YOLO_OFFLINE": "1"},
    )


def counts(url: str) -> tuple[int, int, int]:
    store = open_store(url)
    with store.session() as s:
        out = tuple(s.scalar(select(func.count()).select_from(m)) or 0 for m in (Alarm, DetectionEvent, Snapshot))
    store.dispose()
    return out  # type: ignore[return-value]


def test_a_shoreline_zone_raises_an_alarm_with_its_snapshot_and_the_sky_none(
    store_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    run = ops_center(
        "replay", media / LAKE, "--zone", SHORE, "--zone-name", "shore", "--zone", SKY, "--zone-name", "sky",
        "--model", model_path, "--db", store_url, "--data-dir", tmp_path, "--json",
    )
    assert run.returncode == 0, run.stderr
    alarms = [json.loads(line) for line in run.stdout.splitlines()]
    assert alarms, run.stderr
    assert {a["zone"] for a in alarms} == {"shore"}
    for alarm in alarms:
        assert alarm.keys() >= ALARM_KEYS
        assert alarm["camera"] == "replay-lake_proxy_beach_shore_360x180_4s"
        assert alarm["frame"] >= 2  # three consecutive frames in the zone first (min_frames 3)
        assert alarm["t_s"] == pytest.approx(alarm["frame"] / 24, abs=1e-3)
        snapshot = Path(alarm["snapshot"])
        assert snapshot.is_relative_to(tmp_path / "snapshots" / alarm["camera"])
        image = cv2.imread(str(snapshot))
        assert image is not None and image.shape == (180, 360, 3)
    assert counts(store_url)[0] == len(alarms) and counts(store_url)[2] == len(alarms)


def test_replaying_twice_stores_once_and_bad_input_fails_in_one_line_losing_nothing(
    store_url: str, tmp_path: Path, media: Path, model_path: Path
) -> None:
    good = ("--model", model_path, "--db", store_url, "--data-dir", tmp_path)
    first = ops_center("replay", media / STREET, "--zone", STREET_LOWER_HALF, *good, "--json")
    assert first.returncode == 0, first.stderr
    ids = [json.loads(line)["id"] for line in first.stdout.splitlines()]
    assert ids
    before = counts(store_url)
    assert before[0] == len(ids) and before[1] >= 2 * len(ids)

    second = ops_center("replay", media / STREET, "--zone", STREET_LOWER_HALF, *good, "--json")
    assert second.returncode == 0, second.stderr
    assert [json.loads(line)["id"] for line in second.stdout.splitlines()] == ids
    assert counts(store_url) == before

    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4096))
    config = tmp_path / "site.yaml"
    config.write_text(yaml.safe_dump({
        "site": {"name": "Test"}, "store": {"url": store_url}, "model": {"path": str(model_path)},
        "cameras": [{"id": "lake", "name": "Lake", "source": str(media / LAKE), "colour": "red"}],
    }))
    cases = {
        "unknown config key": (("worker", "--config", config, "--camera", "lake"), "cameras[0].colour: unknown key"),
        "zone of two points": (("replay", media / STREET, "--zone", "0,0 1,1", *good), "at least 3 points"),
        "zone outside 0..1": (("replay", media / STREET, "--zone", "0,0 1.5,0 1,1", *good), "(1.5,0) is outside 0..1"),
        "missing video": (("replay", tmp_path / "gone.mp4", "--zone", SHORE, *good), "video file not found"),
        "corrupt video": (("replay", corrupt, "--zone", SHORE, *good), "corrupt.mp4"),
        "missing model": (
            ("replay", media / STREET, "--zone", SHORE, "--model", tmp_path / "nope.onnx", "--db", store_url,
             "--data-dir", tmp_path), "model file not found"),
    }
    for case, (args, expected) in cases.items():
        run = ops_center(*args)
        lines = run.stderr.strip().splitlines()
        assert run.returncode == 2, (case, run.stderr)
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], (case, run.stderr)
        assert "Traceback" not in run.stderr and run.stdout == "", case
        assert counts(store_url) == before, case

    listed = ops_center("alarms", "--db", store_url, "--json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(json.loads(line)["id"] for line in listed.stdout.splitlines()) == sorted(ids)
