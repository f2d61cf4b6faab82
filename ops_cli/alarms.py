"""``ops-center alarms``: list stored alarms, newest first."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy import select

from ops_center.lifecycle import Status
from ops_center.store.models import Alarm
from ops_cli.options import add_config_options, in_store, site_config, whole_number

DESCRIPTION = "List the stored alarms, newest first."
MAX_LIMIT = 100_000


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``alarms`` subcommand."""
    p = sub.add_parser("alarms", help="list stored alarms, newest first", description=DESCRIPTION)
    add_config_options(p)
    p.add_argument("--status", nargs="+", choices=[s.value for s in Status], metavar="STATUS",
                   help=f"only alarms in these states ({', '.join(s.value for s in Status)})")
    p.add_argument("--limit", type=whole_number(1, MAX_LIMIT), default=50, metavar="N",
                   help=f"at most N alarms, 1 to {MAX_LIMIT} (default 50)")
    p.add_argument("--json", action="store_true", help="one JSON object per alarm")
    p.set_defaults(run=run)


def alarm_json(alarm: Any) -> dict[str, Any]:
    """An alarm (stored row or fresh ``AlarmRecord``) as the JSON the CLI prints."""
    return {
        "id": alarm.id,
        "kind": alarm.kind,
        "severity": alarm.severity,
        "status": getattr(alarm, "status", Status.NEW.value),
        "title": alarm.title,
        "camera": alarm.camera_id,
        "zone": alarm.zone_name,
        "track_id": alarm.track_id,
        "frame": alarm.frame_index,
        "t_s": None if alarm.t_s is None else round(alarm.t_s, 3),
        "raised_at": alarm.raised_at.isoformat(),
        "snapshot": alarm.snapshot_path,
    }


def run(args: argparse.Namespace) -> int:
    """Print the alarms."""
    query = select(Alarm).order_by(Alarm.raised_at.desc(), Alarm.id).limit(args.limit)
    if args.status:
        query = query.where(Alarm.status.in_(args.status))
    alarms = in_store(site_config(args), lambda session: [alarm_json(a) for a in session.scalars(query)])
    if args.json:
        for a in alarms:
            print(json.dumps(a, ensure_ascii=False))
        return 0
    if not alarms:
        print("no alarms")
        return 0
    print(f"{'raised at (UTC)':19}  {'status':12} {'severity':8} {'camera':24} {'zone':12} {'track':>5}  title")
    for a in alarms:
        track = "" if a["track_id"] is None else a["track_id"]
        print(f"{a['raised_at'][:19]:19}  {a['status']:12} {a['severity']:8} {a['camera'] or '':24} "
              f"{a['zone'] or '':12} {track:>5}  {a['title']}")
    return 0
