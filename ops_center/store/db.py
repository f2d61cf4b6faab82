"""Opening the shared store: engine, migrations and a session factory in one object."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ops_center.errors import OpsError
from ops_center.store import migrate
from ops_center.store.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, make_sessionmaker


class StoreUnavailable(OpsError):
    """The store cannot be reached or opened."""


@dataclass
class Store:
    """The shared store: an engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_store(
    url: str,
    *,
    upgrade: bool = True,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    statement_timeout_ms: int | None = None,
) -> Store:
    """Connect to the store at ``url`` and (by default) migrate it to the newest schema.

    ``busy_timeout_ms`` bounds a SQLite write's wait for another writer's lock;
    ``statement_timeout_ms`` bounds every PostgreSQL statement (none by default).
    """
    engine = make_engine(url, busy_timeout_ms=busy_timeout_ms, statement_timeout_ms=statement_timeout_ms)
    try:
        if upgrade:
            migrate.upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StoreUnavailable(f"cannot open the store at {engine.url!r}: {exc.orig}") from None
    return Store(engine=engine, sessions=make_sessionmaker(engine))
