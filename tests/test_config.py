"""Loading the site file: validated tree, env overrides, and errors that name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops_center.config import load_config
from ops_center.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

MINIMAL = """
site:
  name: Lakeside Garden
cameras:
  - id: lake-east
    name: Lake east shore
    source: rtsp://admin:${CAM_PASS}@10.0.0.5/stream1
    zones:
      - name: lake
        polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]
"""
LINES = """    lines:
      - name: bakery-door
        points: [[0.2, 0.7], [0.6, 0.7]]
        in_side: below
        merchant: m03
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_site_gets_sensible_defaults(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, MINIMAL), env={"CAM_PASS": "pw"})
    cam = cfg.camera("lake-east")
    assert cam.source == "rtsp://admin:pw@10.0.0.5/stream1"
    assert cam.zones[0].min_frames == 3 and cam.zones[0].polygon[0] == (0.0, 0.5)
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.store_url == f"sqlite:///{tmp_path / 'data' / 'ops.db'}"
    assert cfg.model.path == "yolov8n.pt"
    assert [s.name for s in cfg.site.shifts] == ["Day", "Night"]


def test_environment_overrides_store_model_and_data_dir(tmp_path: Path) -> None:
    env = {"CAM_PASS": "pw", "OPS_DB_URL": "postgresql://db/ops", "OPS_MODEL": "/m/y.onnx", "OPS_DATA_DIR": "/srv/ops"}
    cfg = load_config(write(tmp_path, MINIMAL), env=env)
    assert (cfg.store_url, cfg.model.path, cfg.data_dir) == ("postgresql://db/ops", "/m/y.onnx", Path("/srv/ops"))


def test_without_a_file_the_built_in_defaults_hold_with_the_data_dir_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config(None, env={})
    assert cfg.site.name == "Ops Center" and cfg.cameras == [] and cfg.alarms.sla_s == 300
    assert cfg.data_dir == tmp_path / "data" and cfg.store_url == f"sqlite:///{tmp_path / 'data' / 'ops.db'}"


def test_ops_config_names_the_file_when_no_path_is_given(tmp_path: Path) -> None:
    cfg = load_config(None, env={"OPS_CONFIG": str(write(tmp_path, MINIMAL)), "CAM_PASS": "pw"})
    assert cfg.site.name == "Lakeside Garden" and cfg.data_dir == tmp_path / "data"


def test_flags_override_the_environment_which_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    text = MINIMAL + "store:\n  url: postgresql://file/ops\nmodel:\n  path: file.onnx\n"
    monkeypatch.chdir(tmp_path)
    env = {"CAM_PASS": "pw", "OPS_DB_URL": "postgresql://env/ops", "OPS_MODEL": "env.onnx", "OPS_DATA_DIR": "env-data"}
    by_env = load_config(write(site, text), env=env)
    assert (by_env.store_url, by_env.model.path) == ("postgresql://env/ops", "env.onnx")
    assert by_env.data_dir == tmp_path / "env-data"  # given outside the file: from the working directory
    by_flags = load_config(write(site, text), env=env, overrides={
        "store.url": ("--db", "sqlite:///flag.db"), "model.path": ("--model", "flag.onnx"),
        "data_dir": ("--data-dir", "flag-data")})
    assert (by_flags.store_url, by_flags.model.path) == ("sqlite:///flag.db", "flag.onnx")
    assert by_flags.data_dir == tmp_path / "flag-data"


@pytest.mark.parametrize(
    ("env", "overrides", "expected"),
    [
        ({}, {"store.url": ("--db", "sqlite:///")}, "--db 'sqlite:///': an in-memory SQLite store keeps nothing"),
        ({"OPS_DB_URL": "sqlite://"}, {}, "OPS_DB_URL 'sqlite://': an in-memory SQLite store"),
        ({"OPS_DB_URL": "mysql://x@y/z"}, {}, "OPS_DB_URL 'mysql://x@y/z': only SQLite and PostgreSQL"),
        ({}, {"store.url": ("--db", "not a url")}, "--db 'not a url': not a database URL"),
        ({}, {"data_dir": ("--data-dir", "/etc/passwd")}, "--data-dir '/etc/passwd': not a directory"),
        ({"OPS_DATA_DIR": "/etc/passwd"}, {}, "OPS_DATA_DIR '/etc/passwd': not a directory"),
    ],
)
def test_a_bad_override_is_named_by_its_flag_or_variable(
    tmp_path: Path, env: dict[str, str], overrides: dict[str, tuple[str, str]], expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, MINIMAL), env={"CAM_PASS": "pw", **env}, overrides=overrides)
    assert str(err.value).startswith(expected) and "site.yaml" not in str(err.value)


