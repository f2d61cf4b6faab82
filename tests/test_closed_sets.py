"""Closed sets in a real store: kept as their plain string values in the same string columns as
before (so existing stores need no migration), read back as enum members, and a value outside the
set is refused on write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from ops_center.store.db import open_store
from ops_center.store.models import Guard
from ops_center.vocabulary import GuardStatus

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_a_closed_set_is_stored_as_its_value_and_read_back_as_a_member(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:  # a row as a store written before the enums holds it: a plain string
        s.execute(text("INSERT INTO guards (id, name, radio_channel, post, status, updated_at) "
                       "VALUES ('g1', 'Zhang Wei', 'CH1', 'Main gate', 'off_duty', :at)"), {"at": T0})
        s.add(Guard(id="g2", name="Li Qiang", radio_channel="CH1", post="East gate", status=GuardStatus.ON_PATROL,
                    updated_at=T0))
    with store.session() as s:
        statuses = [g.status for g in s.scalars(select(Guard).order_by(Guard.id))]
        assert statuses == [GuardStatus.OFF_DUTY, GuardStatus.ON_PATROL]
        assert all(type(status) is GuardStatus for status in statuses)
        assert s.execute(text("SELECT status FROM guards WHERE id = 'g2'")).scalar_one() == "on_patrol"

    with pytest.raises(StatementError, match="'resting' is not a valid GuardStatus"), store.session() as s:
        s.add(Guard(id="g3", name="Wang Fang", radio_channel="CH2", post="Lake", status="resting", updated_at=T0))
    with store.session() as s:
        assert s.get(Guard, "g3") is None
    store.dispose()
