"""Shared fixtures: the real model and footage from ../shared, real SQLite and PostgreSQL stores."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "False")
os.environ.setdefault("YOLO_VERBOSE", "False")

from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from ops_center.config import CONFIG_ENV, ENV_OVERRIDES
from tests.hashing import use_test_hasher
from tests.services import POSTGRES_ADMIN_URL, ensure_postgres
from tests.wall_harness import launch_chromium

# Tests describe their site themselves (store, model, data directory); an override left in the shell
# (HELPERS.md has engineers export OPS_MODEL) would replace a test's model in every worker it starts:
# the worker test of a missing model found one and waited 180 s for its 'unavailable' heartbeat.
for _name in (CONFIG_ENV, *ENV_OVERRIDES.values()):  # OPS_CONFIG, OPS_DB_URL, OPS_MODEL, OPS_DATA_DIR
    os.environ.pop(_name, None)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPS_SHARED_DIR", ROOT.parent / "shared"))
MODEL = SHARED / "models" / "yolov8n_int8.onnx"
MEDIA = SHARED / "media"
TEST_OUTPUT = ROOT / "test-output"

# Passwords are hashed and checked with argon2id at its lowest cost in this process (see
# tests/hashing.py); test_auth checks the production parameters and a login with them.
use_test_hasher()


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The real YOLOv8n COCO model (int8 ONNX) from ../shared/models."""
    assert MODEL.is_file(), f"the test model is missing: {MODEL}"
    return MODEL


@pytest.fixture(scope="session")
def media() -> Path:
    """The folder of real footage in ../shared/media."""
    assert MEDIA.is_dir(), f"the test footage is missing: {MEDIA}"
    return MEDIA


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave screenshots and other artefacts for people to look at."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One real headless Chromium (Debian's) for every browser test of the run."""
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _pages_of_a_test_close_with_it(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close what a browser test opened and left open (a failing one leaves its pages polling a
    stopped server, which slows every later test); pages of module fixtures, made before, stay."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser: Browser = request.getfixturevalue("browser")
    before = set(browser.contexts)
    yield
    for context in set(browser.contexts) - before:
        context.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file store."""
    return f"sqlite:///{tmp_path / 'ops.db'}"


@pytest.fixture(scope="module")
def module_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file store shared by the tests of one module (for data that is costly to make and only read)."""
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'ops.db'}"


# Databases a test used and that were emptied again, for the next test that asks for a fresh one.
# DROP DATABASE forces a checkpoint of the whole server on PostgreSQL 15 (1-2 s at load, for every
# test); emptying the public schema costs a few milliseconds and leaves what CREATE DATABASE gives.
_EMPTIED: list[str] = []


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A new, empty database on the local PostgreSQL server (one a previous test used, emptied
    again, when there is one), emptied or dropped on exit."""
    ensure_postgres()
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = _EMPTIED.pop() if _EMPTIED else None
    try:
        if name is None:
            name = f"ops_test_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield _database_url(name)
        finally:
            if _emptied(admin, name):
                _EMPTIED.append(name)
            else:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _database_url(name: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _emptied(admin: Engine, name: str) -> bool:
    """Close every connection to the database ``name`` and give it back its new state (an empty
    ``public`` schema as CREATE DATABASE makes it); False when it holds more than a schema can drop
    (another schema, an event trigger, a setting), to be dropped instead."""
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        if conn.scalar(text("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                            "WHERE d.datname = :name"), {"name": name}):
            return False
    engine = create_engine(_database_url(name), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            others = conn.scalar(text(
                "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                "AND nspname NOT IN ('public', 'information_schema')) + (SELECT count(*) FROM pg_event_trigger) "
                "+ (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql') "
                "+ (SELECT count(*) FROM pg_largeobject_metadata)"))
            if others:
                return False
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public AUTHORIZATION pg_database_owner"))
            conn.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))
            conn.execute(text("COMMENT ON SCHEMA public IS 'standard public schema'"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _emptied_databases_are_dropped_at_the_end() -> Iterator[None]:
    yield
    if _EMPTIED:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            while _EMPTIED:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{_EMPTIED.pop()}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    with _postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A PostgreSQL database shared by the tests of one module, dropped after the module."""
    with _postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    """The same test on a SQLite file and on a real PostgreSQL server."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_store_url(request: pytest.FixtureRequest) -> str:
    """``store_url`` shared by the tests of one module: one SQLite file and one PostgreSQL database.
    Only for tests that read; a test that writes takes its own fresh ``store_url``."""
    return request.getfixturevalue(f"module_{request.param}_url")


# What marks a test, from the fixtures it uses: `-m "not postgres and not browser and not model"`
# is then the fast core run whatever a test module forgets to declare.
POSTGRES_FIXTURES = {"postgres_url", "module_postgres_url"}
STORE_PARAMS = ("store_url", "module_store_url")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that need PostgreSQL, Chromium or the real model by the fixtures they use."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if fixtures & POSTGRES_FIXTURES or any(params.get(name) == "postgres" for name in STORE_PARAMS):
            item.add_marker(pytest.mark.postgres)
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "model_path" in fixtures:
            item.add_marker(pytest.mark.model)
