"""Acting on alarms: lifecycle transitions stored with who, when and a note, safe under concurrency.

Every step is a compare-and-set on the alarm's ``version``: when two operators act at once, the
first wins and the second gets a ``ConcurrentChange`` naming the alarm's new status, so the record
stays consistent and the audit trail holds each step once.

Dispatching names a guard from the roster: the alarm keeps his id and his roster status follows
the alarm (dispatched -> on_scene -> on_patrol when it closes). ``act`` is what pages call: it
checks the permission table and that a guard acts only on his own dispatches, then transitions.
An audit row whose ``from_status`` equals its ``to_status`` is an annotation (a note, an
escalation), not a move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ops_center.auth.permissions import ALARM_ACTIONS, Action, PermissionDenied, Principal, Role, require
from ops_center.errors import InputError, OpsError
from ops_center.lifecycle import OPEN_STATUSES, Status, check_transition
from ops_center.store.models import Alarm, AlarmTransition, Guard
from ops_center.store.types import utcnow
from ops_center.store.writes import rows_changed
from ops_center.vocabulary import GuardStatus

NOTE_MAX_LENGTH = 500  # characters; the pages' note fields hold as many


class AlarmNotFound(OpsError):
    """No alarm has this id."""


class ConcurrentChange(OpsError):
    """Someone else changed the alarm between reading and writing it."""


_GUARD_STATUS_AFTER: dict[Status, GuardStatus] = {
    Status.DISPATCHED: GuardStatus.DISPATCHED,
    Status.ON_SCENE: GuardStatus.ON_SCENE,
    Status.RESOLVED: GuardStatus.ON_PATROL,
    Status.FALSE_ALARM: GuardStatus.ON_PATROL,
}


def transition(
    session: Session,
    alarm_id: str,
    target: str,
    actor: str,
    *,
    note: str = "",
    reason: str | None = None,
    guard_id: str | None = None,
    now: datetime | None = None,
) -> Alarm:
    """Move an alarm to ``target`` (validated by the lifecycle table) and record the step.

    Dispatching needs ``guard_id`` (a guard on duty, not busy with another open alarm). Raises
    ``TransitionError`` for an illegal move, ``AlarmNotFound`` for an unknown id, ``InputError``
    for a missing or unavailable guard and ``ConcurrentChange`` when another actor changed the
    alarm first.
    """
    now = now or utcnow()
    check_note(note)
    alarm = _get(session, alarm_id)
    src, version = alarm.status, alarm.version
    dst = check_transition(src, target, reason)
    values: dict[str, Any] = {
        "status": dst.value,
        "version": version + 1,
        "updated_at": now,
        "closed_at": now if dst not in OPEN_STATUSES else None,
    }
    if dst is Status.DISPATCHED:
        values["guard_id"] = _available_guard(session, guard_id, alarm_id).id
    elif guard_id is not None:
        raise InputError(f"guard_id: only a dispatch names a guard, not a move to {dst.value}")
    result = session.execute(
        update(Alarm)
        .where(Alarm.id == alarm_id, Alarm.version == version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(result) != 1:
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
    if alarm.guard_id is not None and dst in _GUARD_STATUS_AFTER:
        _set_guard_status(session, alarm.guard_id, _GUARD_STATUS_AFTER[dst], now)
    return alarm


def act(
    session: Session,
    user: Principal,
    alarm_id: str,
    target: str,
    *,
    note: str = "",
    reason: str | None = None,
    guard_id: str | None = None,
    now: datetime | None = None,
) -> Alarm:
    """``transition`` on behalf of ``user``: the permission table must allow the move, and a guard
    may only move alarms dispatched to him. Raises ``PermissionDenied`` otherwise."""
    alarm = _get(session, alarm_id)
    require(user, ALARM_ACTIONS[check_transition(alarm.status, target, reason)])
    _require_own_dispatch(user, alarm)
    return transition(session, alarm_id, target, user.name, note=note, reason=reason, guard_id=guard_id, now=now)


def check_note(note: str) -> None:
    """Raise ``InputError`` for a note longer than ``NOTE_MAX_LENGTH`` characters."""
    if len(note) > NOTE_MAX_LENGTH:
        raise InputError(f"note: at most {NOTE_MAX_LENGTH} characters, not {len(note)}")


def add_note(session: Session, user: Principal, alarm_id: str, note: str, *, now: datetime | None = None) -> None:
    """Add a note to an alarm's audit trail (its status does not change)."""
    require(user, Action.ALARM_NOTE)
    alarm = _get(session, alarm_id)
    _require_own_dispatch(user, alarm)
    if not note.strip():
        raise InputError("note: it is empty")
    check_note(note)
    session.add(
        AlarmTransition(
            alarm_id=alarm_id, from_status=alarm.status, to_status=alarm.status, actor=user.name,
            at=now or utcnow(), note=note.strip(),
        )
    )
    session.flush()


def audit_trail(session: Session, alarm_id: str) -> list[AlarmTransition]:
    """Every step of an alarm's life, oldest first."""
    return list(
        session.scalars(
            select(AlarmTransition).where(AlarmTransition.alarm_id == alarm_id).order_by(AlarmTransition.id)
        )
    )


def open_alarms_of_guard(session: Session, guard_id: str) -> list[Alarm]:
    """The open alarms dispatched to a guard, oldest first (what his phone page lists)."""
    return list(
        session.scalars(
            select(Alarm)
            .where(Alarm.guard_id == guard_id, Alarm.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Alarm.raised_at)
        )
    )


def _get(session: Session, alarm_id: str) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise AlarmNotFound(f"no alarm with id {alarm_id!r}")
    return alarm


def _require_own_dispatch(user: Principal, alarm: Alarm) -> None:
    if user.role is Role.GUARD and (user.guard_id is None or alarm.guard_id != user.guard_id):
        raise PermissionDenied(f"{user.name} (guard) may only act on alarms dispatched to him; alarm {alarm.id} is not")


def _available_guard(session: Session, guard_id: str | None, alarm_id: str) -> Guard:
    if guard_id is None:
        raise InputError("guard_id: a dispatch must name the guard sent")
    guard = session.get(Guard, guard_id, with_for_update=True)  # PostgreSQL: one dispatch per guard at a time
    if guard is None:
        raise InputError(f"guard_id: no guard {guard_id!r} on the roster")
    if guard.status == GuardStatus.OFF_DUTY:
        raise InputError(f"guard_id: {guard.name} ({guard_id}) is off duty")
    busy = [a.id for a in open_alarms_of_guard(session, guard_id) if a.id != alarm_id]
    if busy:
        raise InputError(f"guard_id: {guard.name} ({guard_id}) is still on alarm {busy[0]}")
    return guard


def _set_guard_status(session: Session, guard_id: str, status: GuardStatus, now: datetime) -> None:
    session.execute(
        update(Guard).where(Guard.id == guard_id).values(status=status.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )


__all__ = [
    "NOTE_MAX_LENGTH",
    "AlarmNotFound",
    "ConcurrentChange",
    "GuardStatus",
    "Status",
    "act",
    "add_note",
    "audit_trail",
    "check_note",
    "open_alarms_of_guard",
    "transition",
]
