"""``ops-center``: the command line of Ops Center.

Each subcommand lives in its own module with ``register(subparsers)``, which adds its parser and
sets ``run=<function(args) -> int>``. To add a command, add its name and module to ``COMMANDS``.
A command line that names a command imports that command's module alone (``ops-center replay``
starts without loading the password hasher, the escalation loop or the simulator).
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
from ops_cli.startup import starting_up

COMMANDS = {  # command -> the module that registers it
    "replay": "ops_cli.replay",
    "worker": "ops_cli.worker",
    "detector": "ops_cli.detector",
    "cluster": "ops_cli.cluster",
    "alarms": "ops_cli.alarms",
    "users": "ops_cli.users",
    "tokens": "ops_cli.tokens",
    "notices": "ops_cli.notices",
    "report": "ops_cli.report",
    "services": "ops_cli.background",
}


class Parser(argparse.ArgumentParser):
    """A parser whose usage errors are one ``error:`` line (exit 2), like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        """Print the problem in one line and exit with status 2."""
        self.exit(2, f"error: {one_line(message)} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``ops-center`` parser with the subcommand ``command``, or with every one where ``command``
    is none of them (for the overview and the error that lists them); they inherit its one-line errors."""
    parser = Parser(prog="ops-center", description="Ops Center: camera workers, replay and alarms.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in [COMMANDS[command]] if command in COMMANDS else COMMANDS.values():
        importlib.import_module(module).register(sub)
    return parser


def named_command(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names: its first word that is no option (the top level's only option,
    ``--verbose``, takes no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ops-center`` with ``argv``; return the exit status (2 for an error the operator can fix)."""
    own_process = argv is None  # the ops-center command itself, not a caller that goes on (a test)
    argv = sys.argv[1:] if argv is None else list(argv)
    with starting_up(freeze=own_process):
        args = build_parser(named_command(argv)).parse_args(argv)
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
