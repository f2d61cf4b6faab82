"""``ops-center users``: add people who log in (operator, guard, manager, admin, resident), list
them, give one a new password, disable or enable one, end all of one's sessions (log out everywhere)."""

from __future__ import annotations

import argparse
import sys

from ops_center.auth import (
    USER_ROLES,
    create_user,
    generate_password,
    list_users,
    log_out_everywhere,
    set_active,
    set_password,
)
from ops_center.errors import InputError
from ops_cli.options import add_config_options, in_store, site_config


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``users`` subcommand with ``add``, ``list``, ``passwd``, ``disable``, ``enable`` and
    ``logout-everywhere``."""
    p = sub.add_parser("users", help="add, list, disable users; reset a password", description=__doc__)
    actions = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user; prints a generated password once unless one is given")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--role", required=True, metavar="ROLE", help=f"one of: {', '.join(USER_ROLES)}")
    add.add_argument("--guard", metavar="GUARD_ID", help="for a guard: his id on the duty roster")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add_config_options(add)
    add.set_defaults(run=run_add)
    show = actions.add_parser("list", help="list users (never their passwords)")
    add_config_options(show)
    show.set_defaults(run=run_list)
    passwd = actions.add_parser("passwd", help="give a user a new password; prints a generated one once")
    passwd.add_argument("username", metavar="USERNAME")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add_config_options(passwd)
    passwd.set_defaults(run=run_passwd)
    for name, active in (("disable", False), ("enable", True)):
        toggle = actions.add_parser(name, help=f"{name} a user (a disabled user cannot sign in or act)")
        toggle.add_argument("username", metavar="USERNAME")
        add_config_options(toggle)
        toggle.set_defaults(run=run_set_active, active=active)
    everywhere = actions.add_parser(
        "logout-everywhere", help="end every session of a user (a lost phone, a copied cookie)"
    )
    everywhere.add_argument("username", metavar="USERNAME")
    add_config_options(everywhere)
    everywhere.set_defaults(run=run_logout_everywhere)


def run_add(args: argparse.Namespace) -> int:
    """Create the user; print the generated password once."""
    password = _new_password(args)
    in_store(site_config(args),
             lambda session: create_user(session, args.username, args.role, password, guard_id=args.guard))
    linked = f", guard {args.guard}" if args.guard else ""
    print(f"added user {args.username} ({args.role}{linked})")
    _show_generated(args, password)
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    """Replace the user's password; print the generated one once."""
    password = _new_password(args)
    in_store(site_config(args), lambda session: set_password(session, args.username, password))
    print(f"new password set for {args.username}")
    _show_generated(args, password)
    return 0


def run_set_active(args: argparse.Namespace) -> int:
    """Enable or disable the user."""
    in_store(site_config(args), lambda session: set_active(session, args.username, args.active))
    print(f"user {args.username} {'enabled' if args.active else 'disabled'}")
    return 0


def run_logout_everywhere(args: argparse.Namespace) -> int:
    """End every session of the user; he must sign in again everywhere."""
    ended = in_store(site_config(args), lambda session: log_out_everywhere(session, args.username))
    print(f"ended {ended} session{'s' if ended != 1 else ''} of {args.username}")
    return 0


def _new_password(args: argparse.Namespace) -> str:
    return _read_password() if args.password_stdin else generate_password()


def _show_generated(args: argparse.Namespace, password: str) -> None:
    if not args.password_stdin:
        print(f"password (shown once, write it down): {password}")


def _read_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InputError("--password-stdin: no password on the first line of stdin")
    return line


def run_list(args: argparse.Namespace) -> int:
    """Print every user with role, linked guard and state."""
    rows = in_store(site_config(args), lambda session: [
        (u.username, u.role, u.guard_id or "", "active" if u.active else "disabled",
         u.created_at.isoformat(timespec="seconds"))
        for u in list_users(session)
    ])
    if not rows:
        print("no users")
        return 0
    print(f"{'username':20} {'role':9} {'guard':12} {'state':8} created (UTC)")
    for name, role, guard, state, created in rows:
        print(f"{name:20} {role:9} {guard:12} {state:8} {created}")
    return 0
