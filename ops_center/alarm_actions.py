"""Acting on alarms: lifecycle transitions stored with who, when and a note, safe under concurrency.

Every step is a compare-and-set on the alarm's ``version``: when two operators act at once, the
first wins and the second gets a ``ConcurrentChange`` naming the alarm's new status, so the record
stays consistent and the audit trail holds each step once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ops_center.errors import OpsError
from ops_center.lifecycle import OPEN_STATUSES, Status, check_transition
from ops_center.store.models import Alarm, AlarmTransition
from ops_center.store.types import utcnow


class AlarmNotFound(OpsError):
    """No alarm has this id."""


class ConcurrentChange(OpsError):
    """Someone else changed the alarm between reading and writing it."""


def transition(
    session: Session,
    alarm_id: str,
    target: str,
    actor: str,
    *,
    note: str = "",
    reason: str | None = None,
    now: datetime | None = None,
) -> Alarm:
    """Move an alarm to ``target`` (validated by the lifecycle table) and record the step.

    Raises ``TransitionError`` for an illegal move, ``AlarmNotFound`` for an unknown id and
    ``ConcurrentChange`` when another actor changed the alarm first.
    """
    now = now or utcnow()
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise AlarmNotFound(f"no alarm with id {alarm_id!r}")
    src, version = alarm.status, alarm.version
    dst = check_transition(src, target, reason)
    closed_at = now if dst not in OPEN_STATUSES else None
    result = session.execute(
        update(Alarm)
        .where(Alarm.id == alarm_id, Alarm.version == version)
        .values(status=dst.value, version=version + 1, updated_at=now, closed_at=closed_at)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(alarm)
        raise ConcurrentChange(
            f"alarm {alarm_id} was changed meanwhile (it is now {alarm.status}); reload and try again"
        )
    session.add(
        AlarmTransition(
            alarm_id=alarm_id, from_status=src, to_status=dst.value, actor=actor, at=now, note=note, reason=reason
        )
    )
    session.flush()
    session.refresh(alarm)
    return alarm


def audit_trail(session: Session, alarm_id: str) -> list[AlarmTransition]:
    """Every step of an alarm's life, oldest first."""
    return list(
        session.scalars(
            select(AlarmTransition).where(AlarmTransition.alarm_id == alarm_id).order_by(AlarmTransition.id)
        )
    )


__all__ = ["AlarmNotFound", "ConcurrentChange", "Status", "audit_trail", "transition"]
