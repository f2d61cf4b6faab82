"""``ops-center report shift``: alarms handled, response times, SLA misses and false alarms of a shift."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from ops_center.errors import InputError
from ops_center.reports import Figures, ShiftReport, load_shift_report
from ops_center.shift_windows import shift_windows
from ops_center.store.types import check_storable, utcnow
from ops_cli.options import add_config_options, in_store, positive_seconds, site_config

TIME_EXAMPLE = "e.g. 2026-11-29T08:00+08:00"
TIME_HELP = f"ISO 8601 time, {TIME_EXAMPLE} (without an offset: in the site's time zone)"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand (``report shift``)."""
    p = sub.add_parser("report", help="reports over the stored alarms", description=__doc__)
    kinds = p.add_subparsers(dest="report_kind", required=True, metavar="REPORT")
    shift = kinds.add_parser("shift", help="the shift report of the alarms raised between two times")
    shift.add_argument("--since", metavar="TIME",
                       help=f"start of the shift: {TIME_HELP} (default: the start of the site's current shift)")
    shift.add_argument("--until", metavar="TIME", help="end of the shift (default: now)")
    shift.add_argument("--sla-s", type=positive_seconds, metavar="SECONDS",
                       help="target from alarm to resolution (default: the site's alarms.sla_s)")
    shift.add_argument("--json", action="store_true", help="print the report as one JSON object")
    add_config_options(shift)
    shift.set_defaults(run=run_shift)


def parse_time(text: str, option: str, tz: tzinfo) -> datetime:
    """An aware datetime the store can hold, from ISO 8601 text; a time without offset is in ``tz``."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: not an ISO 8601 time ({TIME_EXAMPLE})") from None
    try:
        return check_storable(value if value.tzinfo else value.replace(tzinfo=tz))
    except ValueError as exc:
        raise InputError(f"{option} {text!r}: {exc}") from None


def run_shift(args: argparse.Namespace) -> int:
    """Print the shift report, by the site's time zone, shifts and SLA, as a table or JSON."""
    config = site_config(args)
    tz = ZoneInfo(config.site.timezone)
    now = utcnow().astimezone(tz)
    until = parse_time(args.until, "--until", tz) if args.until else now
    if args.since:
        since = parse_time(args.since, "--since", tz)
    else:
        since = shift_windows(config.site.shifts, tz, now)[0].start.astimezone(tz)  # the config holds one at least
    if until <= since:
        raise InputError(f"--until {until.isoformat()} is not after --since {since.isoformat()}")
    sla_s = args.sla_s or config.alarms.sla_s
    report = in_store(config, lambda session: load_shift_report(session, since, until, sla_s))
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
