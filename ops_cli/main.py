"""``ops-center``: the command line of Ops Center.

Each subcommand lives in its own module with ``register(subparsers)``, which adds its parser and
sets ``run=<function(args) -> int>``. To add a command, add its module name to ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ops_center.errors import OpsError

COMMANDS = [
    "ops_cli.replay",
    "ops_cli.worker",
    "ops_cli.detector",
    "ops_cli.cluster",
    "ops_cli.alarms",
    "ops_cli.users",
    "ops_cli.tokens",
    "ops_cli.notices",
    "ops_cli.report",
    "ops_cli.background",
]


class Parser(argparse.ArgumentParser):
    """A parser whose usage errors are one ``error:`` line (exit 2), like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        """Print the problem in one line and exit with status 2."""
        self.exit(2, f"error: {one_line(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``ops-center`` parser with every registered subcommand (they inherit its one-line errors)."""
    parser = Parser(prog="ops-center", description="Ops Center: camera workers, replay and alarms.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ops-center`` with ``argv``; return the exit status (2 for an error the operator can fix)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for ours in ("detectors", "ops_center", "ops_cli"):
        logging.getLogger(ours).setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return int(args.run(args))
    except OpsError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """The reader of our output closed it (``ops-center alarms | head``): stop quietly, as ``cat`` does.
    Standard output is pointed at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe


def one_line(text: str) -> str:
    """``text`` with its lines joined by "; " (driver messages can span several lines)."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


if __name__ == "__main__":
    sys.exit(main())
