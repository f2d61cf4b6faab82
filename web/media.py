"""Flask routes on the Dash server for live frames and alarm snapshots, read from the store.

The worker writes both into the store, so they show on any host the dashboard runs on. Responses
are never cached: a live tile asks for the newest frame every few hundred milliseconds.

Who sees what follows the pages: whoever may open the wall or the console sees every camera and
every snapshot; a guard (whose phone page shows only his own dispatches, without live tiles) sees
the snapshots of alarms dispatched to him and nothing else.
"""

from __future__ import annotations

from flask import Flask, Response, abort

from ops_center.auth import Action, Principal, can
from ops_center.queries.cameras import latest_frame_jpeg
from ops_center.queries.security import dispatched_guard, snapshot_jpeg
from ops_center.store.db import Store
from web.auth import current_principal

NO_CACHE = {"Cache-Control": "no-store, no-cache, must-revalidate, max-age=0", "Pragma": "no-cache"}
WATCHING = (Action.VIEW_WALL, Action.VIEW_CONSOLE)  # pages with live tiles and every alarm's snapshot


def _jpeg(body: bytes | None) -> Response:
    if body is None:
        abort(404)
    return Response(body, mimetype="image/jpeg", headers=NO_CACHE)


def _watcher() -> Principal:
    """The logged-in user (the gate answers anonymous requests first)."""
    principal = current_principal()
    if principal is None:
        abort(401)
    return principal


def _sees_everything(principal: Principal) -> bool:
    return any(can(principal.role, action) for action in WATCHING)


def register_media_routes(server: Flask, store: Store) -> None:
    """Serve ``/frames/<camera_id>.jpg`` and ``/snapshots/<alarm_id>.jpg``; 404 when absent, 403 to
    a user whose pages do not show it."""

    @server.get("/frames/<camera_id>.jpg")
    def camera_frame(camera_id: str) -> Response:
        if not _sees_everything(_watcher()):
            abort(403)
        with store.session() as session:
            return _jpeg(latest_frame_jpeg(session, camera_id))

    @server.get("/snapshots/<alarm_id>.jpg")
    def alarm_snapshot(alarm_id: str) -> Response:
        principal = _watcher()
        with store.session() as session:
            if not _sees_everything(principal) and not (
                can(principal.role, Action.VIEW_GUARD_PAGE)
                and principal.guard_id is not None
                and dispatched_guard(session, alarm_id) == principal.guard_id
            ):
                abort(403)
            return _jpeg(snapshot_jpeg(session, alarm_id))
