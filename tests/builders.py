"""Test data builders: the one way tests make alarms, as a worker or the ingest API raises them.

``alarm_record`` gives a danger-zone alarm on the lake camera with a stable id; any field can be
overridden. ``store_alarm`` raises a record in a store and walks it along the lifecycle to the
status a test needs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ops_center.alarm_actions import transition
from ops_center.records import AlarmRecord, stable_id
from ops_center.store import writes
from ops_center.store.db import Store

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
CAMERA_ID = "lake-east"
ZONE = "lake"
# The steps that lead an alarm from new to each open status, and on to resolved.
PATH = ("acknowledged", "dispatched", "on_scene", "resolved")


def alarm_record(n: int | str = 1, *, run: str = "test", raised_at: datetime = T0, **fields: Any) -> AlarmRecord:
    """Alarm ``n`` of a test run: id ``stable_id(run, n)``, a critical danger-zone alarm on the lake
    camera raised at ``raised_at``; ``fields`` override any other field of ``AlarmRecord``."""
    values: dict[str, Any] = {
        "id": stable_id(run, n),
        "kind": "danger_zone",
        "severity": "critical",
        "title": f"Person in the lake ({n})",
        "raised_at": raised_at,
        "camera_id": CAMERA_ID,
        "zone_name": ZONE,
        "place": "East lawn",
    }
    return AlarmRecord(**(values | fields))


def store_alarm(
    store: Store,
    record: AlarmRecord,
    *,
    status: str = "new",
    guard_id: str | None = None,
    actor: str = "setup",
    now: datetime | None = None,
) -> str:
    """Raise ``record`` in ``store`` and take it to ``status`` (``new`` or one of ``PATH``), one
    committed step at a time as operators would; ``guard_id`` is the guard it is dispatched to.
    Returns the alarm's id."""
    if status != "new" and status not in PATH:
        raise ValueError(f"store_alarm: cannot walk an alarm to {status!r}; known: new, {', '.join(PATH)}")
    with store.session() as session:
        writes.raise_alarm(session, record)
    steps = PATH[: PATH.index(status) + 1] if status in PATH else ()
    for step in steps:
        with store.session() as session:
            transition(session, record.id, step, actor, guard_id=guard_id if step == "dispatched" else None, now=now)
    return record.id
