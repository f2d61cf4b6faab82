"""The demo's users on a real SQLite store: one per role, guards linked to the simulated roster,
passwords printed once (when created) and good for a login; the demo's kept session secret."""

from __future__ import annotations

import re
from pathlib import Path

from ops_center.auth import authenticate
from ops_center.simulator import seed
from ops_center.store.db import open_store
from ops_center.store.types import utcnow
from ops_cli.demo_users import DEMO_USERS, demo_secret, ensure_demo_users


def test_demo_users_are_created_once_with_passwords_that_log_in(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    seed(store, utcnow(), history_days=0)
    said: list[str] = []
    assert ensure_demo_users(store, said.append) == [name for name, _, _ in DEMO_USERS]
    passwords = dict(re.findall(r"demo user (\S+) .* password: (\S+)", "\n".join(said)))
    assert set(passwords) == {name for name, _, _ in DEMO_USERS}
    with store.session() as s:
        for name, role, guard_id in DEMO_USERS:
            principal = authenticate(s, name, passwords[name])
            assert principal is not None and (principal.role, principal.guard_id) == (role, guard_id), name
    again: list[str] = []
    assert ensure_demo_users(store, again.append) == []
    assert len(again) == 1 and "exist already" in again[0] and "password:" not in again[0]
    store.dispose()


def test_without_a_roster_the_demo_makes_no_guard_users(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    assert ensure_demo_users(store, lambda _: None) == ["operator", "manager", "admin", "resident"]
    store.dispose()


def test_the_demo_secret_is_made_once_and_kept_unless_the_environment_sets_one(tmp_path: Path) -> None:
    said: list[str] = []
    first = demo_secret({}, "OPS_SECRET_KEY", tmp_path / "data", said.append)
    second = demo_secret({}, "OPS_SECRET_KEY", tmp_path / "data", said.append)
    assert first == second and len(first) >= 32  # a restart keeps the open pages signed in
    assert len(said) == 1 and "OPS_SECRET_KEY is not set" in said[0]
    assert (tmp_path / "data" / "session_secret").stat().st_mode & 0o077 == 0
    assert demo_secret({}, "OPS_SECRET_KEY", tmp_path / "other", said.append) != first
    assert demo_secret({"OPS_SECRET_KEY": "x" * 40}, "OPS_SECRET_KEY", tmp_path / "data", said.append) is None
