"""The alarm lifecycle: every legal and illegal move, stored with who and when, under concurrency."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ops_center.alarm_actions import (
    AlarmNotFound,
    ConcurrentChange,
    act,
    add_note,
    audit_trail,
    open_alarms_of_guard,
    transition,
)
from ops_center.auth import PermissionDenied, Principal, Role
from ops_center.errors import InputError
from ops_center.lifecycle import (
    FALSE_ALARM_REASONS,
    TRANSITIONS,
    ReasonRequired,
    Status,
    TransitionError,
    check_transition,
    is_open,
)
from ops_center.store.db import open_store
from ops_center.store.models import Alarm, Guard
from tests.builders import T0, alarm_record, store_alarm

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
    with pytest.raises(ReasonRequired, match="reason code"):
        check_transition("new", "false_alarm")
    with pytest.raises(ReasonRequired, match="reason code"):
        check_transition("new", "false_alarm", reason="bored")
    assert check_transition("new", "false_alarm", reason=FALSE_ALARM_REASONS[0]) is Status.FALSE_ALARM


def _alarm(store_url: str, n: int = 1) -> tuple[object, str]:
    store = open_store(store_url)
    with store.session() as s:
        if s.get(Guard, "g7") is None:
            s.add_all([
                Guard(id="g7", name="Wang Wei", radio_channel="3", post="Lake gate", status="on_patrol", updated_at=T0),
                Guard(id="g8", name="Li Na", radio_channel="3", post="North gate", status="on_patrol", updated_at=T0),
                Guard(id="g9", name="Zhao Lei", radio_channel="4", post="Garage", status="off_duty", updated_at=T0),
            ])
    ids = [store_alarm(store, alarm_record(i, run="lifecycle")) for i in range(1, n + 1)]
    return store, ids[0] if n == 1 else ids


def test_the_reference_scene_is_stored_step_by_step(store_url: str) -> None:
    store, alarm_id = _alarm(store_url)
    steps = [("acknowledged", "op1"), ("dispatched", "op1"), ("on_scene", "guard7"), ("resolved", "guard7")]
    guard_status = []
    for i, (status, actor) in enumerate(steps, start=1):
        with store.session() as s:
            transition(s, alarm_id, status, actor, note=f"step {i}", now=T0 + timedelta(minutes=i),
                       guard_id="g7" if status == "dispatched" else None)
        with store.session() as s:
            guard_status.append(s.get(Guard, "g7").status)
    assert guard_status == ["on_patrol", "dispatched", "on_scene", "on_patrol"]
    with store.session() as s:
        alarm = s.get(Alarm, alarm_id)
        assert (alarm.status, alarm.version, alarm.closed_at) == ("resolved", 5, T0 + timedelta(minutes=4))
        assert alarm.guard_id == "g7"
        trail = [(t.from_status, t.to_status, t.actor, t.at) for t in audit_trail(s, alarm_id)]
    assert trail == [(None, "new", "camera:lake-east", T0)] + [
        (prev, status, actor, T0 + timedelta(minutes=i))
        for i, ((status, actor), prev) in enumerate(zip(steps, ["new"] + [s for s, _ in steps], strict=False), start=1)
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
        trail = [(t.to_status, t.actor) for t in audit_trail(s, alarm_id)]
        assert trail == [("new", "camera:lake-east"), ("acknowledged", "op1")]
        assert s.scalars(select(Alarm.version)).one() == 2


def test_unknown_alarm_is_named(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    with pytest.raises(AlarmNotFound, match="no alarm with id 'nope'"), store.session() as s:
        transition(s, "nope", "acknowledged", "op1")


def test_a_dispatch_names_an_available_guard(store_url: str) -> None:
    store, (first, second) = _alarm(store_url, n=2)
    with store.session() as s:
        for alarm_id in (first, second):
            transition(s, alarm_id, "acknowledged", "op1")
    for guard_id, message in [(None, "must name the guard"), ("g404", "no guard 'g404'"), ("g9", "off duty")]:
        with pytest.raises(InputError, match=message), store.session() as s:
            transition(s, first, "dispatched", "op1", guard_id=guard_id)
    with store.session() as s:
        transition(s, first, "dispatched", "op1", guard_id="g7")
    with pytest.raises(InputError, match=f"still on alarm {first}"), store.session() as s:
        transition(s, second, "dispatched", "op1", guard_id="g7")
    with store.session() as s:
        transition(s, second, "dispatched", "op1", guard_id="g8")
        transition(s, first, "false_alarm", "op1", reason="staff")
        assert [a.id for a in open_alarms_of_guard(s, "g8")] == [second]
        assert open_alarms_of_guard(s, "g7") == []
        assert (s.get(Guard, "g7").status, s.get(Guard, "g8").status) == ("on_patrol", "dispatched")
    with pytest.raises(InputError, match="only a dispatch names a guard"), store.session() as s:
        transition(s, second, "on_scene", "op1", guard_id="g8")


OPERATOR = Principal("op1", Role.OPERATOR)
MANAGER = Principal("boss", Role.MANAGER)
ADMIN = Principal("root", Role.ADMIN)
GUARD_7 = Principal("wang", Role.GUARD, guard_id="g7")
GUARD_8 = Principal("li", Role.GUARD, guard_id="g8")


@pytest.mark.parametrize("user", [MANAGER, GUARD_7])
def test_managers_and_guards_cannot_acknowledge_or_dispatch(sqlite_url: str, user: Principal) -> None:
    store, alarm_id = _alarm(sqlite_url)
    refusal = re.escape(f"{user.name} ({user.role.value}) may not alarm.acknowledge")
    with pytest.raises(PermissionDenied, match=refusal), store.session() as s:
        act(s, user, alarm_id, "acknowledged")
    with store.session() as s:
        act(s, OPERATOR, alarm_id, "acknowledged")
    with pytest.raises(PermissionDenied, match=r"may not alarm\.dispatch"), store.session() as s:
        act(s, user, alarm_id, "dispatched", guard_id="g7")
    with pytest.raises(PermissionDenied, match=r"may not alarm\.false_alarm"), store.session() as s:
        act(s, user, alarm_id, "false_alarm", reason="staff")
    with store.session() as s:
        assert [t.to_status for t in audit_trail(s, alarm_id)] == ["new", "acknowledged"]


def test_a_guard_acts_only_on_his_own_dispatch(store_url: str) -> None:
    store, alarm_id = _alarm(store_url)
    with store.session() as s:
        act(s, OPERATOR, alarm_id, "acknowledged")
        act(s, ADMIN, alarm_id, "dispatched", guard_id="g7")
    for step in ("on_scene", "resolved"):
        with pytest.raises(PermissionDenied, match=f"alarm {alarm_id} is not"), store.session() as s:
            act(s, GUARD_8, alarm_id, step)
    with pytest.raises(PermissionDenied, match=r"may not alarm\.resolve"), store.session() as s:
        act(s, MANAGER, alarm_id, "resolved")
    with pytest.raises(PermissionDenied), store.session() as s:
        add_note(s, GUARD_8, alarm_id, "not mine")
    with store.session() as s:
        act(s, GUARD_7, alarm_id, "on_scene", now=T0 + timedelta(minutes=3))
        add_note(s, GUARD_7, alarm_id, "child led back to the path", now=T0 + timedelta(minutes=4))
        act(s, GUARD_7, alarm_id, "resolved", now=T0 + timedelta(minutes=4))
    with store.session() as s:
        trail = [(t.from_status, t.to_status, t.actor, t.note) for t in audit_trail(s, alarm_id)]
        assert trail[-3:] == [("dispatched", "on_scene", "wang", ""),
                              ("on_scene", "on_scene", "wang", "child led back to the path"),
                              ("on_scene", "resolved", "wang", "")]
        assert trail[2][2] == "root"
        assert s.get(Guard, "g7").status == "on_patrol"


def test_an_illegal_move_is_refused_before_permissions_are_asked(sqlite_url: str) -> None:
    store, alarm_id = _alarm(sqlite_url)
    with pytest.raises(TransitionError, match="cannot go from new to resolved"), store.session() as s:
        act(s, OPERATOR, alarm_id, "resolved")
    with pytest.raises(TransitionError, match="unknown alarm status"), store.session() as s:
        act(s, OPERATOR, alarm_id, "finished")
    with pytest.raises(InputError, match="note: it is empty"), store.session() as s:
        add_note(s, OPERATOR, alarm_id, "   ")
