"""Escalation: unacknowledged alarms rise in severity and notify; silent workers and offline cameras
become alarms.

The decisions are pure (open alarms, heartbeats, now and the policy in; what to do out), so they are
tested without a store. ``EscalationService`` applies them to the store, each change at most once
even when several dashboards run the loop, and then notifies; ``run_escalation_loop`` repeats that
until told to stop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ops_center.config import AlarmPolicy
from ops_center.errors import OpsError
from ops_center.lifecycle import OPEN_STATUSES, Status
from ops_center.notify import Delivery, Notifier
from ops_center.records import AlarmRecord, stable_id
from ops_center.store import writes
from ops_center.store.db import Store
from ops_center.store.models import Alarm, AlarmTransition, Camera, CameraHeartbeat
from ops_center.store.types import utcnow
from ops_center.vocabulary import AlarmKind, CameraState, Severity

log = logging.getLogger(__name__)

ESCALATION_ACTOR = "system:escalation"
OUTAGE_KINDS: tuple[AlarmKind, ...] = (AlarmKind.WORKER_SILENT, AlarmKind.CAMERA_OFFLINE)


class AlarmLike(Protocol):
    """What escalation reads of an alarm."""

    id: str
    status: Status
    severity: Severity
    raised_at: datetime
    escalated_at: datetime | None


class HeartbeatLike(Protocol):
    """What outage detection reads of a camera worker's heartbeat."""

    camera_id: str
    status: CameraState
    updated_at: datetime
    started_at: datetime
    last_frame_at: datetime | None


class CameraLike(Protocol):
    """A camera's name and place, for the alarm's title."""

    name: str
    place: str


@dataclass(frozen=True)
class Escalation:
    """An alarm whose severity rises because nobody acknowledged it in time."""

    alarm_id: str
    from_severity: Severity
    to_severity: Severity


def due_escalations(alarms: Iterable[AlarmLike], now: datetime, policy: AlarmPolicy) -> list[Escalation]:
    """The alarms still ``new`` ``escalate_after_s`` after they were raised and not escalated yet."""
    return [
        Escalation(a.id, a.severity, a.severity.raised())
        for a in alarms
        if a.status == Status.NEW
        and a.escalated_at is None
        and (now - a.raised_at).total_seconds() >= policy.escalate_after_s
    ]


def outage_alarms(
    heartbeats: Iterable[HeartbeatLike],
    now: datetime,
    policy: AlarmPolicy,
    cameras: Mapping[str, CameraLike] | None = None,
    open_outages: Collection[tuple[AlarmKind, str | None]] = (),
) -> list[AlarmRecord]:
    """Alarms for workers that stopped sending heartbeats and for cameras their worker reports lost.

    Each outage gets a stable id (camera + the last sign of life), so checking again during the
    same outage yields the same alarm, and the store keeps it once. ``open_outages`` holds the
    ``(kind, camera_id)`` of outage alarms still open: while one is open the camera raises no other
    of that kind, so a worker that the supervisor restarts again and again (each run a new start
    time) does not raise one alarm per restart.
    """
    found = _outages(heartbeats, now, policy.camera_offline_after_s, cameras or {})
    return [alarm for alarm in found if (alarm.kind, alarm.camera_id) not in open_outages]


def _outages(
    heartbeats: Iterable[HeartbeatLike], now: datetime, limit: float, cameras: Mapping[str, CameraLike]
) -> list[AlarmRecord]:
    out = []
    for beat in heartbeats:
        if beat.status == CameraState.STOPPED:  # shut down on purpose
            continue
        camera = cameras.get(beat.camera_id)
        name, place = (camera.name, camera.place) if camera else (beat.camera_id, "")
        if (now - beat.updated_at).total_seconds() > limit:
            title = f"Worker of camera {name} silent"
            out.append(_outage(beat, AlarmKind.WORKER_SILENT, beat.updated_at, now, title, place))
            continue
        last_seen = beat.last_frame_at or beat.started_at
        lost = beat.status == CameraState.OFFLINE or (
            beat.status == CameraState.RECONNECTING and (now - last_seen).total_seconds() > limit
        )
        if lost:
            out.append(_outage(beat, AlarmKind.CAMERA_OFFLINE, last_seen, now, f"Camera {name} offline", place))
    return out


def _outage(
    beat: HeartbeatLike, kind: AlarmKind, since: datetime, now: datetime, title: str, place: str
) -> AlarmRecord:
    return AlarmRecord(
        id=stable_id(kind, beat.camera_id, since.isoformat()),
        kind=kind,
        severity=Severity.WARNING,
        title=title,
        raised_at=now,
        camera_id=beat.camera_id,
        place=place,
        details={"last_seen_at": since.isoformat(), "heartbeat_status": beat.status},
    )


