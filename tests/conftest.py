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
# Tests describe their site themselves (store, model, data directory); an override left in the shell
# (HELPERS.md has engineers export OPS_MODEL) would replace a test's model in every worker it starts:
# the worker test of a missing model found one and waited 180 s for its 'unavailable' heartbeat.
os.environ.pop("OPS_CONFIG", None)
os.environ.pop("OPS_DB_URL", None)
os.environ.pop("OPS_MODEL", None)
os.environ.pop("OPS_DATA_DIR", None)

from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import create_engine, text

from tests.hashing import use_test_hasher
from tests.services import POSTGRES_ADMIN_URL, ensure_postgres
from tests.wall_harness import launch_chromium

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


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A new database on the local PostgreSQL server, dropped on exit."""
    ensure_postgres()
    name = f"ops_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
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
