"""Reads for handling alarms: which guard each alarm went to, a guard's own open alarms, and an
alarm's audit trail."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ops_center.alarm_actions import audit_trail, open_alarms_of_guard
from ops_center.lifecycle import Status
from ops_center.queries.common import ReadContext
from ops_center.queries.security import AlarmItem, alarm_item
from ops_center.store.models import Alarm, Guard


@dataclass(frozen=True)
class Assignee:
    """The guard an alarm was dispatched to."""

    id: str
    name: str
    radio_channel: str
    post: str


def assignees(session: Session, alarm_ids: Collection[str]) -> dict[str, Assignee]:
    """The guard of each of ``alarm_ids`` that was dispatched to one, by alarm id."""
    if not alarm_ids:
        return {}
    rows = session.execute(
        select(Alarm.id, Guard.id, Guard.name, Guard.radio_channel, Guard.post)
        .join(Guard, Guard.id == Alarm.guard_id)
        .where(Alarm.id.in_(list(alarm_ids)))
    )
    return {alarm_id: Assignee(guard_id, name, channel, post) for alarm_id, guard_id, name, channel, post in rows}


def guard_alarms(session: Session, ctx: ReadContext, guard_id: str) -> list[AlarmItem]:
    """The open alarms dispatched to ``guard_id``, oldest first, as the pages show alarms."""
    items = (alarm_item(session, ctx, alarm.id) for alarm in open_alarms_of_guard(session, guard_id))
    return [item for item in items if item is not None]


@dataclass(frozen=True)
class TrailStep:
    """One step of an alarm's life: the move (or, when the status stays, an annotation), who, when, why."""

    at: datetime
    from_status: Status | None
    to_status: Status
    actor: str
    note: str
    reason: str | None  # a false alarm's reason code

    @property
    def annotation(self) -> bool:
        """A note or an escalation: the step keeps the alarm's status."""
        return self.from_status == self.to_status


def alarm_trail(session: Session, alarm_id: str) -> list[TrailStep]:
    """Every step of ``alarm_id``'s life, oldest first; empty for an unknown alarm."""
    return [TrailStep(row.at, row.from_status, row.to_status, row.actor, row.note, row.reason)
            for row in audit_trail(session, alarm_id)]
