"""Escalated alarms on a real store, through the real escalation check: they stay in the wall's
critical count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ops_center.config import AlarmPolicy
from ops_center.escalation import EscalationService
from ops_center.queries.security import AlarmCounts, alarm_counts
from ops_center.records import AlarmRecord, stable_id
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Alarm
from ops_center.vocabulary import AlarmKind, Severity

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
POLICY = AlarmPolicy(escalate_after_s=30)


def _raise(store: Store, name: str, severity: Severity) -> str:
    record = AlarmRecord(id=stable_id("escalated", name), kind=AlarmKind.DANGER_ZONE, severity=severity,
                         title=f"Person in {name}", raised_at=T0, camera_id="lake-east", zone_name=name)
    with store.session() as s:
        writes.raise_alarm(s, record)
    return record.id


def test_an_escalated_critical_alarm_stays_in_the_critical_count(store_url: str) -> None:
    store = open_store(store_url)
    critical, warning = _raise(store, "lake", Severity.CRITICAL), _raise(store, "pier", Severity.WARNING)
    with store.session() as s:
        assert alarm_counts(s) == AlarmCounts(open=2, unacknowledged=2, critical=1)

    result = EscalationService(store, POLICY).check(T0 + timedelta(seconds=POLICY.escalate_after_s))

    assert sorted(result.escalated) == sorted([critical, warning])
    with store.session() as s:
        assert s.get(Alarm, critical).severity is Severity.EMERGENCY
        assert s.get(Alarm, warning).severity is Severity.CRITICAL
        # critical -> emergency is still critical or worse, and warning -> critical joins it
        assert alarm_counts(s) == AlarmCounts(open=2, unacknowledged=2, critical=2)
    store.dispose()

