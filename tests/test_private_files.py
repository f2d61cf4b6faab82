"""The store file, the worker's outbox and alarm snapshots are created readable by their owner only,
whatever the umask (they hold password hashes, session ids and pictures of people)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from detectors.publisher import Outbox, save_snapshot
from ops_center.auth import create_user
from ops_center.store.db import open_store
from ops_center.store.types import utcnow
from tests.builders import alarm_record


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual 022: files readable by everyone unless the code says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_sqlite_store_and_its_folders_are_the_owners_only(tmp_path: Path) -> None:
    db = tmp_path / "site" / "data" / "ops.db"
    store = open_store(f"sqlite:///{db}")
    with store.session() as s:
        create_user(s, "op1", "operator", "operator pass 1")
    assert {p.name: _mode(p) for p in (db.parent.parent, db.parent, db, db.with_name("ops.db-wal"))} == {
        "site": 0o700, "data": 0o700, "ops.db": 0o600, "ops.db-wal": 0o600}
    store.dispose()


def test_the_outbox_and_alarm_snapshots_are_the_owners_only(tmp_path: Path, media: Path) -> None:
    outbox = Outbox(tmp_path / "outbox" / "lake-east.db")
    assert (_mode(tmp_path / "outbox"), _mode(outbox.path)) == (0o700, 0o600)
    outbox.close()
    snapshot = tmp_path / "snapshots" / "2026-11-29" / "a1.jpg"
    save_snapshot(alarm_record(
        1, run="perm", raised_at=utcnow(), zone_name="lake-edge",
        snapshot_jpeg=(media / "fixture_towncentre_frame_640x360.jpg").read_bytes(), snapshot_size=(640, 360),
        snapshot_path=str(snapshot),
    ))
    assert [_mode(p) for p in (tmp_path / "snapshots", snapshot.parent, snapshot)] == [0o700, 0o700, 0o600]
