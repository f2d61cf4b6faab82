"""The shift report: figures computed by hand for a small shift, then the same from a real store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ops_center.alarm_actions import add_note, transition
from ops_center.auth import Principal, Role
from ops_center.reports import Figures, load_shift_report, shift_report
from ops_center.store import writes
from ops_center.store.db import open_store
from ops_center.store.models import Camera, Guard, Zone
from tests.builders import alarm_record

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
UNTIL = T0 + timedelta(seconds=3000)
SLA = 300.0


@dataclass
class A:
    id: str
    zone_name: str | None
    raised_s: float
    guard_id: str | None = None
    kind: str = "danger_zone"

    @property
    def raised_at(self) -> datetime:
        return T0 + timedelta(seconds=self.raised_s)


@dataclass
class Step:
    alarm_id: str
    from_status: str | None
    to_status: str
    at: datetime


# (alarm, [(status, seconds after it was raised)]): the shift the expectations below are worked out for
SHIFT = [
    (A("a1", "lake", 0, guard_id="g7"), [("acknowledged", 20), ("dispatched", 40), ("on_scene", 120), ("resolved", 240)]),
    (A("a2", "lake", 600, guard_id="g8"), [("acknowledged", 60), ("dispatched", 70), ("resolved", 400)]),
    (A("a3", "pool", 1000), [("false_alarm", 30)]),
    (A("a4", None, 2000, kind="camera_offline"), [("acknowledged", 10)]),
    (A("a5", "lake", -10), [("acknowledged", 5)]),  # raised before the shift
    (A("a6", "pool", 2900), [("acknowledged", 600)]),  # acknowledged after the report's end
]


def _steps() -> list[Step]:
    out = []
    for alarm, moves in SHIFT:
        prev = "new"
        for status, after in moves:
            out.append(Step(alarm.id, prev, status, alarm.raised_at + timedelta(seconds=after)))
            prev = status
    out.append(Step("a1", "on_scene", "on_scene", T0 + timedelta(seconds=130)))  # a note, not a move
    return out


EXPECTED_TOTAL = Figures("all", "all alarms", alarms=5, resolved=2, false_alarms=1, still_open=2,
                         median_ack_s=20.0, median_resolve_s=320.0, sla_misses=2, false_alarm_rate=1 / 3)


def test_the_shift_figures_match_the_hand_count() -> None:
    report = shift_report([a for a, _ in SHIFT], _steps(), T0, UNTIL, SLA,
                          zone_labels={"lake": "Lake edge"}, guard_names={"g7": "Wang Wei"})
    assert report.total == EXPECTED_TOTAL
    assert report.by_zone == [
        Figures("camera_offline", "camera_offline", 1, 0, 0, 1, 10.0, None, 1, None),
        Figures("lake", "Lake edge", 2, 2, 0, 0, 40.0, 320.0, 1, 0.0),
        Figures("pool", "pool", 2, 0, 1, 1, None, None, 0, 1.0),
    ]
    assert report.by_guard == [
        Figures("g7", "Wang Wei", 1, 1, 0, 0, 20.0, 240.0, 0, 0.0),
        Figures("g8", "g8", 1, 1, 0, 0, 60.0, 400.0, 1, 0.0),
    ]
    assert report.to_dict()["since"] == "2026-11-29T08:00:00+00:00"


def test_an_empty_shift_has_no_medians() -> None:
    report = shift_report([], [], T0, UNTIL, SLA)
    assert report.total == Figures("all", "all alarms", 0, 0, 0, 0, None, None, 0, None)
    assert report.by_zone == report.by_guard == []


def test_the_report_from_a_real_store_matches(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:
        s.add(Camera(id="lake-east", name="Lake east", source_kind="file"))
        s.flush()
        s.add(Zone(camera_id="lake-east", name="lake", label="Lake edge", polygon=[[0, 0], [1, 0], [1, 1]],
                   min_frames=3, dwell_s=0, cooldown_s=60, exit_grace_s=2, severity="critical"))
        s.add_all([Guard(id=g, name=n, radio_channel="3", post="Gate", status="on_patrol", updated_at=T0)
                   for g, n in (("g7", "Wang Wei"), ("g8", "Li Na"))])
    for alarm, moves in SHIFT:
        with store.session() as s:
            writes.raise_alarm(s, alarm_record(id=alarm.id, kind=alarm.kind, title=alarm.id, raised_at=alarm.raised_at,
                                               camera_id=None, zone_name=alarm.zone_name, place=""))
            for status, after in moves:
                transition(s, alarm.id, status, "op1", reason="staff" if status == "false_alarm" else None,
                           guard_id=alarm.guard_id if status == "dispatched" else None,
                           now=alarm.raised_at + timedelta(seconds=after))
    with store.session() as s:
        add_note(s, Principal("op1", Role.OPERATOR), "a1", "radioed Wang", now=T0 + timedelta(seconds=130))
    with store.session() as s:
        report = load_shift_report(s, T0, UNTIL, SLA)
    assert report.total == EXPECTED_TOTAL
    assert [(f.key, f.label, f.alarms) for f in report.by_zone] == [
        ("camera_offline", "camera_offline", 1), ("lake", "Lake edge", 2), ("pool", "pool", 2)]
    assert [(f.label, f.median_resolve_s, f.sla_misses) for f in report.by_guard] == [
        ("Wang Wei", 240.0, 0), ("Li Na", 400.0, 1)]


@pytest.mark.parametrize("sla_s", [100.0, 500.0])
def test_sla_misses_follow_the_target(sla_s: float) -> None:
    report = shift_report([a for a, _ in SHIFT], _steps(), T0, UNTIL, sla_s)
    # closed after 240 / 400 / 30 s; open for 1000 / 100 s at the end
    assert report.total.sla_misses == {100.0: 3, 500.0: 1}[sla_s]