def escalation_message(alarm: Alarm, escalation: Escalation, policy: AlarmPolicy) -> dict[str, Any]:
    """The JSON body sent by webhook and MQTT when an alarm escalates."""
    return {
        "event": "alarm.escalated",
        "alarm": {
            "id": alarm.id,
            "kind": alarm.kind,
            "title": alarm.title,
            "status": alarm.status,
            "severity": escalation.to_severity,
            "previous_severity": escalation.from_severity,
            "camera_id": alarm.camera_id,
            "zone_name": alarm.zone_name,
            "place": alarm.place,
            "raised_at": alarm.raised_at.isoformat(),
            "escalated_at": alarm.escalated_at.isoformat() if alarm.escalated_at else None,
        },
        "unacknowledged_after_s": policy.escalate_after_s,
    }


@dataclass
class CheckResult:
    """What one escalation check changed and how the notifications went."""

    escalated: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


class EscalationService:
    """Applies escalations and outage alarms to the store, then notifies."""

    def __init__(self, store: Store, policy: AlarmPolicy, notifier: Notifier | None = None) -> None:
        self.store = store
        self.policy = policy
        self.notifier = notifier or Notifier.from_policy(policy)

    def check(self, now: datetime | None = None) -> CheckResult:
        """One pass: raise outage alarms, escalate overdue alarms, notify about each escalation."""
        now = now or utcnow()
        result = CheckResult()
        messages = []
        with self.store.session() as s:
            outages = outage_alarms(self._heartbeats(s), now, self.policy, self._cameras(s), self._open_outages(s))
            for record in outages:
                if writes.raise_alarm(s, record):
                    result.raised.append(record.id)
            candidates = s.scalars(select(Alarm).where(Alarm.status == Status.NEW.value, Alarm.escalated_at.is_(None)))
            for esc in due_escalations(candidates, now, self.policy):
                if self._escalate(s, esc, now):
                    result.escalated.append(esc.alarm_id)
                    escalated = s.get_one(Alarm, esc.alarm_id)
                    messages.append(escalation_message(escalated, esc, self.policy))
        for message in messages:  # after the commit: only notify about what is on record
            result.deliveries.extend(self.notifier.send(message))
        return result

    @staticmethod
    def _heartbeats(s: Session) -> list[CameraHeartbeat]:
        disabled = select(Camera.id).where(Camera.enabled.is_(False))
        return list(s.scalars(select(CameraHeartbeat).where(CameraHeartbeat.camera_id.not_in(disabled))))

    @staticmethod
    def _open_outages(s: Session) -> set[tuple[AlarmKind, str | None]]:
        open_ = [st.value for st in OPEN_STATUSES]
        query = select(Alarm.kind, Alarm.camera_id).where(Alarm.kind.in_(OUTAGE_KINDS), Alarm.status.in_(open_))
        return {(kind, camera_id) for kind, camera_id in s.execute(query)}

    @staticmethod
    def _cameras(s: Session) -> dict[str, Camera]:
        return {c.id: c for c in s.scalars(select(Camera))}

    def _escalate(self, s: Session, esc: Escalation, now: datetime) -> bool:
        """Escalate once: the update only matches while the alarm is still new and not escalated."""
        result = s.execute(
            update(Alarm)
            .where(Alarm.id == esc.alarm_id, Alarm.status == Status.NEW.value, Alarm.escalated_at.is_(None))
            .values(severity=esc.to_severity, escalated_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        done = writes.rows_changed(result) == 1
        if done:
            s.add(
                AlarmTransition(
                    alarm_id=esc.alarm_id, from_status=Status.NEW.value, to_status=Status.NEW.value, actor=ESCALATION_ACTOR,
                    at=now, note=f"not acknowledged within {self.policy.escalate_after_s:g} s: "
                    f"severity {esc.from_severity} -> {esc.to_severity}",
                )
            )
            s.flush()
            s.expire_all()
        return done


def run_escalation_loop(
    store: Store,
    policy: AlarmPolicy,
    interval_s: float,
    stop_event: threading.Event,
    notifier: Notifier | None = None,
) -> None:
    """Check every ``interval_s`` until ``stop_event`` is set; a failed check is logged, not fatal.

    Even an unexpected error only costs one check: a silently dead thread would stop every
    escalation and outage alarm of the site.
    """
    service = EscalationService(store, policy, notifier)
    while not stop_event.is_set():
        try:
            service.check()
        except (OpsError, SQLAlchemyError) as exc:  # the store is down or busy: try again next time
            log.warning("escalation check failed: %s", exc)
        except Exception:
            log.exception("escalation check failed unexpectedly; checking again in %g s", interval_s)
        stop_event.wait(interval_s)
