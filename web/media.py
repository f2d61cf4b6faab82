"""Flask routes on the Dash server for live frames and alarm snapshots, read from the store.

The worker writes both into the store, so they show on any host the dashboard runs on. Responses
are never cached: a live tile asks for the newest frame every few hundred milliseconds.
"""

from __future__ import annotations

from flask import Flask, Response, abort

from ops_center.queries.cameras import latest_frame_jpeg
from ops_center.queries.security import snapshot_jpeg
from ops_center.store.db import Store

NO_CACHE = {"Cache-Control": "no-store, no-cache, must-revalidate, max-age=0", "Pragma": "no-cache"}


def _jpeg(body: bytes | None) -> Response:
    if body is None:
        abort(404)
    return Response(body, mimetype="image/jpeg", headers=NO_CACHE)


def register_media_routes(server: Flask, store: Store) -> None:
    """Serve ``/frames/<camera_id>.jpg`` and ``/snapshots/<alarm_id>.jpg``; 404 when absent."""

    @server.get("/frames/<camera_id>.jpg")
    def camera_frame(camera_id: str) -> Response:
        with store.session() as session:
            return _jpeg(latest_frame_jpeg(session, camera_id))

    @server.get("/snapshots/<alarm_id>.jpg")
    def alarm_snapshot(alarm_id: str) -> Response:
        with store.session() as session:
            return _jpeg(snapshot_jpeg(session, alarm_id))
