"""API tokens for camera workers and sensor gateways: shown once, stored only as a SHA-256 hash.

A token is 256 random bits, so a plain SHA-256 (looked up by its unique index) is enough; a slow
password hash would only slow down every ingest request.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ops_center.auth.permissions import TOKEN_ROLES, Principal, Role, parse_role
from ops_center.errors import InputError
from ops_center.store.models import ApiToken
from ops_center.store.types import utcnow

TOKEN_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
PREFIX = "ops_"


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, role: str) -> tuple[ApiToken, str]:
    """Store a new token for a worker or a sensor; return its row and the token (to show once)."""
    if not TOKEN_NAME.match(name):
        raise InputError(f"token name {name!r}: use 1-64 lower-case letters, digits, '.', '_' or '-'")
    role_ = parse_role(role, TOKEN_ROLES, "--role")
    if session.get(ApiToken, name) is not None:
        raise InputError(f"token name {name!r} exists already")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role_.value, token_hash=token_hash(token), created_at=utcnow())
    session.add(row)
    session.flush()
    return row, token


def verify_token(session: Session, token: str) -> Principal | None:
    """The token's identity when it is known and not revoked, else ``None``."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return Principal(name=f"token:{row.name}", role=Role(row.role))


def revoke_token(session: Session, name: str) -> None:
    """Stop a token from working (the row stays, for the record)."""
    row = session.get(ApiToken, name)
    if row is None:
        raise InputError(f"no token named {name!r}")
    row.revoked_at = row.revoked_at or utcnow()


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token (hashes only), by name."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))
