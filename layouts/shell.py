"""The frame around every page: header (site, duty shift, clock, alarm count, sound, language),
the page router, the refresh intervals and the alarm popup.

Intervals keep polling while the server is away, so an open page recovers by itself after a
dashboard restart; ``assets/wall.js`` shows "connection lost" while the header stops updating.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html

from layouts import popup
from layouts.context import AppContext
from layouts.i18n import LANGUAGE_NAMES, LANGUAGES, t
from ops_center.queries.security import alarm_counts
from ops_center.queries.shift import current_shift

FRAME_REFRESH_MS = 400


def layout(app_ctx: AppContext) -> html.Div:
    """The page shell; the router fills ``page``."""
    config = app_ctx.config
    header = html.Header(
        [
            html.Div(config.site.name, className="site-name"),
            html.Div(id="header-shift", className="header-shift"),
            html.Div(id="header-clock", className="header-clock"),
            html.Div(id="header-alarms", className="header-alarms"),
            html.Div(id="link-status", className="link-status"),
            html.Nav(
                [dcc.Link(id="nav-wall", href="/", className="nav-link"),
                 dcc.Link(id="nav-alarms", href="/alarms", className="nav-link")],
                className="nav",
            ),
            html.Button(
                [html.Span(id="sound-enable-label", className="sound-enable"),
                 html.Span(id="sound-on-label", className="sound-on")],
                id="sound-button",
                n_clicks=0,
                className="sound-button",
            ),
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
            popup.layout(),
            dcc.Interval(id="data-tick", interval=config.dashboard.refresh_ms),
            dcc.Interval(id="frame-tick", interval=FRAME_REFRESH_MS),
            dcc.Store(id="server-beat"),
            dcc.Store(id="live-tiles"),
            dcc.Store(id="viewport"),
        ],
        className="app",
    )


def register(app: Dash, app_ctx: AppContext, pages: dict[str, Callable[[], Any]]) -> None:
    """The router, the header's refresh, and the clientside frame, link and viewport helpers."""

    @app.callback(Output("page", "children"), Output("page", "className"), Input("url", "pathname"),
                  State("lang", "value"))
    def route(pathname: str | None, lang: str) -> tuple:
        page = pages.get(pathname or "/")
        if page is None:
            return html.Div(t("page.not_found", lang), className="empty"), "page"
        return page(), f"page page-{(pathname or '/').strip('/') or 'wall'}"

    @app.callback(
        Output("header-shift", "children"),
        Output("header-clock", "children"),
        Output("header-alarms", "children"),
        Output("link-status", "children"),
        Output("nav-wall", "children"),
        Output("nav-alarms", "children"),
        Output("sound-enable-label", "children"),
        Output("sound-on-label", "children"),
        Output("server-beat", "data"),
        Input("data-tick", "n_intervals"),
        Input("lang", "value"),
    )
    def refresh_header(n: int | None, lang: str) -> tuple:
        read = app_ctx.read_context()
        local = read.local(read.now)
        shift = current_shift(app_ctx.config.site.shifts, local.time())
        with app_ctx.store.session() as session:
            waiting = alarm_counts(session).unacknowledged
        alarms = html.Span(f"{t('security.unacknowledged', lang)} {waiting}", className="header-badge") if waiting else ""
        return (
            t("header.shift", lang, name=shift.name),
            local.strftime("%Y-%m-%d %H:%M:%S"),
            alarms,
            t("header.link_lost", lang),
            t("nav.wall", lang),
            t("nav.alarms", lang),
            t("header.sound_enable", lang),
            t("header.sound_on", lang),
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
