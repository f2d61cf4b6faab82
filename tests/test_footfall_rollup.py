"""The hourly and daily footfall roll-ups stay exact through every way minute buckets are written
(ingest's overwriting upsert and its resends, a camera's incrementing upsert, plain inserts, updates,
deletes, a merchant's cascade, a bulk load), and a store migrated from before the roll-ups gets its
merchants' formats, weekly hours and roll-ups filled in; on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import create_engine, delete, insert, select, text, update

from ops_center.config import SiteConfig
from ops_center.ingest import ingest
from ops_center.opening_hours import Week
from ops_center.records import CrossingRecord
from ops_center.store import migrate, rollup
from ops_center.store.db import Store, open_store
from ops_center.store.models import Footfall, FootfallDaily, FootfallHourly, Merchant
from ops_center.store.writes import record_crossings
from ops_center.vocabulary import BusinessFormat

T0 = datetime(2026, 6, 9, 2, 58, tzinfo=UTC)
SITE = SiteConfig.model_validate({"site": {"name": "Test", "timezone": "Asia/Shanghai"}})


Sums = dict[tuple[str, datetime, str], tuple[int, int, int]]


def _expected(store: Store, daily: bool = False) -> Sums:
    """A roll-up computed here from the minute buckets, row by row: per UTC hour, or per UTC day."""
    sums: dict[tuple[str, datetime, str], Counter[str]] = {}
    with store.session() as s:
        for f in s.scalars(select(Footfall)):
            start = f.minute.replace(hour=0, minute=0) if daily else f.minute.replace(minute=0)
            cell = sums.setdefault((f.merchant_id, start, f.source), Counter())
            cell.update(count_in=f.count_in, count_out=f.count_out, minutes=1)
    return {key: (c["count_in"], c["count_out"], c["minutes"]) for key, c in sums.items()}


def _rollup(store: Store) -> Sums:
    """The hourly roll-up as stored, after checking that the daily one is exact too."""
    with store.session() as s:
        days = {(d.merchant_id, d.day, d.source): (d.count_in, d.count_out, d.minutes)
                for d in s.scalars(select(FootfallDaily))}
        hours = {(h.merchant_id, h.hour, h.source): (h.count_in, h.count_out, h.minutes)
                 for h in s.scalars(select(FootfallHourly))}
    assert days == _expected(store, daily=True)
    return hours


def _store_with(store_url: str, *merchants: str) -> Store:
    """A store at ``store_url`` (migrated to the head) holding the shops ``merchants``."""
    store = open_store(store_url)
    with store.session() as s:
        s.add_all([Merchant(id=m, name=m, category="shop") for m in merchants])
    return store


def _body(*items: tuple[str, datetime, int, int]) -> str:
    import json
    return json.dumps({"items": [{"merchant_id": m, "minute": at.isoformat(), "count_in": i, "count_out": o,
                                  "source": "door"} for m, at, i, o in items]})


def test_every_write_path_keeps_the_hourly_and_daily_rollups_exact(store_url: str) -> None:
    store = _store_with(store_url, "m1", "m2")
    now = T0 + timedelta(hours=1)
    try:
        with store.session() as s:  # plain inserts across an hour boundary
            s.add_all([Footfall(merchant_id="m1", minute=T0 + timedelta(minutes=k), source="door", count_in=k,
                                count_out=1) for k in range(4)])
        assert _rollup(store) == _expected(store) == {
            ("m1", T0.replace(minute=0), "door"): (0 + 1, 2, 2), ("m1", T0.replace(hour=3, minute=0), "door"): (5, 2, 2)}
        with store.session() as s:  # ingest overwrites two buckets and adds one
            ingest(s, "footfall", _body(("m1", T0, 10, 0), ("m1", T0 + timedelta(minutes=2), 7, 7),
                                        ("m2", T0, 4, 4)), now, SITE)
        assert _rollup(store) == _expected(store)
        assert _rollup(store)[("m1", T0.replace(minute=0), "door")] == (11, 1, 2)
        with store.session() as s:  # the same batch resent changes nothing
            ingest(s, "footfall", _body(("m1", T0, 10, 0), ("m1", T0 + timedelta(minutes=2), 7, 7),
                                        ("m2", T0, 4, 4)), now, SITE)
        assert _rollup(store) == _expected(store)
        assert _expected(store, daily=True)[("m1", T0.replace(hour=0, minute=0), "door")] == (10 + 1 + 7 + 3, 9, 4)
        with store.session() as s:  # a camera's crossings add to a bucket
            record_crossings(s, [CrossingRecord(
                id=f"c{k}", camera_id="cam", line_name="door", merchant_id="m2", direction="in", track_id=k,
                occurred_at=T0 + timedelta(seconds=10 * k), frame_index=k, t_s=k) for k in range(3)])
        with store.session() as s:
            s.execute(update(Footfall).where(Footfall.merchant_id == "m1", Footfall.minute == T0 + timedelta(minutes=3))
                      .values(minute=T0 + timedelta(hours=5)))  # a bucket moved to another hour
            s.execute(update(Footfall).where(Footfall.merchant_id == "m1", Footfall.minute == T0 + timedelta(minutes=2))
                      .values(minute=T0 - timedelta(hours=3), count_in=9))  # and one to the day before
            s.execute(delete(Footfall).where(Footfall.minute == T0 + timedelta(minutes=1)))  # an hour's only bucket
        assert _rollup(store) == _expected(store)
        assert ("m1", T0.replace(minute=0) + timedelta(hours=0), "door") in _rollup(store)
        assert _expected(store, daily=True)[("m1", T0.replace(day=8, hour=0, minute=0), "door")] == (9, 7, 1)
        with store.session() as s:
            s.execute(delete(Merchant).where(Merchant.id == "m2"))
        assert _rollup(store) == _expected(store) and {m for m, _, _ in _rollup(store)} == {"m1"}
        with store.session() as s:  # a bulk load rebuilds the hours it touched
            start = T0 + timedelta(days=1)
            with rollup.bulk_load(s, start, start + timedelta(hours=3)):
                s.execute(insert(Footfall), [{"merchant_id": "m1", "minute": start + timedelta(minutes=k),
                                              "source": "door", "count_in": 1, "count_out": 0} for k in range(150)])
        assert _rollup(store) == _expected(store)
        with store.session() as s:  # and the triggers are back
            s.add(Footfall(merchant_id="m1", minute=T0 + timedelta(days=2), source="door", count_in=3, count_out=0))
        assert _rollup(store) == _expected(store)
        assert _rollup(store)[("m1", (T0 + timedelta(days=2)).replace(minute=0), "door")] == (3, 0, 1)
    finally:
        store.dispose()


def test_a_store_from_before_gets_formats_weekly_hours_and_its_rollup(store_url: str) -> None:
    engine = create_engine(store_url)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
        conn.execute(text("INSERT INTO merchants (id, name, category, place, opens, closes, active) VALUES "
                          "('m1', 'Bakery', 'bakery', '', '07:00', '20:00', true), "
                          "('m2', 'Odd', 'florist', '', '10:00', '02:00', true)"))
        conn.execute(text("INSERT INTO footfall (merchant_id, minute, source, count_in, count_out) VALUES "
                          "('m1', :a, 'door', 2, 1), ('m1', :b, 'door', 3, 0)"),
                     {"a": T0, "b": T0 + timedelta(minutes=1)})
    engine.dispose()
    store = open_store(store_url)  # migrates to the head
    try:
        with store.session() as s:
            merchants = {m.id: m for m in s.scalars(select(Merchant))}
        assert merchants["m1"].business_format is BusinessFormat.CATERING
        assert merchants["m2"].business_format is BusinessFormat.RETAIL
        assert merchants["m1"].hours == Week.every_day("07:00", "20:00")
        assert merchants["m2"].hours.entries() == ["10:00-02:00"] * 7
        assert _rollup(store) == _expected(store) == {("m1", T0.replace(minute=0), "door"): (5, 1, 2)}
    finally:
        store.dispose()


def _triggers(store: Store) -> set[str]:
    """The names of the user triggers on ``footfall``."""
    with store.session() as s:
        if store.engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'footfall'::regclass AND NOT tgisinternal"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'footfall'"
        return set(s.scalars(text(query)))


def test_a_batch_touching_one_hour_twice_and_resends_of_a_minute_apply_the_difference(store_url: str) -> None:
    store = _store_with(store_url, "m1")
    m0 = T0.replace(minute=10)  # the hour's minutes 10 to 13
    now = m0 + timedelta(hours=1)
    hour = T0.replace(minute=0)
    try:
        with store.session() as s:  # two minutes of one hour, the first of them twice (the later one wins)
            result = ingest(s, "footfall", _body(("m1", m0, 1, 1), ("m1", m0 + timedelta(minutes=1), 2, 0),
                                                 ("m1", m0, 5, 3)), now, SITE)
        assert result.skipped == 0
        assert _rollup(store) == _expected(store) == {("m1", hour, "door"): (7, 3, 2)}
        with store.session() as s:  # the same minute resent: unchanged, then with new counts (replaced, not added)
            ingest(s, "footfall", _body(("m1", m0, 5, 3)), now, SITE)
        assert _rollup(store) == _expected(store) == {("m1", hour, "door"): (7, 3, 2)}
        with store.session() as s:
            ingest(s, "footfall", _body(("m1", m0, 4, 9), ("m1", m0 + timedelta(minutes=2), 1, 1)), now, SITE)
        assert _rollup(store) == _expected(store) == {("m1", hour, "door"): (4 + 2 + 1, 9 + 0 + 1, 3)}
        with store.session() as s:  # a batch across two hours and two days, one minute resent in it
            ingest(s, "footfall", _body(("m1", m0 + timedelta(minutes=1), 0, 0), ("m1", m0 + timedelta(hours=22), 3, 3),
                                        ("m1", m0 + timedelta(minutes=3), 2, 2)), now + timedelta(days=1), SITE)
        assert _rollup(store) == _expected(store)
        assert _rollup(store)[("m1", hour, "door")] == (4 + 0 + 1 + 2, 9 + 0 + 1 + 2, 4)
        assert _expected(store, daily=True)[("m1", T0.replace(day=10, hour=0, minute=0), "door")] == (3, 3, 1)
        with store.session() as s:  # a refused batch leaves the roll-ups as they were
            try:
                ingest(s, "footfall", _body(("m1", m0, 100, 100), ("nobody", T0, 1, 1)), now, SITE)
            except Exception:
                s.rollback()
        assert _rollup(store) == _expected(store)
        assert _rollup(store)[("m1", hour, "door")] == (4 + 0 + 1 + 2, 9 + 0 + 1 + 2, 4)
    finally:
        store.dispose()


def test_concurrent_batches_on_the_same_hours_keep_the_rollups_exact(store_url: str) -> None:
    import threading

    store = _store_with(store_url, "m1", "m2")
    now = T0 + timedelta(days=1)
    try:
        def writer(seed: int) -> None:
            for round_ in range(6):  # the same buckets from every writer in either order, each with its own
                # counts; then each writer's own buckets in the same hours
                items = [(m, T0 + timedelta(minutes=k), (seed + round_ + k) % 9, seed % 4)
                         for k in range(0 if round_ < 3 else seed, 90, 7)
                         for m in (("m1", "m2") if seed % 2 else ("m2", "m1"))]
                with store.session() as s:
                    ingest(s, "footfall", _body(*(items if round_ % 2 else items[::-1])), now, SITE)

        errors: list[BaseException] = []

        def guarded(seed: int) -> None:
            try:
                writer(seed)
            except BaseException as error:  # a deadlock, a lock timeout: reported below
                errors.append(error)

        threads = [threading.Thread(target=guarded, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert _rollup(store) == _expected(store)
        assert len(_expected(store)) == 2 * 3  # two merchants, three hours (02:58 to 04:22)
    finally:
        store.dispose()


def test_a_downgrade_and_upgrade_of_the_trigger_migration_keep_the_rollups_exact(store_url: str) -> None:
    store = _store_with(store_url, "m1")
    now = T0 + timedelta(days=1)
    cfg = migrate.alembic_config()
    statement = {f"footfall_rollup_{op}" for op in ("insert", "update", "delete")}
    try:
        with store.session() as s:
            ingest(s, "footfall", _body(*(("m1", T0 + timedelta(minutes=k), k % 5, 1) for k in range(90))), now, SITE)
        postgres = store.engine.dialect.name == "postgresql"
        assert _triggers(store) == (statement if postgres else
                                    {f"footfall_hourly_{op}" for op in ("insert", "update", "delete")})
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011")
        assert _triggers(store) == ({"footfall_hourly"} if postgres else
                                    {f"footfall_hourly_{op}" for op in ("insert", "update", "delete")})
        assert _rollup(store) == _expected(store)
        with store.session() as s:  # written by 0011's row trigger: overwrites, new minutes, a delete
            ingest(s, "footfall", _body(("m1", T0, 9, 9), ("m1", T0 + timedelta(hours=3), 1, 0)), now, SITE)
            s.execute(delete(Footfall).where(Footfall.minute == T0 + timedelta(minutes=5)))
        assert _rollup(store) == _expected(store)
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        if postgres:
            assert _triggers(store) == statement
        assert _rollup(store) == _expected(store)
        with store.session() as s:  # and by 0012's: the same kinds of write
            ingest(s, "footfall", _body(("m1", T0, 2, 2), ("m1", T0 + timedelta(hours=4), 1, 0)), now, SITE)
            s.execute(delete(Footfall).where(Footfall.minute == T0 + timedelta(minutes=6)))
        assert _rollup(store) == _expected(store)
        assert _rollup(store)[("m1", T0.replace(minute=0), "door")] == (2 + 1, 2 + 1, 2)
    finally:
        store.dispose()
