"""Posting camera records to the shared store from a writer thread, so that detection never waits on it.

The frame loop hands records over without touching the store: events, alarms, line crossings and
space changes go into a small
SQLite outbox file the worker owns (one per camera; a ``kill -9`` loses nothing that got there),
alarm snapshots to their files beside it, and the newest heartbeat and live frame into one-slot
mailboxes (a newer one replaces an older one: only the newest matters). A writer thread takes
them to the store. While the store is down, slow or silent, the outbox keeps the records and the
writer retries; when the store answers again the outbox drains in order. Posting is idempotent by
record id, so a record sent twice (an answer lost on a silent link, a crash between store commit
and outbox delete) is stored once, and a crossing counts once in its footfall bucket.

A store that stops answering is an outage even before any error comes back: a write that has had
no answer for ``stall_s`` counts as one. The log warns once per outage and says once when the store
is back, with how many records drained; ``status()`` gives the frame loop what its heartbeat says.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError

from ops_center.config import CameraConfig
from ops_center.private_files import private_file, write_private
from ops_center.records import AlarmRecord, CrossingRecord, EventRecord, FrameRecord, HeartbeatRecord, SpaceRecord
from ops_center.store import writes
from ops_center.store.db import Store, StoreUnavailable, open_store

log = logging.getLogger(__name__)

STORE_DOWN = (StoreUnavailable, OperationalError, InterfaceError)
Record = EventRecord | AlarmRecord | CrossingRecord | SpaceRecord
_RECORD_TYPES: dict[str, type[Record]] = {
    "event": EventRecord, "alarm": AlarmRecord, "crossing": CrossingRecord, "space": SpaceRecord,
}
_KINDS = {record_type: kind for kind, record_type in _RECORD_TYPES.items()}
DRAIN_BATCH = 200
# The writer's own bounds: a SQLite writer lock or a PostgreSQL statement holds it no longer than this.
WRITER_BUSY_TIMEOUT_MS = 5_000
WRITER_STATEMENT_TIMEOUT_MS = 30_000


class Outbox:
    """Records waiting for the store, in a SQLite file; first in, first out, one copy per id.

    Safe to call from any thread; the writer thread opens its own ``Outbox`` on the same file.
    """

    def __init__(self, path: Path) -> None:
        private_file(path)  # readable by its owner only, like its -wal file after it
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, body TEXT NOT NULL)"
        )

    def put(self, records: Sequence[Record]) -> None:
        """Keep ``records`` until they are taken out."""
        rows = [(r.id, _KINDS[type(r)], r.model_dump_json()) for r in records]
        with self._lock, self._db:
            self._db.executemany("INSERT OR IGNORE INTO outbox (id, kind, body) VALUES (?, ?, ?)", rows)

    def peek(self, limit: int) -> list[tuple[int, Record]]:
        """The oldest ``limit`` records with their sequence numbers."""
        with self._lock:
            rows = self._db.execute("SELECT seq, kind, body FROM outbox ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [(seq, _RECORD_TYPES[kind].model_validate_json(body)) for seq, kind, body in rows]

    def remove_through(self, seq: int) -> None:
        """Forget every record up to and including sequence number ``seq``."""
        with self._lock:
            self._db.execute("DELETE FROM outbox WHERE seq <= ?", (seq,))

    def alarms(self) -> int:
        """How many of the waiting records are alarms."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM outbox WHERE kind = 'alarm'").fetchone()[0])

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


@dataclass(frozen=True)
class StoreStatus:
    """What a worker's heartbeat says about its link to the store."""

    reachable: bool
    records_waiting: int
    alarms_waiting: int

    @property
    def note(self) -> str:
        """A line for the heartbeat's message, empty when all is well."""
        if not self.reachable:
            return f"store unreachable, {self.alarms_waiting} alarms waiting"
        if self.records_waiting:
            return f"{self.records_waiting} records wait in the outbox"
        return ""


