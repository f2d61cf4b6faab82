"""``ops-center users``: add people who log in (operator, guard, manager, admin) and list them."""

from __future__ import annotations

import argparse
import sys

from ops_center.auth import USER_ROLES, create_user, generate_password, list_users
from ops_center.errors import InputError
from ops_center.store.db import open_store
from ops_cli.options import add_store_options, store_url


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``users`` subcommand with ``add`` and ``list``."""
    p = sub.add_parser("users", help="add and list users", description=__doc__)
    actions = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user; prints a generated password once unless one is given")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--role", required=True, metavar="ROLE", help=f"one of: {', '.join(USER_ROLES)}")
    add.add_argument("--guard", metavar="GUARD_ID", help="for a guard: his id on the duty roster")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add_store_options(add)
    add.set_defaults(run=run_add)
    show = actions.add_parser("list", help="list users (never their passwords)")
    add_store_options(show)
    show.set_defaults(run=run_list)


def run_add(args: argparse.Namespace) -> int:
    """Create the user; print the generated password once."""
    generated = not args.password_stdin
    password = generate_password() if generated else _read_password()
    store = open_store(store_url(args))
    try:
        with store.session() as session:
            create_user(session, args.username, args.role, password, guard_id=args.guard)
    finally:
        store.dispose()
    linked = f", guard {args.guard}" if args.guard else ""
    print(f"added user {args.username} ({args.role}{linked})")
    if generated:
        print(f"password (shown once, write it down): {password}")
    return 0


def _read_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InputError("--password-stdin: no password on the first line of stdin")
    return line


def run_list(args: argparse.Namespace) -> int:
    """Print every user with role, linked guard and state."""
    store = open_store(store_url(args))
    try:
        with store.session() as session:
            rows = [(u.username, u.role, u.guard_id or "", "active" if u.active else "disabled",
                     u.created_at.isoformat(timespec="seconds")) for u in list_users(session)]
    finally:
        store.dispose()
    if not rows:
        print("no users")
        return 0
    print(f"{'username':20} {'role':9} {'guard':12} {'state':8} created (UTC)")
    for name, role, guard, state, created in rows:
        print(f"{name:20} {role:9} {guard:12} {state:8} {created}")
    return 0
