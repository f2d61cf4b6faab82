"""The reads behind the console's audit trail and the guard's roster line, on a real SQLite file and
a real PostgreSQL server: frozen result objects, never ORM rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ops_center.alarm_actions import add_note, transition
from ops_center.auth import Principal, Role
from ops_center.config import StaleLimits
from ops_center.queries.common import ReadContext
from ops_center.queries.guards import roster_entry
from ops_center.queries.handling import TrailStep, alarm_trail
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Guard
from tests.builders import alarm_record

RAISED = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    yield store
    store.dispose()


def _ctx(now: datetime) -> ReadContext:
    limits = StaleLimits(**{domain: 60.0 for domain in StaleLimits.model_fields})
    return ReadContext(now=now, tz=ZoneInfo("Asia/Shanghai"), stale_after=limits)


def test_the_trail_lists_every_step_oldest_first_with_a_note_as_an_annotation(store: Store) -> None:
    record = alarm_record(1, run="trail", title="Person in the lake", raised_at=RAISED, camera_id=None, zone_name=None)
    with store.session() as s:
        writes.raise_alarm(s, record)
        transition(s, record.id, "acknowledged", "op1", now=RAISED + timedelta(seconds=20))
        add_note(s, Principal(name="op1", role=Role.OPERATOR), record.id, "radioed CH2",
                 now=RAISED + timedelta(seconds=30))
        transition(s, record.id, "false_alarm", "op1", reason="staff", note="gardener",
                   now=RAISED + timedelta(seconds=90))
    with store.session() as s:
        trail = alarm_trail(s, record.id)
        unknown = alarm_trail(s, "no-such-alarm")
    assert trail == [
        TrailStep(RAISED, None, "new", "system", "Person in the lake", None),
        TrailStep(RAISED + timedelta(seconds=20), "new", "acknowledged", "op1", "", None),
        TrailStep(RAISED + timedelta(seconds=30), "acknowledged", "acknowledged", "op1", "radioed CH2", None),
        TrailStep(RAISED + timedelta(seconds=90), "acknowledged", "false_alarm", "op1", "gardener", "staff"),
    ]
    assert [step.annotation for step in trail] == [False, False, True, False]
    assert unknown == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        trail[0].note = "changed"  # type: ignore[misc]


def test_a_guard_reads_his_own_roster_entry_stamped_with_its_age(store: Store) -> None:
    changed = RAISED - timedelta(seconds=90)
    with store.session() as s:
        s.add(Guard(id="g1", name="Wang Wei", radio_channel="CH2", post="Lake path", status="dispatched",
                    updated_at=changed))
    with store.session() as s:
        entry = roster_entry(s, _ctx(RAISED), "g1")
        missing = roster_entry(s, _ctx(RAISED), "g9")
    assert entry is not None and missing is None
    assert (entry.id, entry.name, entry.radio_channel, entry.post, entry.status) == (
        "g1", "Wang Wei", "CH2", "Lake path", "dispatched")
    assert (entry.updated.at, entry.updated.age_s, entry.updated.stale) == (changed, 90.0, True)
