"""``ops-center tokens``: API tokens for camera workers and sensor gateways (shown once, stored hashed)."""

from __future__ import annotations

import argparse

from ops_center.auth import TOKEN_ROLES, create_token, list_tokens, revoke_token
from ops_cli.options import add_config_options, in_store, site_config


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``tokens`` subcommand with ``add``, ``list`` and ``revoke``."""
    p = sub.add_parser("tokens", help="API tokens for workers and sensors", description=__doc__)
    actions = p.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create a token and print it once")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, metavar="ROLE", help=f"one of: {', '.join(TOKEN_ROLES)}")
    add_config_options(add)
    add.set_defaults(run=run_add)
    show = actions.add_parser("list", help="list tokens (never the tokens themselves)")
    add_config_options(show)
    show.set_defaults(run=run_list)
    revoke = actions.add_parser("revoke", help="stop a token from working")
    revoke.add_argument("name", metavar="NAME")
    add_config_options(revoke)
    revoke.set_defaults(run=run_revoke)


def run_add(args: argparse.Namespace) -> int:
    """Create the token; print it once."""
    _, token = in_store(site_config(args), lambda session: create_token(session, args.name, args.role))
    print(f"added token {args.name} ({args.role})")
    print(f"token (shown once, only its hash is kept): {token}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print every token's name, role and state."""
    rows = in_store(site_config(args), lambda session: [
        (t.name, t.role, "revoked" if t.revoked_at else "active", t.created_at.isoformat(timespec="seconds"))
        for t in list_tokens(session)
    ])
    if not rows:
        print("no tokens")
        return 0
    print(f"{'name':24} {'role':7} {'state':8} created (UTC)")
    for name, role, state, created in rows:
        print(f"{name:24} {role:7} {state:8} {created}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke the token."""
    in_store(site_config(args), lambda session: revoke_token(session, args.name))
    print(f"revoked token {args.name}")
    return 0
