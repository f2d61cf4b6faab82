"""The Dash app factory: the wall (``/``), the alarm list (``/alarms``), live frames and snapshots.

Everything hangs off the returned app (routes on ``app.server``, callbacks on ``app``), so a later
``install_auth(app.server)`` can guard every route and callback in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dash import Dash, html

from layouts import popup, shell
from layouts.context import AppContext
from layouts.i18n import t
from layouts.media import register_media_routes
from layouts.pages import alarms, wall
from ops_center.config import SiteConfig
from ops_center.store.db import Store

ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"
WALL_ACTOR = "wall"


def create_app(config: SiteConfig, store: Store, *, actor: Callable[[], str] = lambda: WALL_ACTOR) -> Dash:
    """A Dash app reading ``store`` for ``config``'s site; ``actor`` names who acknowledges alarms."""
    app = Dash(
        __name__,
        title=f"{config.site.name} · {t('app.title', config.dashboard.language)}",
        assets_folder=str(ASSETS_DIR),
        update_title=None,
        serve_locally=True,
    )
    app_ctx = AppContext(config=config, store=store, actor=actor)
    pages = {"/": wall.layout, "/alarms": alarms.layout}
    app.layout = shell.layout(app_ctx)
    app.validation_layout = html.Div([shell.layout(app_ctx), *(page() for page in pages.values())])
    register_media_routes(app.server, store)
    shell.register(app, app_ctx, pages)
    wall.register(app, app_ctx)
    alarms.register(app, app_ctx)
    popup.register(app, app_ctx)
    return app
