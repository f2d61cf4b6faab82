"""The alarm lifecycle: every legal and illegal move, stored with who and when, under concurrency."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ops_center.alarm_actions import AlarmNotFound, ConcurrentChange, audit_trail, transition
from ops_center.lifecycle import FALSE_ALARM_REASONS, TRANSITIONS, Status, TransitionError, check_transition, is_open
from ops_center.records import AlarmRecord, stable_id
from ops_center.store import writes
from ops_center.store.db import open_store
from ops_center.store.models import Alarm

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
LEGAL = {
    ("new", "acknowledged"), ("new", "false_alarm"),
    ("acknowledged", "dispatched"), ("acknowledged", "resolved"), ("acknowledged", "false_alarm"),
    ("dispatched", "on_scene"), ("dispatched", "resolved"), ("dispatched", "false_alarm"),
    ("on_scene", "resolved"), ("on_scene", "false_alarm"),
}


@pytest.mark.parametrize(("src", "dst"), list(itertools.product(Status, Status)))
def test_every_pair_of_states_is_legal_exactly_when_the_table_says(src: Status, dst: Status) -> None:
    if (src.value, dst.value) in LEGAL:
        assert check_transition(src, dst, reason="staff") is dst
    else:
        with pytest.raises(TransitionError, match=src.value):
            check_transition(src, dst, reason="staff")


def test_the_table_is_the_documented_one() -> None:
    assert {(s.value, d.value) for s, ds in TRANSITIONS.items() for d in ds} == LEGAL
    assert [s for s in Status if is_open(s)] == [Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SCENE]


def test_a_false_alarm_needs_a_known_reason() -> None:
    with pytest.raises(TransitionError, match="reason code"):
        check_transition("new", "false_alarm")
    with pytest.raises(TransitionError, match="reason code"):
        check_transition("new", "false_alarm", reason="bored")
    assert check_transition("new", "false_alarm", reason=FALSE_ALARM_REASONS[0]) is Status.FALSE_ALARM


def _alarm(store_url: str) -> tuple[object, str]:
    store = open_store(store_url)
    record = AlarmRecord(id=stable_id("a"), kind="danger_zone", severity="critical", title="Person in lake",
                         raised_at=T0, camera_id="lake-east", zone_name="lake")
    with store.session() as s:
        writes.raise_alarm(s, record)
    return store, record.id


def test_the_reference_scene_is_stored_step_by_step(store_url: str) -> None:
    store, alarm_id = _alarm(store_url)
    steps = [("acknowledged", "op1"), ("dispatched", "op1"), ("on_scene", "guard7"), ("resolved", "guard7")]
    for i, (status, actor) in enumerate(steps, start=1):
        with store.session() as s:
            transition(s, alarm_id, status, actor, note=f"step {i}", now=T0 + timedelta(minutes=i))
    with store.session() as s:
        alarm = s.get(Alarm, alarm_id)
        assert (alarm.status, alarm.version, alarm.closed_at) == ("resolved", 5, T0 + timedelta(minutes=4))
        trail = [(t.from_status, t.to_status, t.actor, t.at) for t in audit_trail(s, alarm_id)]
    assert trail == [(None, "new", "camera:lake-east", T0)] + [
        (prev, status, actor, T0 + timedelta(minutes=i))
        for i, ((status, actor), prev) in enumerate(zip(steps, ["new"] + [s for s, _ in steps]), start=1)
    ]


def test_closing_twice_is_refused_and_changes_nothing(store_url: str) -> None:
    store, alarm_id = _alarm(store_url)
    with store.session() as s:
        transition(s, alarm_id, "false_alarm", "op1", reason="reflection")
    with pytest.raises(TransitionError, match="already false_alarm"), store.session() as s:
        transition(s, alarm_id, "false_alarm", "op2", reason="staff")
    with store.session() as s:
        assert [t.to_status for t in audit_trail(s, alarm_id)] == ["new", "false_alarm"]
        assert s.get(Alarm, alarm_id).version == 2


def test_two_operators_at_once_leave_one_consistent_record(store_url: str) -> None:
    store, alarm_id = _alarm(store_url)
    first, second = store.sessions(), store.sessions()
    try:
        first.get(Alarm, alarm_id), second.get(Alarm, alarm_id)  # both have read version 1
        transition(first, alarm_id, "acknowledged", "op1")
        first.commit()
        with pytest.raises((ConcurrentChange, TransitionError)):
            transition(second, alarm_id, "acknowledged", "op2")
        second.rollback()
    finally:
        first.close(), second.close()
    with store.session() as s:
        assert [(t.to_status, t.actor) for t in audit_trail(s, alarm_id)] == [("new", "camera:lake-east"), ("acknowledged", "op1")]
        assert s.scalars(select(Alarm.version)).one() == 2


def test_unknown_alarm_is_named(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    with pytest.raises(AlarmNotFound, match="no alarm with id 'nope'"), store.session() as s:
        transition(s, "nope", "acknowledged", "op1")
