"""Login sessions kept on the server, so that a session cookie can be ended wherever it was copied.

A login starts a session: a random id goes into the (signed) cookie, the store keeps only the id's
SHA-256 with the user and the time of the login. Each request looks the id up. Logout deletes that
one session; a new password, a disabled user and an admin's "log out everywhere" delete all of a
user's sessions. A session ends ``SESSION_IDLE`` after its last use (the cookie's signed time, see
``web.auth``) and at the latest ``SESSION_MAX_AGE`` after the login, however busy it is.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session

from ops_center.auth.tokens import token_hash
from ops_center.store.models import LoginSession

SESSION_IDLE = timedelta(hours=24)
SESSION_MAX_AGE = timedelta(days=7)


def start_session(session: Session, username: str, now: datetime) -> str:
    """Record a login of ``username``; return the session id for the cookie (sessions past their
    ``SESSION_MAX_AGE`` are swept away on the way)."""
    session.execute(delete(LoginSession).where(LoginSession.created_at <= now - SESSION_MAX_AGE))
    session_id = secrets.token_urlsafe(32)
    session.add(LoginSession(id_hash=token_hash(session_id), username=username, created_at=now))
    session.flush()
    return session_id


def session_user(session: Session, session_id: str, now: datetime) -> str | None:
    """The user name of a live session, or ``None`` when it was ended, is too old or is unknown
    (whether the user may still sign in is ``users.load_principal``'s to say)."""
    row = session.get(LoginSession, token_hash(session_id))
    if row is None or row.created_at + SESSION_MAX_AGE <= now:
        return None
    return row.username


def end_session(session: Session, session_id: str) -> None:
    """End one session (logout): every copy of its cookie stops working."""
    session.execute(delete(LoginSession).where(LoginSession.id_hash == token_hash(session_id)))


def end_sessions(session: Session, username: str) -> int:
    """End every session of ``username``; return how many there were."""
    ended = session.execute(delete(LoginSession).where(LoginSession.username == username))
    return cast("CursorResult[Any]", ended).rowcount