class Publisher:
    """Sends one camera's records to the store from a writer thread; the caller never waits on the store."""

    def __init__(
        self,
        store_url: str,
        outbox_path: Path,
        *,
        retry_s: float = 5.0,
        stall_s: float = 5.0,
        busy_timeout_ms: int = WRITER_BUSY_TIMEOUT_MS,
        statement_timeout_ms: int = WRITER_STATEMENT_TIMEOUT_MS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store_url = store_url
        self.outbox = Outbox(outbox_path)  # the caller's connection; the writer thread opens its own
        self.retry_s = retry_s
        self.stall_s = stall_s
        self._busy_timeout_ms = busy_timeout_ms
        self._statement_timeout_ms = statement_timeout_ms
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._cameras: list[CameraConfig] = []
        self._heartbeat: HeartbeatRecord | None = None
        self._frame: FrameRecord | None = None
        self._store: Store | None = None
        self._busy_since: float | None = None
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._drained = (0, 0)  # records and alarms drained since the outage began
        self._writer = threading.Thread(target=self._run, name=f"store-writer:{outbox_path.stem}", daemon=True)
        self._writer.start()

    @property
    def pending(self) -> int:
        """How many events and alarms wait in the outbox."""
        return len(self.outbox)

    def status(self) -> StoreStatus:
        """The link to the store as the heartbeat reports it.

        Unreachable from a failed write, or one without answer for ``stall_s``, until the outbox has drained.
        """
        with self._lock:
            busy_since = self._busy_since
        if busy_since is not None and self._clock() - busy_since > self.stall_s:
            self._outage(f"no answer for {self._clock() - busy_since:.0f} s", busy_since)
        return StoreStatus(self._down_since is None, len(self.outbox), self.outbox.alarms())

    def sync_cameras(self, cameras: Sequence[CameraConfig]) -> None:
        """Have these cameras and their zones written to the store as soon as it is reachable."""
        with self._lock:
            self._cameras = list(cameras)
        self._wake.set()

    def publish(
        self,
        events: Sequence[EventRecord],
        alarms: Sequence[AlarmRecord],
        counts: Sequence[CrossingRecord | SpaceRecord] = (),
    ) -> None:
        """Keep events, alarms and ``counts`` (line crossings, space changes) in the outbox and save alarm
        snapshots to disk; the writer sends them on.

        The records are kept first: a snapshot file that cannot be written (disk full, a folder
        without permission) is logged and does not lose the alarm, whose JPEG also goes to the store.
        """
        if not events and not alarms and not counts:
            return
        self.outbox.put([*events, *alarms, *counts])
        for alarm in alarms:
            try:
                save_snapshot(alarm)
            except OSError as exc:
                log.error("alarm %s: cannot write its snapshot file %s: %s", alarm.id, alarm.snapshot_path, exc)
        self._wake.set()

    def heartbeat(self, beat: HeartbeatRecord) -> None:
        """Hand over the camera's newest health report (it replaces one not yet written)."""
        with self._lock:
            self._heartbeat = beat
        self._wake.set()

    def frame(self, frame: FrameRecord) -> None:
        """Hand over the camera's newest live frame (it replaces one not yet written)."""
        with self._lock:
            self._frame = frame
        self._wake.set()

    def close(self, timeout_s: float = 15.0) -> int:
        """Give the writer up to ``timeout_s`` to send what it holds, then close the outbox.

        Returns how many records the store did not take: they stay in the outbox file for the next run.
        """
        self._closing.set()
        self._wake.set()
        self._writer.join(timeout_s)
        left = self.pending
        if self._writer.is_alive():
            log.warning("the store did not answer within %.0f s; %d records stay in the outbox %s",
                        timeout_s, left, self.outbox.path)
        elif left:
            log.warning("%d records stay in the outbox %s until the store is reachable", left, self.outbox.path)
        self.outbox.close()
        return left

    def _run(self) -> None:
        outbox = Outbox(self.outbox.path)
        try:
            while True:
                if self._down_since is not None:  # no sooner than retry_s after a failure, unless closing
                    self._closing.wait(max(0.0, self._retry_at - self._clock()))
                self._wake.wait(self.retry_s)
                self._wake.clear()
                closing = self._closing.is_set()
                self._write(outbox)
                if closing:
                    return
        finally:
            outbox.close()
            if self._store is not None:
                self._store.dispose()

    def _write(self, outbox: Outbox) -> None:
        """One attempt: camera set-up, the newest heartbeat and frame, then the outbox in batches."""
        with self._lock:
            cameras, beat, frame = self._cameras, self._heartbeat, self._frame
            self._heartbeat = self._frame = None
        if not (cameras or beat or frame or len(outbox)):
            return
        with self._lock:
            self._busy_since = self._clock()
        error: Exception | None = None
        try:
            self._send(outbox, cameras, beat, frame)
        except STORE_DOWN as exc:
            error = exc
        except Exception as exc:  # a bug or a record the store refuses: keep the records, say so, keep trying
            if self._down_since is None:
                log.exception("store writer: unexpected error")
            error = exc
        with self._lock:
            self._busy_since = None
        if error is not None:
            self._failed(error)
        else:
            self._recovered()

    def _send(
        self, outbox: Outbox, cameras: list[CameraConfig], beat: HeartbeatRecord | None, frame: FrameRecord | None
    ) -> None:
        store = self._open()
        if cameras or beat or frame:
            with store.session() as session:
                if cameras:
                    writes.sync_cameras(session, cameras)
                if beat:
                    writes.save_heartbeat(session, beat)
                if frame:
                    writes.save_frame(session, frame)
            with self._lock:
                if self._cameras is cameras:
                    self._cameras = []
        while batch := outbox.peek(DRAIN_BATCH):
            with store.session() as session:
                writes.record_events(session, [r for _, r in batch if isinstance(r, EventRecord)])
                for _, rec in batch:
                    if isinstance(rec, AlarmRecord):
                        writes.raise_alarm(session, rec)
                writes.record_crossings(session, [r for _, r in batch if isinstance(r, CrossingRecord)])
                writes.record_space_changes(session, [r for _, r in batch if isinstance(r, SpaceRecord)])
            outbox.remove_through(batch[-1][0])
            with self._lock:
                records, alarms = self._drained
                self._drained = (records + len(batch), alarms + sum(isinstance(r, AlarmRecord) for _, r in batch))

    def _open(self) -> Store:
        if self._store is None:
            self._store = open_store(
                self.store_url, busy_timeout_ms=self._busy_timeout_ms, statement_timeout_ms=self._statement_timeout_ms
            )
        return self._store

    def _failed(self, exc: Exception) -> None:
        self._retry_at = self._clock() + self.retry_s
        self._outage(_why(exc, self._busy_timeout_ms))

    def _outage(self, reason: str, stalled_since: float | None = None) -> None:
        """Note an outage (logged once); ``stalled_since``: only if that write still has no answer."""
        with self._lock:
            if stalled_since is not None and self._busy_since != stalled_since:
                return
            if self._down_since is not None:
                return
            self._down_since = stalled_since if stalled_since is not None else self._clock()
            self._drained = (0, 0)
        log.warning("store unreachable, buffering in %s: %s", self.outbox.path, reason)

    def _recovered(self) -> None:
        with self._lock:
            if self._down_since is None:
                return
            down_s, (records, alarms) = self._clock() - self._down_since, self._drained
            self._down_since = None
        log.warning("store reachable again after %.0f s; %d records drained from the outbox (%d alarms)",
                    down_s, records, alarms)


def _why(exc: Exception, busy_timeout_ms: int) -> str:
    """A failed write in one line; a SQLite store another writer kept locked says what to do about it."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    if "database is locked" in text:
        return (f"{line}: other writers held the SQLite store's lock longer than {busy_timeout_ms} ms "
                "(a site with more than a few cameras wants PostgreSQL: store.url)")
    return line


def save_snapshot(alarm: AlarmRecord) -> None:
    """Write the alarm's snapshot JPEG to its ``snapshot_path`` (folders created as needed)."""
    if alarm.snapshot_path and alarm.snapshot_jpeg:
        write_private(Path(alarm.snapshot_path), alarm.snapshot_jpeg)
