"""``ops-center`` whose reader stops early (``ops-center alarms | head -1``) ends quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from ops_center.store import writes
from ops_center.store.db import open_store
from tests.builders import alarm_record

ALARMS = 2_000  # ~200 kB of table: far more than a pipe holds, so the writer meets the closed end


def test_a_reader_that_closes_the_pipe_early_gets_no_traceback(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    start = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    with store.session() as s:
        for n in range(ALARMS):
            writes.raise_alarm(s, alarm_record(n, run="cli-pipe", raised_at=start + timedelta(seconds=n), camera_id=None,
                                               place=""))
    store.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPS_")}
    reader = subprocess.Popen([sys.executable, "-m", "ops_cli.main", "alarms", "--db", sqlite_url, "--limit", str(ALARMS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert reader.stdout is not None and reader.stderr is not None
    header = reader.stdout.readline()
    reader.stdout.close()  # what `head -1` does after its line
    errors = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 141
    assert header.startswith(b"raised at (UTC)")
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors
