"""Engine set-up: SQLite in WAL mode with a busy timeout, or PostgreSQL through psycopg 3.

PostgreSQL connections carry TCP keepalives and a TCP user timeout, so a link that goes silent
(packets dropped, no reset) ends the connection with an error within a minute instead of the
kernel's two hours; a caller that must not wait long (the camera worker's store writer) also asks
for a statement timeout.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from ops_center.errors import ConfigError
from ops_center.private_files import private_file

SQLITE_BUSY_TIMEOUT_MS = 10_000
PG_CONNECT_TIMEOUT_S = 5
PG_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
PG_TCP_USER_TIMEOUT_MS = 30_000


def parse_store_url(url: str) -> URL:
    """``url`` parsed, psycopg 3 for plain ``postgresql://``; ``ValueError`` saying why it cannot be a store."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("not a database URL (sqlite:///path or postgresql://...)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError("only SQLite and PostgreSQL are supported")
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ValueError(
            "an in-memory SQLite store keeps nothing and shares nothing; name a file (sqlite:///path/ops.db)"
        )
    return parsed


def normalize_url(url: str) -> str:
    """The URL as the engine gets it; ``ConfigError`` for a URL that cannot be a store."""
    try:
        return parse_store_url(url).render_as_string(hide_password=False)
    except ValueError as exc:
        raise ConfigError(f"store URL {url!r}: {exc}") from None


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    statement_timeout_ms: int | None = None,
    **kwargs: Any,
) -> Engine:
    """Create an engine for ``url``; SQLite files get their folder, WAL and a busy timeout of
    ``busy_timeout_ms``; PostgreSQL gets connect, keepalive and TCP timeouts, and a server-side
    ``statement_timeout_ms`` when given."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_file(Path(parsed.database))  # SQLite gives its -wal and -shm files the same mode
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000}, **kwargs)
        event.listen(engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, busy_timeout_ms))
        return engine
    connect_args: dict[str, Any] = {
        "connect_timeout": PG_CONNECT_TIMEOUT_S,
        "tcp_user_timeout": PG_TCP_USER_TIMEOUT_MS,
        **PG_KEEPALIVES,
    }
    if statement_timeout_ms is not None:
        connect_args["options"] = f"-c statement_timeout={statement_timeout_ms}"
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    _enter_wal(cursor, busy_timeout_ms)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _enter_wal(cursor: Any, busy_timeout_ms: int) -> None:
    """Put the file in WAL mode, waiting up to ``busy_timeout_ms`` for other connections.

    A new file starts in rollback mode and its first connections all convert it. SQLite answers a
    conversion that meets another connection's write lock with "database is locked" at once: its
    busy handler does not run for a read turning into a write. So the wait is done here.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
