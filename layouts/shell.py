"""The frame around every page: header (site, duty shift, clock, alarm count, the pages the user
may open, who is logged in, sound, language), the page router, the refresh intervals and, for
those who acknowledge alarms, the alarm popup.

Intervals keep polling while the server is away, so an open page recovers by itself after a
dashboard restart; ``assets/wall.js`` shows "connection lost" while the header stops updating.
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component

from layouts import popup
from layouts.access import guarded_callback, may, require_login
from layouts.context import AppContext, PageContext
from layouts.i18n import LANGUAGE_NAMES, LANGUAGES, t
from layouts.registry import PageSpec, pages_of
from ops_center.auth import Action, Principal, Role
from ops_center.queries.security import alarm_counts
from ops_center.records import LIVE_FRAME_PERIOD_S
from ops_center.shift_windows import shift_windows
from web.auth import LOGIN_PATH, LOGOUT_PATH

FRAME_REFRESH_MS = round(LIVE_FRAME_PERIOD_S * 1000)


def layout(app_ctx: AppContext, principal: Principal | None) -> html.Div:
    """The page shell for ``principal``; the router fills ``page``. Only those who may acknowledge
    alarms get the popup and its sound."""
    config = app_ctx.config
    with_popup = may(principal, Action.ALARM_ACKNOWLEDGE)
    sound = [
        html.Button(
            [html.Span(id="sound-enable-label", className="sound-enable"),
             html.Span(id="sound-on-label", className="sound-on")],
            id="sound-button",
            n_clicks=0,
            className="sound-button",
        )
    ] if with_popup else []
    header = html.Header(
        [
            html.Div(config.site.name, className="site-name", title=config.site.name),
            html.Div(id="header-shift", className="header-shift"),
            html.Div(id="header-clock", className="header-clock"),
            html.Div(id="header-alarms", className="header-alarms"),
            html.Div(id="link-status", className="link-status"),
            html.Nav(id="nav", className="nav"),
            html.Div(id="header-user", className="header-user"),
            *sound,
            dcc.RadioItems(
                id="lang",
                options=[{"label": LANGUAGE_NAMES[code], "value": code} for code in LANGUAGES],
                value=config.dashboard.language,
                inline=True,
                persistence=True,
                persistence_type="local",
                className="lang-switch",
            ),
        ],
        id="wall-header",
        className="wall-header",
    )
    return html.Div(
        [
            dcc.Location(id="url"),
            header,
            html.Main(id="page", className="page"),
            *([popup.layout()] if with_popup else []),
            dcc.Interval(id="data-tick", interval=config.dashboard.refresh_ms),
            dcc.Interval(id="frame-tick", interval=FRAME_REFRESH_MS),
            dcc.Store(id="server-beat"),
            dcc.Store(id="live-tiles"),
            dcc.Store(id="viewport"),
        ],
        className="app",
    )


def nav_links(principal: Principal, pathname: str, lang: str, pages: Sequence[PageSpec]) -> list:
    """Links to the pages of ``pages`` that ``principal`` may open; the current one marked."""
    return [
        dcc.Link(t(page.nav_label, lang), href=page.path, id=f"nav-{page.name}",
                 className="nav-link nav-link--here" if page.path == pathname else "nav-link")
        for page in pages_of(principal, pages)
    ]


def register(app: Dash, app_ctx: AppContext, pages: Sequence[PageSpec]) -> None:
    """The router over ``pages``, the header's refresh (with their navigation), and the clientside
    frame, link and viewport helpers."""
    by_path = {page.path: page for page in pages}

    @guarded_callback(app, None, Output("page", "children"), Output("page", "className"),
                      Input("url", "pathname"), Input("lang", "value"))
    def route(pathname: str | None, lang: str) -> tuple:
        path = pathname or "/"
        page = by_path.get(path)
        if page is None:
            return html.Div(t("page.not_found", lang), className="empty"), "page"
        principal = require_login()
        if not may(principal, page.action):
            return html.Div(t("page.forbidden", lang), className="empty", id="page-forbidden"), "page"
        return page.layout(lang, PageContext(app_ctx, principal)), f"page page-{page.name}"

    @guarded_callback(
        app,
        None,
        Output("header-shift", "children"),
        Output("header-clock", "children"),
        Output("header-alarms", "children"),
        Output("link-status", "children"),
        Output("nav", "children"),
        Output("header-user", "children"),
        Output("server-beat", "data"),
        Input("data-tick", "n_intervals"),
        Input("lang", "value"),
        Input("url", "pathname"),
    )
    def refresh_header(n: int | None, lang: str, pathname: str | None) -> tuple:
        principal = require_login()
        read = app_ctx.read_context()
        local = read.local(read.now)
        shift = shift_windows(app_ctx.config.site.shifts, read.tz, read.now)[0]  # the config holds one at least
        alarms: object = ""
        if may(principal, Action.VIEW_WALL) or may(principal, Action.VIEW_CONSOLE):
            with app_ctx.store.session() as session:
                waiting = alarm_counts(session).unacknowledged
            if waiting:
                alarms = html.Span(f"{t('security.unacknowledged', lang)} {waiting}", className="header-badge")
        user: list[Component]
        if principal.role is Role.PUBLIC:  # the visitor of a published residents' page
            user = [html.A(t("header.login", lang), href=LOGIN_PATH, className="logout", id="login-link")]
        else:
            user = [html.Span(principal.name, className="user-name"),
                    html.A(t("header.logout", lang), href=LOGOUT_PATH, className="logout", id="logout")]
        return (
            t("header.shift", lang, name=shift.name),
            local.strftime("%Y-%m-%d %H:%M:%S"),
            alarms,
            t("header.link_lost", lang),
            nav_links(principal, pathname or "/", lang, pages),
            user,
            n or 0,
        )

    app.clientside_callback(
        ClientsideFunction("ops", "refreshFrames"), Output("live-tiles", "data"), Input("frame-tick", "n_intervals")
    )
    app.clientside_callback(
        ClientsideFunction("ops", "watchLink"),
        Output("link-status", "className"),
        Input("frame-tick", "n_intervals"),
        Input("server-beat", "data"),
        State("data-tick", "interval"),
    )
    app.clientside_callback(
        ClientsideFunction("ops", "viewportHeight"), Output("viewport", "data"), Input("url", "pathname")
    )
