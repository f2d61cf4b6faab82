"""``ops-center users``, ``tokens`` and ``report shift`` run as a user runs them: in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from ops_center.alarm_actions import transition
from ops_center.auth import Principal, Role, authenticate, list_tokens, list_users, verify_token
from ops_center.records import stable_id
from ops_center.store import writes
from ops_center.store.db import open_store
from ops_center.store.models import Guard
from tests.builders import alarm_record
from tests.conftest import ROOT

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def ops_center(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``ops-center`` command with ``args`` (passwords hashed at the suite's low cost: tests/cli_main.py)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    return subprocess.run([sys.executable, "-m", "tests.cli_main", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, check=False, env=env)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_users_add_prints_a_working_password_once_and_links_guards(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:
        s.add(Guard(id="g7", name="Wang Wei", radio_channel="3", post="Lake gate", status="on_patrol", updated_at=T0))
    added = ops_center("users", "add", "op1", "--role", "operator", "--db", store_url)
    assert added.returncode == 0, added.stderr
    password = added.stdout.split("password (shown once, write it down): ")[1].strip()
    guard = ops_center("users", "add", "wang", "--role", "guard", "--guard", "g7", "--password-stdin",
                       "--db", store_url, stdin="lake gate 0300\n")
    assert guard.returncode == 0 and "password" not in guard.stdout, guard
    resident = ops_center("users", "add", "zhang", "--role", "resident", "--password-stdin", "--db", store_url,
                          stdin="building 7 unit 2\n")
    assert resident.returncode == 0, resident.stderr
    with store.session() as s:
        assert authenticate(s, "op1", password) == Principal("op1", Role.OPERATOR)
        assert authenticate(s, "wang", "lake gate 0300") == Principal("wang", Role.GUARD, guard_id="g7")
        assert authenticate(s, "zhang", "building 7 unit 2") == Principal("zhang", Role.RESIDENT)
    listed = ops_center("users", "list", "--db", store_url)
    assert [line.split()[:3] for line in listed.stdout.splitlines()[1:]] == [["op1", "operator", "active"],
                                                                              ["wang", "guard", "g7"],
                                                                              ["zhang", "resident", "active"]]
    assert password not in listed.stdout


def test_passwd_replaces_a_password_and_disable_locks_the_user_out(sqlite_url: str) -> None:
    old = "first password 1"
    assert ops_center("users", "add", "op1", "--role", "operator", "--password-stdin", "--db", sqlite_url,
                      stdin=old + "\n").returncode == 0
    reset = ops_center("users", "passwd", "op1", "--db", sqlite_url)
    assert reset.returncode == 0, reset.stderr
    new = reset.stdout.split("password (shown once, write it down): ")[1].strip()
    store = open_store(sqlite_url)
    with store.session() as s:
        assert authenticate(s, "op1", old) is None and authenticate(s, "op1", new) == Principal("op1", Role.OPERATOR)
    assert ops_center("users", "disable", "op1", "--db", sqlite_url).stdout.strip() == "user op1 disabled"
    with store.session() as s:
        assert authenticate(s, "op1", new) is None
    assert ops_center("users", "enable", "op1", "--db", sqlite_url).returncode == 0
    with store.session() as s:
        assert authenticate(s, "op1", new) == Principal("op1", Role.OPERATOR)
    assert_one_line_error(ops_center("users", "passwd", "nobody", "--db", sqlite_url), "no user 'nobody'", "users: op1")


@pytest.mark.parametrize(
    ("args", "stdin", "fragments"),
    [
        (("users", "add", "bob", "--role", "janitor"), None, ("--role", "'janitor'", "guard, manager, admin, resident")),
        (("users", "add", "bob", "--role", "guard", "--guard", "g404"), None, ("--guard", "'g404'")),
        (("users", "add", "bob", "--role", "admin", "--password-stdin"), "short\n", ("password", "10 characters")),
        (("users", "add", "bob", "--role", "admin", "--password-stdin"), "", ("--password-stdin", "no password")),
        (("tokens", "add", "fire-panel", "--role", "admin"), None, ("--role", "'admin'", "worker, sensor")),
        (("report", "shift", "--since", "yesterday"), None, ("--since", "'yesterday'", "ISO 8601")),
        (("report", "shift", "--since", "2026-11-29T08:00Z", "--until", "2026-11-29T07:00Z"), None,
         ("--until", "is not after --since")),
    ],
)
def test_bad_input_is_one_line_without_a_traceback(
    sqlite_url: str, args: tuple[str, ...], stdin: str | None, fragments: tuple[str, ...]
) -> None:
    assert_one_line_error(ops_center(*args, "--db", sqlite_url, stdin=stdin), *fragments)
    with open_store(sqlite_url).session() as s:  # nothing half-made was stored
        assert list_users(s) == [] and list_tokens(s) == []


def test_tokens_add_shows_a_token_that_verifies(sqlite_url: str) -> None:
    added = ops_center("tokens", "add", "lake-east-worker", "--role", "worker", "--db", sqlite_url)
    assert added.returncode == 0, added.stderr
    token = added.stdout.split("token (shown once, only its hash is kept): ")[1].strip()
    with open_store(sqlite_url).session() as s:
        assert verify_token(s, token) == Principal("token:lake-east-worker", Role.WORKER)
    assert token not in ops_center("tokens", "list", "--db", sqlite_url).stdout
    assert_one_line_error(ops_center("tokens", "add", "lake-east-worker", "--role", "worker", "--db", sqlite_url),
                          "exists already")


def test_report_shift_prints_the_shift(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:
        s.add(Guard(id="g7", name="Wang Wei", radio_channel="3", post="Lake gate", status="on_patrol", updated_at=T0))
    moves = [[("acknowledged", 20), ("dispatched", 30), ("resolved", 200)],
             [("acknowledged", 40), ("resolved", 500)],
             [("false_alarm", 15)]]
    for i, steps in enumerate(moves):
        raised = T0 + timedelta(minutes=20 * i)
        with store.session() as s:
            writes.raise_alarm(s, alarm_record(i, run="cli", raised_at=raised, camera_id=None, place=""))
            for status, after in steps:
                transition(s, stable_id("cli", i), status, "op1", now=raised + timedelta(seconds=after),
                           reason="animal" if status == "false_alarm" else None,
                           guard_id="g7" if status == "dispatched" else None)
    shift = ("report", "shift", "--since", "2026-11-29T16:00+08:00", "--until", "2026-11-29T20:00+08:00",
             "--db", store_url)
    data = json.loads(ops_center(*shift, "--json").stdout)
    assert data["since"] == "2026-11-29T16:00:00+08:00"
    assert {k: data["total"][k] for k in ("alarms", "resolved", "false_alarms", "median_ack_s",
                                           "median_resolve_s", "sla_misses", "false_alarm_rate")} == {
        "alarms": 3, "resolved": 2, "false_alarms": 1, "median_ack_s": 30.0, "median_resolve_s": 350.0,
        "sla_misses": 1, "false_alarm_rate": pytest.approx(1 / 3)}
    assert [(g["label"], g["alarms"]) for g in data["by_guard"]] == [("Wang Wei", 1)]
    text = ops_center(*shift).stdout.splitlines()
    assert text[0] == "Shift report 2026-11-29T16:00+08:00 .. 2026-11-29T20:00+08:00  (SLA 300 s)"
    assert text[3].split() == ["all", "alarms", "3", "2", "1", "0", "0:30", "5:50", "1", "33%"]
    assert "Wang Wei" in text[-1] and "3:20" in text[-1]


def test_notices_are_posted_listed_and_removed_by_a_named_admin(sqlite_url: str) -> None:
    for name, role in (("root", "admin"), ("zhang", "resident")):
        assert ops_center("users", "add", name, "--role", role, "--db", sqlite_url).returncode == 0
    posted = ops_center("notices", "post", "--by", "root", "--title", "Water off 停水", "--body", "Building 3, 9-12.",
                        "--days", "3", "--db", sqlite_url)
    assert posted.returncode == 0 and posted.stdout.startswith("posted notice 1, shown until "), posted
    assert_one_line_error(ops_center("notices", "post", "--by", "zhang", "--title", "x", "--body", "y",
                                     "--db", sqlite_url), "zhang (resident) may not notices.manage")
    assert_one_line_error(ops_center("notices", "post", "--by", "nobody", "--title", "x", "--body", "y",
                                     "--db", sqlite_url), "--by", "'nobody'")
    assert_one_line_error(ops_center("notices", "post", "--by", "root", "--title", "a\x1bb", "--body", "y",
                                     "--db", sqlite_url), "title: control character")
    assert_one_line_error(ops_center("notices", "post", "--by", "root", "--title", "x", "--body", "y", "--days", "91",
                                     "--db", sqlite_url), "--days")
    listed = ops_center("notices", "list", "--json", "--db", sqlite_url)
    [notice] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (notice["id"], notice["title"], notice["posted_by"], notice["removed_by"]) == (1, "Water off 停水", "root", None)
    removed = ops_center("notices", "remove", "1", "--by", "root", "--db", sqlite_url)
    assert removed.returncode == 0 and "removed notice 1 (by root)" in removed.stdout
    assert ops_center("notices", "list", "--db", sqlite_url).stdout.strip() == "no notices"
    past = ops_center("notices", "list", "--all", "--db", sqlite_url).stdout
    assert "removed by root" in past and "Water off" in past
