"""The demo's users and session secret: ``python run_dashboard.py`` with no arguments signs nobody in
by itself, so it creates one user per role (two guards: one per shift of the simulated roster) and
prints each password once, when the user is created. A real site adds users with
``ops-center users add`` and sets ``OPS_SECRET_KEY``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

from ops_center.auth import create_user, generate_password
from ops_center.private_files import private_file
from ops_center.simulator.guards import ROSTER
from ops_center.store.db import Store
from ops_center.store.models import Guard, User


def _first_guard(shift: str) -> str:
    return next(guard_id for guard_id, _name, _channel, guard_shift in ROSTER if guard_shift == shift)


SECRET_FILE = "session_secret"

# username, role, roster guard (for guard users)
DEMO_USERS: tuple[tuple[str, str, str | None], ...] = (
    ("operator", "operator", None),
    ("guard-day", "guard", _first_guard("day")),
    ("guard-night", "guard", _first_guard("night")),
    ("manager", "manager", None),
    ("admin", "admin", None),
    ("resident", "resident", None),
)


def demo_secret(
    env: Mapping[str, str], secret_env: str, data_dir: Path, say: Callable[[str], None] = print
) -> str | None:
    """``None`` when ``secret_env`` is set (the caller validates it), else the demo's own secret.

    The secret is made once and kept in ``data_dir`` (readable by its owner only), so the wall's
    open page stays signed in across a restart of the demo.
    """
    if env.get(secret_env):
        return None
    path = data_dir / SECRET_FILE
    if not path.exists():
        private_file(path)
        path.write_text(secrets.token_urlsafe(32), encoding="ascii")
        say(f"{secret_env} is not set: made a session secret for the demo in {path}")
    return path.read_text(encoding="ascii").strip()


def ensure_demo_users(store: Store, say: Callable[[str], None] = print) -> list[str]:
    """Create the demo users that do not exist yet, print their passwords once; return their names."""
    created: list[tuple[str, str, str | None, str]] = []
    with store.session() as session:
        for username, role, guard_id in DEMO_USERS:
            if session.get(User, username) is not None:
                continue
            guard = session.get(Guard, guard_id) if guard_id else None
            if guard_id and guard is None:
                continue  # no simulated roster (simulator off): no demo guard user
            password = generate_password()
            create_user(session, username, role, password, guard_id=guard_id)
            created.append((username, role, f"{guard.name}, {guard_id}" if guard else None, password))
    if not created:
        say("demo users exist already: " + ", ".join(name for name, _, _ in DEMO_USERS)
            + " (passwords were printed when they were created;"
            + f" a new one: ops-center users passwd NAME --db {store.engine.url})")
    for username, role, roster_entry, password in created:
        linked = f": {roster_entry}" if roster_entry else ""
        say(f"demo user {username:12} ({role}{linked})  password: {password}   (shown once)")
    return [name for name, *_ in created]
