"""The shift report: alarms handled, response times, SLA misses and false alarms, by zone and guard.

``shift_report`` is pure: alarm rows and their audit rows in, figures out. It counts the alarms
raised in ``[since, until)`` and judges each one as it stood at ``until`` (later steps are ignored),
so a report of a past shift reads the same tomorrow. ``load_shift_report`` fetches the rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from statistics import median
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ops_center.lifecycle import Status
from ops_center.store.models import Alarm, AlarmTransition, Guard, Zone
from ops_center.vocabulary import AlarmKind


class AlarmLike(Protocol):
    """What the report reads of an alarm."""

    id: str
    kind: AlarmKind
    zone_name: str | None
    guard_id: str | None
    raised_at: datetime


class StepLike(Protocol):
    """What the report reads of an audit row."""

    alarm_id: str
    from_status: Status | None
    to_status: Status
    at: datetime


@dataclass(frozen=True)
class Outcome:
    """One alarm as it stood at the end of the report window."""

    alarm: AlarmLike
    ack_s: float | None
    closed_as: str | None
    close_s: float | None
    open_s: float

    def missed_sla(self, sla_s: float) -> bool:
        """Closed later than the target, or still open beyond it."""
        return (self.close_s if self.close_s is not None else self.open_s) > sla_s


@dataclass(frozen=True)
class Figures:
    """The figures of one group of alarms (the whole shift, a zone or a guard)."""

    key: str
    label: str
    alarms: int
    resolved: int
    false_alarms: int
    still_open: int
    median_ack_s: float | None
    median_resolve_s: float | None
    sla_misses: int
    false_alarm_rate: float | None


@dataclass(frozen=True)
class ShiftReport:
    """The shift report; ``to_dict`` is its JSON form."""

    since: datetime
    until: datetime
    sla_s: float
    total: Figures
    by_zone: list[Figures]
    by_guard: list[Figures]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (times in ISO 8601)."""
        data = asdict(self)
        data["since"], data["until"] = self.since.isoformat(), self.until.isoformat()
        return data


def outcomes(alarms: Iterable[AlarmLike], steps: Iterable[StepLike], until: datetime) -> list[Outcome]:
    """Each alarm's time to acknowledge and to close, counting only steps taken before ``until``."""
    firsts: dict[tuple[str, str], datetime] = {}
    for step in sorted(steps, key=lambda s: s.at):
        if step.at < until and step.from_status != step.to_status:  # notes and escalations are no moves
            firsts.setdefault((step.alarm_id, step.to_status), step.at)
    out = []
    for alarm in alarms:
        acked = firsts.get((alarm.id, Status.ACKNOWLEDGED.value))
        closed = [
            (firsts[(alarm.id, s)], s)
            for s in (Status.RESOLVED.value, Status.FALSE_ALARM.value)
            if (alarm.id, s) in firsts
        ]
        closed_at, closed_as = min(closed) if closed else (None, None)
        out.append(
            Outcome(
                alarm=alarm,
                ack_s=_seconds(alarm.raised_at, acked),
                closed_as=closed_as,
                close_s=_seconds(alarm.raised_at, closed_at),
                open_s=(until - alarm.raised_at).total_seconds(),
            )
        )
    return out


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def figures(key: str, label: str, group: list[Outcome], sla_s: float) -> Figures:
    """Count and time one group of alarms."""
    resolved = [o for o in group if o.closed_as == Status.RESOLVED.value]
    false_alarms = sum(o.closed_as == Status.FALSE_ALARM.value for o in group)
    closed = len(resolved) + false_alarms
    acks = [o.ack_s for o in group if o.ack_s is not None]
    return Figures(
        key=key,
        label=label,
        alarms=len(group),
        resolved=len(resolved),
        false_alarms=false_alarms,
        still_open=len(group) - closed,
        median_ack_s=median(acks) if acks else None,
        median_resolve_s=median(o.close_s for o in resolved if o.close_s is not None) if resolved else None,
        sla_misses=sum(o.missed_sla(sla_s) for o in group),
        false_alarm_rate=false_alarms / closed if closed else None,
    )


def _grouped(
    items: list[Outcome], key: Callable[[Outcome], str | None], labels: Mapping[str, str], sla_s: float
) -> list[Figures]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in items:
        k = key(o)
        if k is not None:
            groups[k].append(o)
    return [figures(k, labels.get(k, k), groups[k], sla_s) for k in sorted(groups)]


def zone_key(alarm: AlarmLike) -> str:
    """The zone an alarm belongs to; alarms without a zone (a camera offline) group by their kind."""
    return alarm.zone_name or alarm.kind


def shift_report(
    alarms: Iterable[AlarmLike],
    steps: Iterable[StepLike],
    since: datetime,
    until: datetime,
    sla_s: float,
    *,
    zone_labels: Mapping[str, str] | None = None,
    guard_names: Mapping[str, str] | None = None,
) -> ShiftReport:
    """The report of the alarms raised in ``[since, until)`` (pure)."""
    raised = [a for a in alarms if since <= a.raised_at < until]
    ids = {a.id for a in raised}
    items = outcomes(raised, [s for s in steps if s.alarm_id in ids], until)
    return ShiftReport(
        since=since,
        until=until,
        sla_s=sla_s,
        total=figures("all", "all alarms", items, sla_s),
        by_zone=_grouped(items, lambda o: zone_key(o.alarm), zone_labels or {}, sla_s),
        by_guard=_grouped(items, lambda o: o.alarm.guard_id, guard_names or {}, sla_s),
    )


def load_shift_report(session: Session, since: datetime, until: datetime, sla_s: float) -> ShiftReport:
    """Read the shift's alarms, their audit rows, zone labels and guard names; build the report."""
    in_window = (Alarm.raised_at >= since, Alarm.raised_at < until)
    alarms = list(session.scalars(select(Alarm).where(*in_window)))
    steps = session.scalars(
        select(AlarmTransition).where(AlarmTransition.alarm_id.in_(select(Alarm.id).where(*in_window)))
    )
    zone_labels = {name: label for name, label in session.execute(select(Zone.name, Zone.label)) if label}
    guard_names = {guard_id: name for guard_id, name in session.execute(select(Guard.id, Guard.name))}
    return shift_report(alarms, steps, since, until, sla_s, zone_labels=zone_labels, guard_names=guard_names)
