"""The HTTP ingest API: JSON routes under ``/api/v1/`` for sensor gateways with a bearer token.

``POST /api/v1/<feed>`` for every feed of ``ops_center.ingest.FEEDS`` (fire/signals, parking/counts,
parking/spaces, footfall, traffic, environment) and ``GET /api/v1/health``. The login gate of
``web.auth.install_auth`` answers anonymous calls (401); each route then asks for
``ingest.sensor`` (403 otherwise). A bad body gets 400 ``{"error": "<field>: <problem>"}`` and
stores nothing; a good one gets 200 with the counts stored. See docs/ingest.md.
"""

from __future__ import annotations

from collections.abc import Callable

import flask
from werkzeug.exceptions import HTTPException

from ops_center.auth import Action
from ops_center.config import SiteConfig
from ops_center.errors import InputError
from ops_center.ingest import FEEDS, ingest
from ops_center.store.db import Store
from ops_center.store.types import utcnow
from web.auth import current_principal, require_action

API_PREFIX = "/api/v1"
Answer = tuple[flask.Response, int]


def register_api(server: flask.Flask, store: Store, site: SiteConfig) -> None:
    """Add the ingest routes and ``/api/v1/health`` to ``server`` (install the auth gate too);
    batches are checked against ``site``'s registered roads, stations and bounds."""
    api = flask.Blueprint("ingest_api", __name__, url_prefix=API_PREFIX)
    for feed in FEEDS:
        view = _ingest_view(store, feed, site)
        api.add_url_rule(f"/{feed}", f"post_{feed.replace('/', '_')}", view, methods=["POST"])
    api.add_url_rule("/health", "health", _health, methods=["GET"])
    api.register_error_handler(HTTPException, _json_error)
    server.register_blueprint(api)


def _ingest_view(store: Store, feed: str, site: SiteConfig) -> Callable[[], Answer]:
    def view() -> Answer:
        require_action(Action.INGEST_SENSOR)
        try:
            with store.session() as session:  # rolled back whole when the batch is refused
                result = ingest(session, feed, flask.request.get_data(), utcnow(), site)
        except InputError as exc:
            return flask.jsonify(error=str(exc)), 400
        return flask.jsonify(result.as_dict()), 200

    return view


def _health() -> Answer:
    """Who the caller is and which feeds exist; reaching here means the store answered the token check."""
    principal = current_principal()
    if principal is None:
        flask.abort(401)
    return flask.jsonify(
        status="ok",
        principal=principal.name,
        role=principal.role.value,
        feeds=[f"{API_PREFIX}/{feed}" for feed in FEEDS],
    ), 200


def _json_error(exc: HTTPException) -> Answer:
    return flask.jsonify(error=exc.description), exc.code or 500
