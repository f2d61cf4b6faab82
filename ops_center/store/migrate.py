"""Run the store's Alembic migrations from code (workers, dashboard and CLI all call this).

Several processes may open a new store at once (gunicorn's web workers, camera workers): the
upgrade runs under a lock (PostgreSQL: an advisory lock; SQLite: a lock file beside the database)
and whoever comes second finds the schema already there.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
PG_MIGRATION_LOCK = 72210001


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest migration revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at, or ``None`` for an empty store."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the store to the newest schema; cheap when it is already there."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    with _sqlite_file_lock(engine):
        if current_revision(engine) == head:  # another process migrated while we waited
            return
        cfg = alembic_config()
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>.migrate.lock`` for a SQLite file store."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
