"""Roles and the permission table; users with argon2 hashes; API tokens stored as hashes only."""

from __future__ import annotations

import hashlib

import pytest
from argon2 import Type
from sqlalchemy import select

from ops_center.auth import (
    Action,
    Principal,
    Role,
    authenticate,
    can,
    create_token,
    create_user,
    list_users,
    load_principal,
    revoke_token,
    verify_token,
)
from ops_center.errors import InputError
from ops_center.store.db import open_store
from ops_center.store.models import ApiToken, Guard, User
from ops_center.store.types import utcnow
from tests.hashing import TEST_HASHER, production_hasher

ALARM_ACTIONS = {a for a in Action if a.value.startswith("alarm.")}
RESIDENTS = {Action.VIEW_RESIDENTS, Action.FIND_SPACE, Action.FIND_CAR}
EXPECTED = {
    "operator": ALARM_ACTIONS | RESIDENTS
    | {Action.VIEW_WALL, Action.VIEW_CONSOLE, Action.VIEW_ANALYTICS, Action.VIEW_REPORTS},
    "guard": {Action.VIEW_GUARD_PAGE, Action.ALARM_ON_SCENE, Action.ALARM_RESOLVE, Action.ALARM_NOTE},
    "manager": RESIDENTS | {Action.VIEW_WALL, Action.VIEW_ANALYTICS, Action.VIEW_REPORTS, Action.EXPORT_CSV},
    "admin": set(Action) - {Action.INGEST_CAMERA, Action.INGEST_SENSOR},
    "resident": RESIDENTS,
    "worker": {Action.INGEST_CAMERA},
    "sensor": {Action.INGEST_SENSOR},
    "public": {Action.VIEW_RESIDENTS, Action.FIND_SPACE},  # the anonymous visitor of a published residents' page
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_may_do_exactly_its_actions(role: str) -> None:
    assert {a for a in Action if can(role, a.value)} == EXPECTED[role]


def test_a_manager_never_acts_on_alarms_and_unknown_names_may_do_nothing() -> None:
    assert not any(can("manager", a) for a in ALARM_ACTIONS)
    assert not can("visitor", "wall.view")
    assert not can("admin", "alarm.delete")


def _store_with_guard(url: str):  # type: ignore[no-untyped-def]
    store = open_store(url)
    with store.session() as s:
        s.add(Guard(id="g7", name="Wang Wei", radio_channel="3", post="Lake gate", status="on_patrol", updated_at=utcnow()))
    return store


def test_the_product_hashes_with_argon2id_at_full_cost_and_upgrades_cheaper_hashes_on_login(sqlite_url: str) -> None:
    """The suite hashes at the lowest cost (tests/hashing.py); the product's own hasher is argon2id
    with RFC 9106's low-memory parameters, logs in with them and re-hashes a cheaper hash."""
    store = _store_with_guard(sqlite_url)
    with store.session() as s:
        create_user(s, "wang", "guard", "lake gate 0300", guard_id="g7")  # at the suite's low cost
    with production_hasher() as hasher:
        assert (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (Type.ID, 3, 65536, 4)
        assert (hasher.hash_len, hasher.salt_len) == (32, 16)
        with store.session() as s:
            create_user(s, "op1", "operator", "correct horse battery")
        with store.session() as s:
            assert s.get(User, "op1").password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
            assert s.get(User, "wang").password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
            assert authenticate(s, "op1", "correct horse battery") == Principal("op1", Role.OPERATOR)
            assert authenticate(s, "op1", "correct horse batter") is None
            assert authenticate(s, "nobody", "correct horse battery") is None
            assert authenticate(s, "wang", "lake gate 0300") == Principal("wang", Role.GUARD, guard_id="g7")
        with store.session() as s:
            upgraded = s.get(User, "wang").password_hash
            assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and hasher.verify(upgraded, "lake gate 0300")
    with store.session() as s:  # back at the suite's cost, the production hash still logs in
        assert TEST_HASHER.check_needs_rehash(s.get(User, "op1").password_hash)
        assert authenticate(s, "op1", "correct horse battery") == Principal("op1", Role.OPERATOR)


def test_users_log_in_with_argon2_hashes_and_guards_are_linked_to_the_roster(store_url: str) -> None:
    store = _store_with_guard(store_url)
    with store.session() as s:
        create_user(s, "op1", "operator", "correct horse battery")
        create_user(s, "wang", "guard", "lake gate 0300", guard_id="g7")
    with store.session() as s:
        stored = s.get(User, "op1").password_hash
        assert stored.startswith("$argon2id$") and "correct horse" not in stored
        assert authenticate(s, "op1", "correct horse battery") == Principal("op1", Role.OPERATOR)
        assert authenticate(s, "wang", "lake gate 0300") == Principal("wang", Role.GUARD, guard_id="g7")
        assert authenticate(s, "op1", "correct horse batter") is None
        assert authenticate(s, "nobody", "correct horse battery") is None
        assert [u.username for u in list_users(s)] == ["op1", "wang"]
        s.get(User, "op1").active = False
    with store.session() as s:
        assert authenticate(s, "op1", "correct horse battery") is None
        assert load_principal(s, "op1") is None
        assert load_principal(s, "wang") == Principal("wang", Role.GUARD, guard_id="g7")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Bob!", "operator", "long enough pw"), "username 'Bob!'"),
        (("bob", "janitor", "long enough pw"), "--role: unknown role 'janitor'; choose one of: operator, guard, manager, admin"),
        (("bob", "worker", "long enough pw"), "--role: unknown role 'worker'"),
        (("bob", "operator", "short"), "password: at least 10 characters"),
        (("bob", "guard", "long enough pw"), "--guard: a guard user must be linked"),
        (("bob", "guard", "long enough pw", "g404"), "--guard: no guard 'g404' on the roster \\(guards: g7\\)"),
        (("bob", "manager", "long enough pw", "g7"), "--guard: only guard users"),
        (("li", "guard", "long enough pw", "g7"), "guard 'g7' is linked to user 'wang' already"),
        (("wang", "operator", "long enough pw"), "username 'wang' exists already"),
    ],
)
def test_bad_user_input_is_named(sqlite_url: str, args: tuple[str, ...], message: str) -> None:
    store = _store_with_guard(sqlite_url)
    with store.session() as s:
        create_user(s, "wang", "guard", "lake gate 0300", guard_id="g7")
    with pytest.raises(InputError, match=message), store.session() as s:
        create_user(s, *args[:3], guard_id=args[3] if len(args) > 3 else None)
    with store.session() as s:
        assert [u.username for u in list_users(s)] == ["wang"]


def test_tokens_are_shown_once_stored_as_hashes_and_can_be_revoked(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:
        _, token = create_token(s, "lake-east-worker", "worker")
        _, sensor_token = create_token(s, "fire-panel", "sensor")
    with store.session() as s:
        stored = s.scalars(select(ApiToken.token_hash).order_by(ApiToken.name)).all()
        assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored
        assert verify_token(s, token) == Principal("token:lake-east-worker", Role.WORKER)
        assert verify_token(s, sensor_token) == Principal("token:fire-panel", Role.SENSOR)
        assert verify_token(s, token[:-1]) is None
        revoke_token(s, "lake-east-worker")
    with store.session() as s:
        assert verify_token(s, token) is None
        assert verify_token(s, sensor_token) is not None
    with pytest.raises(InputError, match="--role: unknown role 'operator'; choose one of: worker, sensor"), store.session() as s:
        create_token(s, "x", "operator")
    with pytest.raises(InputError, match="token name 'fire-panel' exists already"), store.session() as s:
        create_token(s, "fire-panel", "sensor")
