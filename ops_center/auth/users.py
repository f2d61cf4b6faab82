"""People who log in: argon2id password hashes, a login check, and a guard linked to his roster row."""

from __future__ import annotations

import functools
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ops_center.auth.permissions import USER_ROLES, Principal, Role, parse_role
from ops_center.auth.sessions import end_sessions
from ops_center.errors import InputError
from ops_center.store.models import Guard, User

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """The hash (made by ``hasher``, at its cost) an unknown user name's password is checked against,
    so a login takes as long whether or not the user exists. Made once per process when first asked
    (the web server asks at start, ``web.auth``), not at import: commands that never check a
    password start 0.3 s sooner."""
    return hasher.hash(secrets.token_urlsafe(16))


def prepare_login_checks() -> None:
    """Make the unknown-user hash now, so no sign-in, the first included, waits for it."""
    _dummy_hash(_hasher)


def generate_password() -> str:
    """A random password to show once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; parameters travel inside the hash)."""
    return _hasher.hash(password)


def create_user(
    session: Session, username: str, role: str, password: str, *, guard_id: str | None = None
) -> User:
    """Add a user; raise ``InputError`` naming the bad argument (name, role, password, guard)."""
    if not USERNAME.match(username):
        raise InputError(
            f"username {username!r}: use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    role_ = parse_role(role, USER_ROLES, "--role")
    _check_password(password)
    if role_ is Role.GUARD and guard_id is None:
        raise InputError("--guard: a guard user must be linked to a guard on the roster")
    if role_ is not Role.GUARD and guard_id is not None:
        raise InputError(f"--guard: only guard users are linked to the roster, not {role_.value} users")
    if session.get(User, username) is not None:
        raise InputError(f"username {username!r} exists already")
    if guard_id is not None:
        _check_guard(session, guard_id)
    user = User(username=username, role=role_.value, password_hash=hash_password(password), guard_id=guard_id)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Give a user a new password (the old one and every open session stop working at once)."""
    user = _existing(session, username)
    _check_password(password)
    user.password_hash = hash_password(password)
    end_sessions(session, username)
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Enable or disable a user; disabling ends his sessions (enabling him again revives none)."""
    user = _existing(session, username)
    user.active = active
    if not active:
        end_sessions(session, username)
    return user


def log_out_everywhere(session: Session, username: str) -> int:
    """End every session of the user ``username`` (an admin's "log out everywhere"); return how many."""
    return end_sessions(session, _existing(session, username).username)


def _existing(session: Session, username: str) -> User:
    user = session.get(User, username)
    if user is None:
        known = ", ".join(session.scalars(select(User.username).order_by(User.username))) or "none"
        raise InputError(f"no user {username!r} (users: {known})")
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password: at least {MIN_PASSWORD_LENGTH} characters are needed")


def _check_guard(session: Session, guard_id: str) -> None:
    if session.get(Guard, guard_id) is None:
        known = ", ".join(session.scalars(select(Guard.id).order_by(Guard.id))) or "none"
        raise InputError(f"--guard: no guard {guard_id!r} on the roster (guards: {known})")
    holder = session.scalar(select(User.username).where(User.guard_id == guard_id))
    if holder is not None:
        raise InputError(f"--guard: guard {guard_id!r} is linked to user {holder!r} already")


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    """The user as a ``Principal`` when the name and password match an active user, else ``None``.

    A hash made with older argon2 parameters is upgraded on a successful login.
    """
    user = session.get(User, username)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(_hasher), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return principal_of(user)


def principal_of(user: User) -> Principal:
    """The acting identity of a stored user."""
    return Principal(name=user.username, role=Role(user.role), guard_id=user.guard_id)


def load_principal(session: Session, username: str) -> Principal | None:
    """The active user with this name (e.g. from a signed session cookie), or ``None``."""
    user = session.get(User, username)
    return principal_of(user) if user is not None and user.active else None


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.username)))
