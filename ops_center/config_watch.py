"""Noticing a changed site file, so a running camera worker takes new zones, lines and spaces without a restart.

The worker runs as a process of its own, perhaps long before the editor saves, and reads the same
file (``--config``): polling the file is what works there without a channel between the dashboard and
every worker. ``SiteFileWatch.poll`` looks at the file's size, modification time and inode at most
once a period (a ``stat``, microseconds); only when they change does it read the file, compare its
fingerprint and load it with the same rules as at start. The editor replaces the file by a rename,
so a worker never reads half a file. ``geometry_update`` says what of a camera the worker may swap
while it runs: its zones, lines, spaces, no-parking areas and motion masks; a new source, rate or model still takes a
restart.

``SiteFile`` is what a worker needs to watch the file, wherever it runs: the path and the overrides
its starter loaded it with (flags, and the ``OPS_*`` variables of the starter's environment, pinned).
It pickles, so a camera actor on a Ray node gets it as an argument (``detectors.cluster``) and
watches the same file on the disk the nodes share, as a local worker process does (``ops_cli.worker``).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ops_center.config import CameraConfig, Override, SiteConfig, env_overrides, load_config
from ops_center.errors import ConfigError

log = logging.getLogger(__name__)

POLL_S = 1.0
GEOMETRY = ("zones", "lines", "spaces", "spaces_file", "no_parking", "motion")
"""The keys of a camera that a running worker takes from a changed site file."""


def geometry_update(running: CameraConfig, loaded: CameraConfig) -> CameraConfig | None:
    """``running`` with the geometry (``GEOMETRY``) of ``loaded``, or None when it is the same."""
    if all(getattr(running, key) == getattr(loaded, key) for key in GEOMETRY):
        return None
    return running.model_copy(update={key: getattr(loaded, key) for key in GEOMETRY})


@dataclass(frozen=True)
class SiteFile:
    """A site file and the overrides its configuration was loaded with, to load it again anywhere."""

    path: Path
    overrides: Mapping[str, Override] = field(default_factory=dict)

    @classmethod
    def pinned(cls, path: str | Path, flags: Mapping[str, Override] | None = None) -> SiteFile:
        """``path`` with this process's ``OPS_*`` overrides and then ``flags``, as ``load_config`` applies them."""
        return cls(Path(path), {**env_overrides(os.environ), **(flags or {})})

    def load(self) -> SiteConfig:
        """The file's configuration now (``${VAR}`` from this process's environment), or ``ConfigError``."""
        return load_config(self.path, overrides=self.overrides)

    def watch(self, period_s: float = POLL_S, *, report_first: bool = False) -> SiteFileWatch:
        """A watch of the file that loads it this way (see ``SiteFileWatch``)."""
        return SiteFileWatch(self.path, self.load, period_s, report_first=report_first)


class SiteFileWatch:
    """Polls one site file; ``poll`` gives the new configuration once each time the file's contents change."""

    def __init__(
        self, path: Path, load: Callable[[], SiteConfig], period_s: float = POLL_S, *, report_first: bool = False
    ) -> None:
        """``load``: how the watcher's owner loads the file (with its environment's and flags' overrides).
        ``report_first``: the first look gives the file's configuration whatever it holds, for an owner
        started from a configuration loaded earlier (a Ray actor restarted with its first arguments)."""
        self.path = path
        self.load = load
        self.period_s = period_s
        self._signature = None if report_first else self._stat()
        self._digest = None if report_first else self._read_digest()
        self._next_at = 0.0

    def poll(self, now: float) -> SiteConfig | None:
        """The file's configuration when its contents changed since the last look, else None. At most one
        look per period (``now``: a monotonic clock). A file that does not load is logged and skipped:
        the worker keeps what it runs until the file is right again."""
        if now < self._next_at:
            return None
        self._next_at = now + self.period_s
        signature = self._stat()
        if signature == self._signature:
            return None
        self._signature = signature
        digest = self._read_digest()
        if digest == self._digest:
            return None
        self._digest = digest
        try:
            return self.load()
        except ConfigError as exc:
            log.error("%s changed but cannot be used, keeping the running configuration: %s", self.path, exc)
            return None

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _read_digest(self) -> str | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            return None
