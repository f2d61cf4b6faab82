"""The ``ops-center`` subcommands read the site's configuration (``--config`` / ``OPS_CONFIG``, then the
overrides) as the pages do, and refuse bad input in one line: run in a subprocess, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from ops_center.config import load_config
from ops_center.records import stable_id
from ops_center.shift_windows import shift_windows
from ops_center.store import writes
from ops_center.store.db import open_store
from ops_center.store.types import utcnow
from tests.builders import alarm_record
from tests.test_cli_accounts import assert_one_line_error

# 17:30 in Tokyo (UTC+9): inside a "17:00 .. 18:00" window read in the site's time zone, hours outside it
# if read as UTC or as any other local time the machine may have.
RAISED = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)


def ops_center(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``ops-center`` with ``args`` and the environment ``env`` (without any ``OPS_*`` of the test run)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPS_")}
    return subprocess.run([sys.executable, "-m", "ops_cli.main", *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False, env={**base, **(env or {})})


def site_file(tmp_path: Path, store_url: str) -> Path:
    """A Tokyo site with a 100 s SLA and an early and a late shift, its store at ``store_url``."""
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({
        "site": {"name": "Test", "timezone": "Asia/Tokyo",
                 "shifts": [{"name": "Early", "start": "06:00"}, {"name": "Late", "start": "18:00"}]},
        "store": {"url": store_url},
        "alarms": {"sla_s": 100},
    }))
    return path


def raise_alarm(store_url: str) -> str:
    alarm_id = stable_id("cli-config", 1)
    store = open_store(store_url)
    with store.session() as s:
        writes.raise_alarm(s, alarm_record(id=alarm_id, raised_at=RAISED, camera_id=None, place=""))
    store.dispose()
    return alarm_id


def test_report_shift_reads_the_sla_time_zone_and_shifts_from_the_site_file(sqlite_url: str, tmp_path: Path) -> None:
    raise_alarm(sqlite_url)
    site = site_file(tmp_path, sqlite_url)
    run = ops_center("report", "shift", "--config", site, "--since", "2026-11-29T17:00", "--until", "2026-11-29T18:00",
                     "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["since"], report["until"]) == ("2026-11-29T17:00:00+09:00", "2026-11-29T18:00:00+09:00")
    assert report["sla_s"] == 100 and report["total"]["alarms"] == 1
    # OPS_CONFIG stands for --config; --sla-s overrides the site's SLA
    by_env = ops_center("report", "shift", "--since", "2026-11-29T17:00", "--sla-s", "60", "--json",
                        env={"OPS_CONFIG": str(site)})
    assert by_env.returncode == 0, by_env.stderr
    assert json.loads(by_env.stdout)["sla_s"] == 60 and json.loads(by_env.stdout)["total"]["alarms"] == 1


def test_report_shift_covers_the_sites_current_shift_by_default(sqlite_url: str, tmp_path: Path) -> None:
    site = site_file(tmp_path, sqlite_url)
    shifts = load_config(site).site.shifts
    before = shift_windows(shifts, ZoneInfo("Asia/Tokyo"), utcnow())[0].start
    run = ops_center("report", "shift", "--config", site, "--json")
    after = shift_windows(shifts, ZoneInfo("Asia/Tokyo"), utcnow())[0].start
    assert run.returncode == 0, run.stderr
    since = datetime.fromisoformat(json.loads(run.stdout)["since"])
    assert since in (before, after) and since.utcoffset() == timedelta(hours=9)


def test_db_overrides_the_store_of_the_site_file(sqlite_url: str, tmp_path: Path) -> None:
    alarm_id = raise_alarm(sqlite_url)
    site = site_file(tmp_path, f"sqlite:///{tmp_path / 'elsewhere.db'}")
    assert ops_center("alarms", "--config", site, "--json").stdout == ""
    listed = ops_center("alarms", "--config", site, "--db", sqlite_url, "--json")
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [alarm_id], listed.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("replay", "{video}", "--zone", "0,0 1,0 1,1", "--camera", "../../x y"), ("--camera", "'../../x y'")),
        (("report", "shift", "--since", "0001-01-01T00:00+01:00"), ("--since", "outside the years 1970 to 2100")),
        (("report", "shift", "--since", "9999-12-31T23:59:59-01:00"), ("--since", "outside the years 1970 to 2100")),
        (("report", "shift", "--since", "2026-11-29T08:00Z", "--until", "9999-12-31T23:59:59-01:00"),
         ("--until", "outside the years 1970 to 2100")),
        (("report", "shift", "--since", "2026-11-29T08:00Z", "--sla-s", "nan"), ("--sla-s", "'nan'", "above 0")),
        (("alarms", "--limit", "1e30"), ("--limit", "'1e30'", "whole number from 1")),
        (("alarms", "--limit", "-1"), ("--limit", "'-1'", "whole number from 1")),
        (("alarms", "--data-dir", "/etc/passwd"), ("--data-dir '/etc/passwd': not a directory",)),
        (("alarms", "--db", "sqlite:///"), ("--db 'sqlite:///'", "in-memory")),
    ],
    ids=["camera-not-a-file-name", "since-year-1", "since-year-9999", "until-year-9999", "sla-nan", "limit-1e30",
         "limit-negative", "data-dir-a-file", "db-in-memory"],
)
def test_bad_input_is_one_line_naming_the_option(
    sqlite_url: str, media: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    raise_alarm(sqlite_url)  # "--limit -1" must not say "no alarms" while there are some
    args = tuple(arg.format(video=media / "fixture_towncentre_640x360_24f.mp4") for arg in args)
    store = () if "--db" in args else ("--db", sqlite_url)
    run = ops_center(*args, *store)
    assert_one_line_error(run, *fragments)
    assert run.stdout == ""
