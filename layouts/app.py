"""The Dash app factory: the wall (``/``), the alarm list, the operator console, the guard's phone
page, the shift report, live frames and snapshots, all behind the login gate.

Every route (pages, Dash's data routes, assets, ``/frames`` and ``/snapshots``) needs a login;
pages need their permission (``layouts.access.PAGES``), and every server callback checks the
user's role before it reads or acts (``layouts.access.guarded_callback``).
"""

from __future__ import annotations

from pathlib import Path

from dash import Dash, html

from layouts import popup, shell
from layouts.access import PAGES, may
from layouts.context import AppContext
from layouts.i18n import t
from layouts.pages import alarms, console, guard, report, wall
from ops_center.auth import Action
from ops_center.config import SiteConfig
from ops_center.store.db import Store
from web.api import register_api
from web.auth import current_principal, install_auth
from web.media import register_media_routes

ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"


def create_app(config: SiteConfig, store: Store, *, secret_key: str) -> Dash:
    """A Dash app reading ``store`` for ``config``'s site; sessions are signed with ``secret_key``
    (at least 32 characters; see ``web.auth.secret_key_from_env``)."""
    app = Dash(
        __name__,
        title=f"{config.site.name} · {t('app.title', config.dashboard.language)}",
        assets_folder=str(ASSETS_DIR),
        update_title=None,
        serve_locally=True,
    )
    app_ctx = AppContext(config=config, store=store)
    pages = {
        "/": lambda _lang: wall.layout(),
        "/alarms": lambda _lang: alarms.layout(),
        "/console": console.layout,
        "/guard": guard.layout,
        "/report": lambda lang: report.layout(lang, app_ctx, export=may(current_principal(), Action.EXPORT_CSV)),
    }
    app.validation_layout = html.Div(
        [shell.validation_layout(app_ctx), wall.layout(), alarms.layout(), console.layout("en"), guard.layout("en"),
         report.layout("en", app_ctx, export=True)]
    )
    app.layout = lambda: shell.layout(app_ctx, current_principal())
    install_auth(app.server, store, secret_key, page_actions=PAGES)
    register_media_routes(app.server, store)
    register_api(app.server, store, config)
    shell.register(app, app_ctx, pages)
    wall.register(app, app_ctx)
    alarms.register(app, app_ctx)
    console.register(app, app_ctx)
    guard.register(app, app_ctx)
    report.register(app, app_ctx)
    popup.register(app, app_ctx)
    return app
