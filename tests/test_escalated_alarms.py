"""Escalated alarms on a real store, through the real escalation check: they stay in the wall's
critical count, and the wall marks them overdue from the escalation itself, not from a rule of its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from layouts.panels.security import alarm_row
from ops_center.alarm_actions import transition
from ops_center.config import AlarmPolicy, StaleLimits
from ops_center.escalation import EscalationService
from ops_center.queries.common import ReadContext
from ops_center.queries.security import AlarmCounts, AlarmItem, alarm_counts, security_panel
from ops_center.store.db import Store, open_store
from ops_center.store.models import Alarm
from ops_center.vocabulary import Severity
from tests.builders import T0, alarm_record, store_alarm

POLICY = AlarmPolicy(escalate_after_s=30)


def _raise(store: Store, zone: str, severity: Severity) -> str:
    return store_alarm(store, alarm_record(zone, run="escalated", severity=severity, zone_name=zone))


def _items(store: Store, now: datetime) -> dict[str, AlarmItem]:
    ctx = ReadContext(now=now, tz=ZoneInfo("Asia/Shanghai"), stale_after=StaleLimits())
    with store.session() as s:
        return {a.id: a for a in security_panel(s, ctx).alarms}


def _overdue_on_the_wall(item: AlarmItem) -> bool:
    return "alarm-row--overdue" in alarm_row(item, "en").className.split()


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


def test_the_wall_marks_an_alarm_overdue_once_escalation_escalated_it(store_url: str) -> None:
    store = open_store(store_url)
    alarm_id = _raise(store, "lake", Severity.CRITICAL)
    late = T0 + timedelta(seconds=POLICY.escalate_after_s + 5)

    waiting = _items(store, late)[alarm_id]  # past the limit, but no escalation check has run yet
    assert waiting.age_s > POLICY.escalate_after_s and not waiting.escalated
    assert not _overdue_on_the_wall(waiting)

    EscalationService(store, POLICY).check(late)
    escalated = _items(store, late)[alarm_id]
    assert escalated.escalated and escalated.overdue and _overdue_on_the_wall(escalated)

    with store.session() as s:
        transition(s, alarm_id, "acknowledged", "op1", now=late)
    acknowledged = _items(store, late)[alarm_id]
    assert acknowledged.escalated and not acknowledged.overdue and not _overdue_on_the_wall(acknowledged)
    store.dispose()
