"""Security panel: open alarms with their age, the newest alarm waiting for an operator, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from ops_center.lifecycle import OPEN_STATUSES, Status
from ops_center.queries.common import ReadContext, count_if
from ops_center.store.models import Alarm, Camera, Snapshot, Zone
from ops_center.vocabulary import AlarmKind, Severity

_OPEN = [s.value for s in OPEN_STATUSES]


@dataclass(frozen=True)
class AlarmItem:
    """An alarm as the wall shows it: what, where, since when, and whether it has a snapshot."""

    id: str
    kind: AlarmKind
    severity: Severity
    status: Status
    title: str
    camera_id: str | None
    camera_name: str | None
    zone_name: str | None
    zone_label: str | None
    place: str
    raised_at: datetime
    age_s: float
    escalated: bool
    has_snapshot: bool
    closed_at: datetime | None = None

    @property
    def zone_display(self) -> str | None:
        """The zone's label, or its name where it has no label."""
        return self.zone_label or self.zone_name

    @property
    def overdue(self) -> bool:
        """Escalated and still waiting for an operator: nobody acknowledged it in time."""
        return self.escalated and self.status == Status.NEW


@dataclass(frozen=True)
class AlarmCounts:
    """How many alarms are open, how many nobody has acknowledged yet, how many are critical or worse."""

    open: int
    unacknowledged: int
    critical: int


@dataclass(frozen=True)
class SecurityPanel:
    """The security module: counts, the open alarms (newest first) and the camera to show live."""

    counts: AlarmCounts
    alarms: list[AlarmItem]
    live_camera_id: str | None


def _alarm_select() -> Select:
    return (
        select(
            Alarm,
            Camera.name.label("camera_name"),
            Zone.label.label("zone_label"),
            Snapshot.alarm_id.label("snapshot_id"),
        )
        .outerjoin(Camera, Camera.id == Alarm.camera_id)
        .outerjoin(Zone, and_(Zone.camera_id == Alarm.camera_id, Zone.name == Alarm.zone_name))
        .outerjoin(Snapshot, Snapshot.alarm_id == Alarm.id)
    )


def _items(session: Session, ctx: ReadContext, stmt: Select) -> list[AlarmItem]:
    return [
        AlarmItem(
            id=alarm.id,
            kind=alarm.kind,
            severity=alarm.severity,
            status=alarm.status,
            title=alarm.title,
            camera_id=alarm.camera_id,
            camera_name=camera_name,
            zone_name=alarm.zone_name,
            zone_label=zone_label or None,
            place=alarm.place,
            raised_at=alarm.raised_at,
            age_s=ctx.age_s(alarm.raised_at),
            escalated=alarm.escalated_at is not None,
            has_snapshot=snapshot_id is not None,
            closed_at=alarm.closed_at,
        )
        for alarm, camera_name, zone_label, snapshot_id in session.execute(stmt)
    ]


def open_alarms(session: Session, ctx: ReadContext, limit: int = 20) -> list[AlarmItem]:
    """The open alarms, newest first."""
    stmt = _alarm_select().where(Alarm.status.in_(_OPEN)).order_by(Alarm.raised_at.desc()).limit(limit)
    return _items(session, ctx, stmt)


def recent_alarms(session: Session, ctx: ReadContext, limit: int = 50) -> list[AlarmItem]:
    """The most recent alarms in any status, newest first (for the alarm list page)."""
    return _items(session, ctx, _alarm_select().order_by(Alarm.raised_at.desc()).limit(limit))


def alarm_item(session: Session, ctx: ReadContext, alarm_id: str) -> AlarmItem | None:
    """One alarm by id, or None."""
    items = _items(session, ctx, _alarm_select().where(Alarm.id == alarm_id))
    return items[0] if items else None


def newest_unacknowledged_id(session: Session) -> str | None:
    """The id of the newest alarm nobody has acknowledged yet (a cheap query for the popup)."""
    stmt = (
        select(Alarm.id)
        .where(Alarm.status == Status.NEW.value)
        .order_by(Alarm.raised_at.desc(), Alarm.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def alarm_counts(session: Session) -> AlarmCounts:
    """Counts of open, unacknowledged and critical (or escalated further) open alarms, in one query."""
    severe = Alarm.severity.in_(Severity.CRITICAL.at_least())
    stmt = select(func.count(), count_if(Alarm.status == Status.NEW.value), count_if(severe)).where(
        Alarm.status.in_(_OPEN)
    )
    total, new, critical = session.execute(stmt).one()
    return AlarmCounts(open=total, unacknowledged=int(new or 0), critical=int(critical or 0))


def security_panel(session: Session, ctx: ReadContext, limit: int = 8) -> SecurityPanel:
    """Everything the security module shows; the live tile follows the newest open alarm's camera."""
    alarms = open_alarms(session, ctx, limit)
    live = next((a.camera_id for a in alarms if a.camera_id), None)
    if live is None:
        live = session.scalar(select(Camera.id).where(Camera.enabled.is_(True)).order_by(Camera.id).limit(1))
    return SecurityPanel(counts=alarm_counts(session), alarms=alarms, live_camera_id=live)


def snapshot_jpeg(session: Session, alarm_id: str) -> bytes | None:
    """The stored evidence JPEG of an alarm, or None."""
    return session.scalar(select(Snapshot.jpeg).where(Snapshot.alarm_id == alarm_id))


def dispatched_guard(session: Session, alarm_id: str) -> str | None:
    """The roster id of the guard an alarm is (or was last) dispatched to, or None."""
    return session.scalar(select(Alarm.guard_id).where(Alarm.id == alarm_id))
