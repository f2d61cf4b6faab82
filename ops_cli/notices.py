"""``ops-center notices``: post a community notice for the residents' page, list the notices, take
one down; as a named admin account (``--by``), which the notice's row keeps with the time."""

from __future__ import annotations

import argparse
import json

from sqlalchemy.orm import Session

from ops_center.auth import Principal, load_principal
from ops_center.errors import InputError
from ops_center.notices import DEFAULT_DAYS, MAX_DAYS, NoticeItem, list_notices, post_notice, remove_notice
from ops_center.store.types import utcnow
from ops_cli.options import add_config_options, in_store, site_config, whole_number


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``notices`` subcommand with ``post``, ``list`` and ``remove``."""
    p = sub.add_parser("notices", help="community notices on the residents' page", description=__doc__)
    actions = p.add_subparsers(dest="notices_command", required=True, metavar="ACTION")
    post = actions.add_parser("post", help="post a notice, shown from now for --days days")
    post.add_argument("--by", required=True, metavar="ADMIN", help="the admin account that posts it")
    post.add_argument("--title", required=True)
    post.add_argument("--body", required=True)
    post.add_argument("--days", type=whole_number(1, MAX_DAYS), default=DEFAULT_DAYS,
                      help=f"how long it is shown (default {DEFAULT_DAYS})")
    add_config_options(post)
    post.set_defaults(run=run_post)
    show = actions.add_parser("list", help="the notices shown now (--all: the expired and removed too)")
    show.add_argument("--all", action="store_true", help="also the expired and removed ones")
    show.add_argument("--json", action="store_true", help="one JSON object per notice")
    add_config_options(show)
    show.set_defaults(run=run_list)
    remove = actions.add_parser("remove", help="take a notice off the residents' page")
    remove.add_argument("notice_id", metavar="ID", type=whole_number(1, 2**31 - 1))
    remove.add_argument("--by", required=True, metavar="ADMIN", help="the admin account that removes it")
    add_config_options(remove)
    remove.set_defaults(run=run_remove)


def _admin(session: Session, name: str) -> Principal:
    principal = load_principal(session, name)
    if principal is None:
        raise InputError(f"--by: no enabled user named {name!r}")
    return principal


def run_post(args: argparse.Namespace) -> int:
    """Post the notice; print its id."""
    notice = in_store(site_config(args), lambda session: post_notice(
        session, _admin(session, args.by), args.title, args.body, args.days, utcnow()))
    print(f"posted notice {notice.id}, shown until {notice.expires_at.isoformat(timespec='minutes')}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    """Take the notice down."""
    notice = in_store(site_config(args), lambda session: remove_notice(
        session, _admin(session, args.by), args.notice_id, utcnow()))
    print(f"removed notice {notice.id} (by {notice.removed_by})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the notices, newest first."""
    items = in_store(site_config(args), lambda session: list_notices(session, utcnow(), include_past=args.all))
    for n in items:
        print(json.dumps(_as_json(n), ensure_ascii=False) if args.json else
              f"{n.id:5} {n.posted_at:%Y-%m-%d %H:%M} {n.posted_by:12} {_state(n):24} {n.title}")
    if not items and not args.json:
        print("no notices")
    return 0


def _state(n: NoticeItem) -> str:
    if n.removed_at is not None:
        return f"removed by {n.removed_by}"
    return f"until {n.expires_at:%Y-%m-%d %H:%M}"


def _as_json(n: NoticeItem) -> dict[str, object]:
    times = {"posted_at": n.posted_at, "expires_at": n.expires_at, "removed_at": n.removed_at}
    return {"id": n.id, "title": n.title, "body": n.body, "posted_by": n.posted_by, "removed_by": n.removed_by,
            **{key: at.isoformat() if at else None for key, at in times.items()}}
