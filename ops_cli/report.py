"""``ops-center report shift``: alarms handled, response times, SLA misses and false alarms of a shift."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from ops_center.config import AlarmPolicy
from ops_center.errors import InputError
from ops_center.reports import Figures, ShiftReport, load_shift_report
from ops_center.store.types import utcnow
from ops_cli.options import add_store_options, in_store

TIME_EXAMPLE = "e.g. 2026-11-29T08:00+08:00"
TIME_HELP = f"ISO 8601 time, {TIME_EXAMPLE} (without an offset: this machine's local time)"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand (``report shift``)."""
    p = sub.add_parser("report", help="reports over the stored alarms", description=__doc__)
    kinds = p.add_subparsers(dest="report_kind", required=True, metavar="REPORT")
    shift = kinds.add_parser("shift", help="the shift report of the alarms raised between two times")
    shift.add_argument("--since", required=True, metavar="TIME", help=f"start of the shift: {TIME_HELP}")
    shift.add_argument("--until", metavar="TIME", help="end of the shift (default: now)")
    shift.add_argument("--sla-s", type=float, default=AlarmPolicy().sla_s, metavar="SECONDS",
                       help=f"target from alarm to resolution (default {AlarmPolicy().sla_s:g})")
    shift.add_argument("--json", action="store_true", help="print the report as one JSON object")
    add_store_options(shift)
    shift.set_defaults(run=run_shift)


def parse_time(text: str, option: str) -> datetime:
    """An aware datetime from ISO 8601 text; a time without offset is this machine's local time."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: not an ISO 8601 time ({TIME_EXAMPLE})") from None
    return value if value.tzinfo else value.astimezone()


def run_shift(args: argparse.Namespace) -> int:
    """Print the shift report as a table or JSON."""
    since = parse_time(args.since, "--since")
    until = parse_time(args.until, "--until") if args.until else utcnow()
    if until <= since:
        raise InputError(f"--until {until.isoformat()} is not after --since {since.isoformat()}")
    if args.sla_s <= 0:
        raise InputError(f"--sla-s {args.sla_s:g}: must be more than 0")
    report = in_store(args, lambda session: load_shift_report(session, since, until, args.sla_s))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(render(report))
    return 0


def render(report: ShiftReport) -> str:
    """The report as a plain-text table."""
    lines = [
        f"Shift report {report.since.isoformat(timespec='minutes')} .. {report.until.isoformat(timespec='minutes')}"
        f"  (SLA {report.sla_s:g} s)",
        "",
        f"{'':24} {'alarms':>6} {'resolved':>8} {'false':>5} {'open':>4} {'ack med':>8} {'resolve med':>11} "
        f"{'SLA miss':>8} {'false %':>7}",
        _row(report.total),
    ]
    for title, groups in (("by zone", report.by_zone), ("by guard", report.by_guard)):
        if groups:
            lines += ["", title] + [_row(f) for f in groups]
    return "\n".join(lines)


def _row(f: Figures) -> str:
    rate = "-" if f.false_alarm_rate is None else f"{100 * f.false_alarm_rate:.0f}%"
    return (f"{f.label[:24]:24} {f.alarms:>6} {f.resolved:>8} {f.false_alarms:>5} {f.still_open:>4} "
            f"{_duration(f.median_ack_s):>8} {_duration(f.median_resolve_s):>11} {f.sla_misses:>8} {rate:>7}")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"
