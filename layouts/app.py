"""The Dash app factory: the pages of ``layouts.pages.PAGES`` (the wall, the alarm list, the
operator console, the guard's phone page, the shift report, the analytics page), the alarm popup,
live frames and snapshots, all behind the login gate.

Every route (pages, Dash's data routes, assets, ``/frames`` and ``/snapshots``) needs a login,
except, on a site that publishes it (``residents.public``), the residents' page and what it loads;
pages need their permission (each page's ``PageSpec.action``), and every server callback checks the
user's role before it reads or acts (``layouts.access.guarded_callback``).
"""

from __future__ import annotations

from pathlib import Path

from dash import Dash
from werkzeug.middleware.proxy_fix import ProxyFix

from layouts import popup, shell
from layouts.callback_checks import install_callback_checks
from layouts.context import AppContext
from layouts.i18n import t
from layouts.pages import PAGES, residents
from layouts.registry import page_actions, popup_paths
from ops_center.config import SiteConfig
from ops_center.store.db import Store
from web.api import register_api
from web.auth import current_principal, install_auth
from web.headers import install_security_headers
from web.media import register_media_routes

ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"


def create_app(config: SiteConfig, store: Store, *, secret_key: str, config_path: Path | None = None) -> Dash:
    """A Dash app reading ``store`` for ``config``'s site; sessions are signed with ``secret_key``
    (at least 32 characters; see ``web.auth.secret_key_from_env``). ``config_path``: the site file
    ``config`` came from, where the zone editor saves (None: the editor cannot save)."""
    app = Dash(
        __name__,
        title=f"{config.site.name} · {t('app.title', config.dashboard.language)}",
        assets_folder=str(ASSETS_DIR),
        update_title="",  # the tab title stays put while callbacks run
        serve_locally=True,
        # A page's components appear only when the router shows it. Dash would otherwise embed every
        # page as an admin sees it (the zone editor's cameras too) in the HTML of every page, the
        # published residents' page included, only to check callbacks in its debug tools.
        suppress_callback_exceptions=True,
    )
    app_ctx = AppContext(config=config, store=store, config_path=config_path)
    app.layout = lambda: shell.layout(app_ctx, current_principal())
    install_auth(
        app.server, store, secret_key, page_actions=page_actions(PAGES), secure_cookie=config.dashboard.secure_cookie,
        public_paths=residents.public_path if config.residents.public else None,
        limits_storage=config.dashboard.limits_storage,
    )
    install_callback_checks(app)  # after the login gate: anonymous requests meet the gate first
    register_media_routes(app.server, store)
    register_api(app.server, store, config)
    shell.register(app, app_ctx, PAGES)
    for page in PAGES:
        page.register(app, app_ctx)
    popup.register(app, app_ctx, popup_paths(PAGES))
    install_security_headers(app.server, app.csp_hashes())  # after every inline script exists
    if hops := config.dashboard.proxy_hops:  # the client's address and scheme as the proxy saw them
        app.server.wsgi_app = ProxyFix(app.server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
