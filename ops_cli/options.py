"""Options several subcommands share: where the store and the data directory are."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


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
