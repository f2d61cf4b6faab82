"""One worker process per enabled camera: started, watched, restarted with backoff, stopped cleanly.

Each worker is ``python -m ops_cli.main worker --config FILE [--db URL] [--data-dir DIR] --camera ID``
(the supervisor's own overrides), so a crash or a hung model in one camera never takes another down.
With ``model.shared`` the supervisor also runs the host's shared detector (``ops-center detector``),
started before the cameras and restarted like them; the cameras carry on without detections while
it is down.
A worker that exits is restarted after a backoff delay (1 s doubling to 30 s; back to 1 s once it
has run for a minute). A worker that ends with status 0 by itself (a video file that does not loop)
is left finished.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from detectors.backoff import Backoff
from ops_center.config import load_config

log = logging.getLogger(__name__)

DETECTOR = "detector:shared"  # the shared detector's slot (no camera id has a colon)

STABLE_AFTER_S = 60.0
POLL_S = 0.5


class ProcessState(StrEnum):
    """Where a camera's worker (or the shared detector) stands, under the local supervisor or on Ray."""

    RUNNING = "running"
    RESTARTING = "restarting"  # died; started again after a backoff
    FAILED = "failed"  # on Ray: its loop raised, and Ray starts the actor again
    FINISHED = "finished"  # its source ended (a file)
    STOPPED = "stopped"  # asked to stop


@dataclass
class _Slot:
    """One process (a camera's worker, or the shared detector) and its restart state."""

    name: str
    command: list[str]  # the ``ops-center`` subcommand and its own arguments
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float | None = None
    finished: bool = False
    backoff: Backoff = field(default_factory=Backoff)


class Supervisor:
    """Runs and watches the workers of every enabled camera in a site file."""

    def __init__(
        self, config_path: Path | None, env: Mapping[str, str] | None = None, options: Sequence[str] = ()
    ) -> None:
        """Read the site file (``ConfigError`` when invalid); ``env`` replaces the workers' environment and
        ``options`` (``--db URL``, ``--data-dir DIR``) go on each worker's command line after ``--config``."""
        self.config_path = None if config_path is None else Path(config_path)
        self.env = dict(os.environ if env is None else env)
        self.options = list(options)
        config = load_config(self.config_path, self.env)
        cameras = [_Slot(cam.id, ["worker", "--camera", cam.id]) for cam in config.cameras if cam.enabled]
        shared = [_Slot(DETECTOR, ["detector"])] if config.model.shared and cameras else []
        self._slots = shared + cameras  # the detector first: the cameras connect to it
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def start(self) -> None:
        """Start every worker and the thread that restarts them."""
        with self._lock:
            for slot in self._slots:
                self._spawn(slot)
        self._thread.start()

    def status(self) -> dict[str, ProcessState]:
        """Each camera's worker (and the shared detector, ``DETECTOR``): running, restarting, finished or stopped."""
        with self._lock:
            return {slot.name: self._state(slot) for slot in self._slots}

    def pids(self) -> dict[str, int | None]:
        """Each camera's worker process id, and the shared detector's (None while it is not running)."""
        with self._lock:
            return {s.name: s.process.pid if s.process and s.process.poll() is None else None for s in self._slots}

    def stop(self, timeout_s: float = 10) -> None:
        """SIGTERM every worker, wait up to ``timeout_s`` for them to finish, then kill the rest."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            running = [s.process for s in self._slots if s.process is not None and s.process.poll() is None]
            for proc in running:
                proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            for proc in running:
                try:
                    proc.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning("worker pid %d did not stop within %.0f s; killing it", proc.pid, timeout_s)
                    proc.kill()
                    proc.wait()

    def _state(self, slot: _Slot) -> ProcessState:
        if slot.finished:
            return ProcessState.FINISHED
        if self._stop.is_set():
            return ProcessState.STOPPED
        if slot.process is not None and slot.process.poll() is None:
            return ProcessState.RUNNING
        return ProcessState.RESTARTING

    def _spawn(self, slot: _Slot) -> None:
        cmd = [sys.executable, "-m", "ops_cli.main", *slot.command]
        if self.config_path is not None:
            cmd += ["--config", str(self.config_path)]
        cmd += self.options
        slot.process = subprocess.Popen(cmd, env=self.env)
        slot.started = time.monotonic()
        slot.restart_at = None
        log.info("%s: worker started (pid %d)", slot.name, slot.process.pid)

    def _watch(self) -> None:
        while not self._stop.wait(POLL_S):
            with self._lock:
                if self._stop.is_set():
                    return
                for slot in self._slots:
                    self._check(slot)

    def _check(self, slot: _Slot) -> None:
        now = time.monotonic()
        if slot.finished or slot.process is None:
            return
        code = slot.process.poll()
        if code is None:
            if now - slot.started >= STABLE_AFTER_S:
                slot.backoff.reset()
            return
        if code == 0:
            slot.finished = True
            log.info("%s: worker finished", slot.name)
            return
        if slot.restart_at is None:
            delay = slot.backoff.next_delay()
            slot.restart_at = now + delay
            log.warning("%s: worker exited with status %d; restarting in %g s", slot.name, code, delay)
        elif now >= slot.restart_at:
            self._spawn(slot)
