"""Files and folders readable by their owner only: the store, the outbox, snapshots and secrets
hold password hashes, pictures of people and the session key.

Folders this creates get mode 0700 and files 0600 whatever the umask; what exists already keeps its
mode (an operator may have chosen a group on purpose).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parent folders, each readable by its owner only."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is cut by the umask
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty (and its folders) readable by its owner only, unless it exists."""
    private_dir(path.parent)
    if not path.exists():  # a folder in its place is left for the caller to trip over and report
        with contextlib.suppress(FileExistsError):  # made by another process meanwhile
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (folders created), a new file readable by its owner only."""
    private_file(path).write_bytes(data)