def test_a_data_dir_that_is_a_file_is_named_with_the_site_file(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(ConfigError, match=r"site\.yaml: data_dir 'data': not a directory"):
        load_config(write(tmp_path, MINIMAL), env={"CAM_PASS": "pw"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL + "colour: blue\n", "site.yaml: colour: unknown key"),
        (MINIMAL.replace("    zones:", "    zoom: 2\n    zones:"), "cameras[0].zoom: unknown key"),
        (MINIMAL.replace("[[0, 0.5], [1, 0.5], [1, 1], [0, 1]]", "[[0, 0.5], [1, 0.5]]"),
         "cameras[0].zones[0].polygon: a polygon needs at least 3 points, got 2"),
        (MINIMAL.replace("[1, 1], [0, 1]]", "[1.5, 1], [0, 1]]"), "cameras[0].zones[0].polygon: point 3 (1.5,1) is outside 0..1"),
        (MINIMAL.replace("[[0, 0.5], [1, 0.5], [1, 1], [0, 1]]", "[0.1, 0.5, 0.9]"),
         "cameras[0].zones[0].polygon: point 1 is 0.1, expected a pair of numbers [x, y]"),
        (MINIMAL.replace("[[0, 0.5], [1, 0.5], [1, 1], [0, 1]]", "[[a, 0.5], [1, 0.5], [1, 1]]"),
         "cameras[0].zones[0].polygon: point 1 ['a', 0.5] is not a pair of numbers [x, y]"),
        (MINIMAL.replace("name: lake", "name: Lake Zone!"), "cameras[0].zones[0].name: String should match pattern"),
        (MINIMAL.replace("    zones:", "    map: {x: 1.2, y: 0.5}\n    zones:"),
         "cameras[0].map.x: Input should be less than or equal to 1"),
        (MINIMAL.replace("name: Lakeside Garden", "name: Lakeside Garden\n  timezone: Asia/Shangai"),
         "site.timezone: unknown time zone 'Asia/Shangai'"),
        (MINIMAL + "model:\n  confidence: 2\n", "model.confidence: Input should be less than 1"),
        (MINIMAL + "dashboard:\n  limits_storage: memcached://10.0.0.9:11211\n",
         "dashboard.limits_storage: expected memory:// or a Redis URL (redis://host:6379/0, rediss:// for TLS), got memcached://"),
        (MINIMAL.replace("name: Lakeside Garden", "title: x"), "site.name: Field required"),
        (MINIMAL + "traffic:\n  roads: [Bridge, \"Gate\\0Road\"]\n",
         "traffic.roads[1]: control character '\\x00' at position 4 is not allowed"),
        (MINIMAL + "traffic:\n  roads: [Bridge, Bridge]\n", "traffic: duplicate road 'Bridge'"),
        (MINIMAL + "environment:\n  stations:\n    - {name: Roof, metrics: {pm25: {min: 5, max: 1}}}\n",
         "environment.stations[0].metrics.pm25: min 5 must be below max 1"),
        (MINIMAL + "environment:\n  stations:\n    - {name: Roof, metrics: {}}\n",
         "environment.stations[0].metrics: Dictionary should have at least 1 item"),
        (MINIMAL + "commerce:\n  max_per_minute: 0\n",
         "commerce.max_per_minute: Input should be greater than or equal to 1"),
        (MINIMAL + LINES.replace("[[0.2, 0.7], [0.6, 0.7]]", "[[0.2, 0.7]]"),
         "cameras[0].lines[0].points: a line needs exactly 2 points, got 1"),
        (MINIMAL + LINES.replace("[0.6, 0.7]]", "[0.2, 0.7]]"),
         "cameras[0].lines[0].points: the line's two points are the same point"),
        (MINIMAL + LINES.replace("in_side: below", "in_side: left"),
         "cameras[0].lines[0].in_side: 'left' does not fit a horizontal line; use 'above' or 'below'"),
        (MINIMAL + LINES.replace("in_side: below", "in_side: inside"), "cameras[0].lines[0].in_side: Input should be"),
        (MINIMAL + LINES + LINES.split("\n", 1)[1], "cameras[0]: duplicate line name 'bakery-door'"),
        ("site: [\n", "line 2"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_errors_name_the_file_the_key_and_the_problem(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={"CAM_PASS": "pw"})
    message = str(err.value)
    assert message.startswith(str(tmp_path / "site.yaml")) and expected in message
    assert "\n" not in message


def test_a_missing_secret_names_the_variable_and_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cameras\[0\]\.source: environment variable CAM_PASS is not set"):
        load_config(write(tmp_path, MINIMAL), env={})


def test_a_camera_may_carry_counting_lines(tmp_path: Path) -> None:
    line = load_config(write(tmp_path, MINIMAL + LINES), env={"CAM_PASS": "pw"}).camera("lake-east").lines[0]
    assert (line.points, line.in_side, line.merchant, line.min_frames) == (((0.2, 0.7), (0.6, 0.7)), "below", "m03", 3)


def test_a_camera_may_sit_at_a_point_of_the_site_plan(tmp_path: Path) -> None:
    text = MINIMAL.replace("    zones:", "    map: {x: 0.8, y: 0.25}\n    zones:")
    cfg = load_config(write(tmp_path, text), env={"CAM_PASS": "pw"})
    assert (cfg.camera("lake-east").map.x, cfg.camera("lake-east").map.y) == (0.8, 0.25)
    assert load_config(write(tmp_path, MINIMAL), env={"CAM_PASS": "pw"}).camera("lake-east").map is None


def test_duplicate_camera_ids_are_refused(tmp_path: Path) -> None:
    text = MINIMAL + "  - id: lake-east\n    name: again\n    source: webcam:0\n"
    with pytest.raises(ConfigError, match="duplicate camera id 'lake-east'"):
        load_config(write(tmp_path, text), env={"CAM_PASS": "pw"})


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: configuration file not found"):
        load_config(tmp_path / "nope.yaml")


def test_unknown_camera_lists_the_known_ones(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, MINIMAL), env={"CAM_PASS": "pw"})
    with pytest.raises(ConfigError, match=r"no camera 'pier' .*cameras: lake-east"):
        cfg.camera("pier")


def test_the_shipped_example_site_is_valid() -> None:
    env = {"LAKE_CAM_PASSWORD": "lake-pw", "GATE_CAM_PASSWORD": "gate-pw", "OPS_WEBHOOK_TOKEN": "hook-token"}
    cfg = load_config(ROOT / "config" / "site.example.yaml", env=env)
    assert len(cfg.cameras) >= 2 and all(c.zones for c in cfg.cameras), "the example shows a danger zone per camera"
    # every secret comes from the environment, none is left as a ${NAME} reference
    assert [c.source.split("@")[0].rsplit(":", 1)[1] for c in cfg.cameras] == ["lake-pw", "gate-pw"]
    assert cfg.alarms.webhook_url.endswith("token=hook-token")
    assert "${" not in cfg.model_dump_json()
    assert cfg.traffic.roads and cfg.environment.stations and cfg.commerce.footfall_bound("m01") == 1200


def test_a_commercial_garage_that_is_no_lot_of_the_site_is_named_with_the_file_and_key(tmp_path: Path) -> None:
    lot = ("parking:\n  lots:\n    - id: c\n      levels:\n        - id: B1\n          name: {zh-CN: 地库, en: Garage}\n"
           "          size: [20, 10]\n          nodes: {w: [1, 1]}\n")
    assert load_config(write(tmp_path, MINIMAL + lot + "commerce: {garage: c}\n"),
                       env={"CAM_PASS": "pw"}).commerce.garage == "c"
    with pytest.raises(ConfigError, match=r"site\.yaml: commerce\.garage: 'x' is not one of the lots in parking\.lots \(c\)"):
        load_config(write(tmp_path, MINIMAL + lot + "commerce: {garage: x}\n"), env={"CAM_PASS": "pw"})
    with pytest.raises(ConfigError, match=r"site\.yaml: commerce\.garage: 'c' is not one of .* \(none\)"):
        load_config(write(tmp_path, MINIMAL + "commerce: {garage: c}\n"), env={"CAM_PASS": "pw"})
