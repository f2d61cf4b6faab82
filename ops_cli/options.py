"""Options several subcommands share: where the store and the data directory are."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from ops_center.store.db import open_store

T = TypeVar("T")


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--db`` and ``--data-dir`` (defaults from ``OPS_DB_URL`` / ``OPS_DATA_DIR``, else ./data)."""
    parser.add_argument(
        "--db", metavar="URL", default=os.environ.get("OPS_DB_URL") or None,
        help="store URL, sqlite:///FILE or postgresql://... (default: $OPS_DB_URL, else DATA_DIR/ops.db)",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", type=Path, default=Path(os.environ.get("OPS_DATA_DIR") or "data"),
        help="folder for snapshots, outbox and the default SQLite store (default: $OPS_DATA_DIR, else ./data)",
    )


def data_dir(args: argparse.Namespace) -> Path:
    """The data directory as an absolute path (stored snapshot paths must not depend on the cwd)."""
    return Path(args.data_dir).resolve()


def store_url(args: argparse.Namespace) -> str:
    """The store URL from ``--db``, or the SQLite file in the data directory."""
    return args.db or f"sqlite:///{(data_dir(args) / 'ops.db').as_posix()}"


def in_store(args: argparse.Namespace, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one session of the store the arguments name (committed on success); close the store."""
    store = open_store(store_url(args))
    try:
        with store.session() as session:
            return work(session)
    finally:
        store.dispose()
