"""Options every subcommand shares (the site's configuration and its overrides) and checked argument types."""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from ops_center.config import CONFIG_ENV, SLUG, Override, SiteConfig, load_config, site_file
from ops_center.config_watch import SiteFile
from ops_center.store.db import open_store

T = TypeVar("T")

# config key -> (the flag that overrides it, its attribute on the parsed arguments)
FLAG_OVERRIDES = {
    "store.url": ("--db", "db"),
    "data_dir": ("--data-dir", "data_dir"),
    "model.path": ("--model", "model"),
}
MAX_ID_LENGTH = 64


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--config`` and its overrides ``--db`` and ``--data-dir`` (applied by ``ops_center.config.load_config``)."""
    parser.add_argument(
        "--config", metavar="FILE", type=Path,
        help=f"the site's YAML file (default: ${CONFIG_ENV}, else the built-in defaults: a SQLite store in ./data)",
    )
    parser.add_argument(
        "--db", metavar="URL",
        help="store URL, sqlite:///FILE or postgresql://... (overrides store.url and $OPS_DB_URL)",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR",
        help="folder for snapshots, outboxes and the default SQLite store (overrides data_dir and $OPS_DATA_DIR)",
    )


def site_config(args: argparse.Namespace) -> SiteConfig:
    """The configuration the arguments name, with the environment's and then the flags' overrides."""
    return load_config(args.config, overrides=flag_overrides(args))


def watched_site_file(args: argparse.Namespace) -> SiteFile | None:
    """The site file the arguments name (``--config``, else ``$OPS_CONFIG``) with the overrides they
    load it with, for a camera to watch; None on the built-in configuration."""
    path = site_file(args.config, os.environ)
    return SiteFile.pinned(path, flag_overrides(args)) if path else None


def flag_overrides(args: argparse.Namespace) -> dict[str, Override]:
    """The config keys the flags given set, each with the flag's name and value."""
    return {
        key: (flag, str(value))
        for key, (flag, attr) in FLAG_OVERRIDES.items()
        if (value := getattr(args, attr, None)) is not None
    }


def worker_options(args: argparse.Namespace) -> list[str]:
    """The override flags given, as a camera worker's command line repeats them."""
    return [part for flag, value in flag_overrides(args).values() for part in (flag, value)]


def in_store(config: SiteConfig, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one session of the site's store (committed on success); close the store."""
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            return work(session)
    finally:
        store.dispose()


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: use a whole number from {low} to {high}")
        return value

    return parse


def positive_seconds(text: str) -> float:
    """An argument type: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: use a number of seconds above 0")
    return value


def identifier(text: str) -> str:
    """An argument type: an id that is safe as a file name (lower-case letters, digits, '-' and '_')."""
    if len(text) > MAX_ID_LENGTH or not re.fullmatch(SLUG, text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: use 1-{MAX_ID_LENGTH} lower-case letters, digits, '-' and '_', starting with a letter or digit"
        )
    return text
