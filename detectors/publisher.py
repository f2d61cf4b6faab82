"""Posting camera records to the shared store, with a local outbox so that nothing is lost.

Events and alarms are first written to a small SQLite outbox file beside the worker (one per
camera), then drained to the store. While the store is unreachable they wait there; when it is back
the outbox drains in order. Posting is idempotent by record id, so a record sent twice (a crash
between store commit and outbox delete) is stored once. Heartbeats and live frames are not buffered:
only the newest matters.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError

from ops_center.config import CameraConfig
from ops_center.records import AlarmRecord, EventRecord, FrameRecord, HeartbeatRecord
from ops_center.store import writes
from ops_center.store.db import Store, StoreUnavailable, open_store

log = logging.getLogger(__name__)

STORE_DOWN = (StoreUnavailable, OperationalError, InterfaceError)
_RECORD_TYPES: dict[str, type[EventRecord] | type[AlarmRecord]] = {"event": EventRecord, "alarm": AlarmRecord}
DRAIN_BATCH = 200


class Outbox:
    """Records waiting for the store, in a SQLite file; first in, first out, one copy per id."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, body TEXT NOT NULL)"
        )

    def put(self, records: Sequence[EventRecord | AlarmRecord]) -> None:
        """Keep ``records`` until they are taken out."""
        rows = [(r.id, "alarm" if isinstance(r, AlarmRecord) else "event", r.model_dump_json()) for r in records]
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO outbox (id, kind, body) VALUES (?, ?, ?)", rows)

    def peek(self, limit: int) -> list[tuple[int, EventRecord | AlarmRecord]]:
        """The oldest ``limit`` records with their sequence numbers."""
        rows = self._db.execute("SELECT seq, kind, body FROM outbox ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [(seq, _RECORD_TYPES[kind].model_validate_json(body)) for seq, kind, body in rows]

    def remove_through(self, seq: int) -> None:
        """Forget every record up to and including sequence number ``seq``."""
        self._db.execute("DELETE FROM outbox WHERE seq <= ?", (seq,))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._db.close()


class Publisher:
    """Sends one camera's records to the store, buffering events and alarms while it is down."""

    def __init__(
        self,
        store_url: str,
        outbox_path: Path,
        *,
        retry_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store_url = store_url
        self.outbox = Outbox(outbox_path)
        self.retry_s = retry_s
        self._clock = clock
        self._store: Store | None = None
        self._retry_at = 0.0
        self._down_since: float | None = None
        self._cameras: list[CameraConfig] = []
        self.last_error = ""

    @property
    def pending(self) -> int:
        """How many events and alarms wait in the outbox."""
        return len(self.outbox)

    @property
    def store_reachable(self) -> bool:
        """False after a failed attempt, until the next one succeeds."""
        return self._down_since is None

    def sync_cameras(self, cameras: Sequence[CameraConfig]) -> None:
        """Write these cameras and their zones to the store now, or as soon as it is reachable."""
        self._cameras = list(cameras)
        self.flush()

    def publish(self, events: Sequence[EventRecord], alarms: Sequence[AlarmRecord]) -> None:
        """Queue events and alarms in the outbox, save alarm snapshots to disk, and drain the outbox.

        The records are queued first: a snapshot file that cannot be written (disk full, a folder
        without permission) is logged and does not lose the alarm, whose JPEG also goes to the store.
        """
        if not events and not alarms:
            return
        self.outbox.put([*events, *alarms])
        for alarm in alarms:
            try:
                save_snapshot(alarm)
            except OSError as exc:
                log.error("alarm %s: cannot write its snapshot file %s: %s", alarm.id, alarm.snapshot_path, exc)
        self.flush()

    def flush(self) -> bool:
        """Drain the outbox (and pending camera set-up) to the store; True when nothing is left."""
        if not self._due():
            return False
        try:
            store = self._open()
            if self._cameras:
                with store.session() as session:
                    writes.sync_cameras(session, self._cameras)
                self._cameras = []
            while batch := self.outbox.peek(DRAIN_BATCH):
                with store.session() as session:
                    writes.record_events(session, [r for _, r in batch if isinstance(r, EventRecord)])
                    for _, rec in batch:
                        if isinstance(rec, AlarmRecord):
                            writes.raise_alarm(session, rec)
                self.outbox.remove_through(batch[-1][0])
        except STORE_DOWN as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    def heartbeat(self, beat: HeartbeatRecord) -> bool:
        """Store the camera's newest health report; False (and not kept) when the store is down."""
        return self._latest(lambda session: writes.save_heartbeat(session, beat))

    def frame(self, frame: FrameRecord) -> bool:
        """Store the camera's newest live frame; False (and not kept) when the store is down."""
        return self._latest(lambda session: writes.save_frame(session, frame))

    def close(self) -> None:
        """Try a last drain, then close the outbox and the store connections."""
        self._retry_at = 0.0
        self.flush()
        if self.pending:
            log.warning("%d records stay in the outbox %s until the store is reachable", self.pending, self.outbox.path)
        self.outbox.close()
        if self._store is not None:
            self._store.dispose()

    def _latest(self, write: Callable[..., None]) -> bool:
        if not self._due():
            return False
        try:
            with self._open().session() as session:
                write(session)
        except STORE_DOWN as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    def _due(self) -> bool:
        return self._down_since is None or self._clock() >= self._retry_at

    def _open(self) -> Store:
        if self._store is None:
            self._store = open_store(self.store_url)
        return self._store

    def _failed(self, exc: Exception) -> None:
        self.last_error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        self._retry_at = self._clock() + self.retry_s
        if self._down_since is None:
            self._down_since = self._clock()
            log.warning("store unreachable, buffering in %s: %s", self.outbox.path, self.last_error)

    def _recovered(self) -> None:
        if self._down_since is not None:
            log.info("store reachable again after %.0f s", self._clock() - self._down_since)
            self._down_since = None
            self.last_error = ""


def save_snapshot(alarm: AlarmRecord) -> None:
    """Write the alarm's snapshot JPEG to its ``snapshot_path`` (folders created as needed)."""
    if alarm.snapshot_path and alarm.snapshot_jpeg:
        path = Path(alarm.snapshot_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(alarm.snapshot_jpeg)
