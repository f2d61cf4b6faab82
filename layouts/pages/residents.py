"""The residents' phone page (``/residents``): free spaces per lot and level with their age, the
access roads' traffic, find-my-car and the community notices; nothing else of the store.

Made for a phone (390 px). Residents sign in with the resident role; a site may publish the page
(``residents.public``) so that anyone opens it without signing in. The figures come from one
``ResidentsFigures`` per process (read at most once per ``residents.refresh_s``, shared by every
visitor), and page loads and refreshes are limited per client address (429 with ``Retry-After``).
"""

from __future__ import annotations

import html as html_text
from dataclasses import replace

import flask
from dash import Dash, Input, Output, dcc, html
from dash.development.base_component import Component

from layouts.access import guarded_callback
from layouts.callback_checks import DISPATCH_PATH
from layouts.context import AppContext, PageContext
from layouts.format import local_time, number, stamp_badge
from layouts.i18n import t
from layouts.pages import findcar
from layouts.panels.traffic import road_item
from layouts.registry import PageSpec
from ops_center.auth import Action
from ops_center.queries import ReadContext
from ops_center.queries.residents import LevelFree, LotFree, PublicNotice, ResidentsFigures, ResidentsView
from web.throttle import limit_requests

PATH = "/residents"
BODY = "residents-body"
DASH_PATHS = ("/_dash-", "/assets/", "/_favicon.ico")  # what any Dash page loads: its scripts, layout, callbacks
PUBLISHED = (PATH, findcar.PAGE.path)  # find-my-car by space number comes with the page; by plate needs a login
COUNTED_OUTPUTS = (f"{BODY}.", "findcar-result.")  # the figures' refresh and the find-my-car search


def public_path(path: str) -> bool:
    """True for what a published page needs without a login: the page, find-my-car and Dash's own
    routes (whose callbacks still check the role: the visitor's opens this page's figures and the
    route to a space number only)."""
    return path.rstrip("/") in PUBLISHED or path.startswith(DASH_PATHS)


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The page's frame; the refresh callback fills the figures."""
    find_car = [
        dcc.Link(t("residents.find_car", lang), href=findcar.PAGE.path, id="residents-find-car",
                 className="residents-find-car")
    ] if ctx.may(Action.FIND_SPACE) else []
    return html.Div(
        [
            html.H1(t("residents.title", lang), className="residents-title"),
            *find_car,
            html.Div(id=BODY, className="residents-body"),
            dcc.Interval(id="residents-tick", interval=int(ctx.app.config.residents.refresh_s * 1000)),
        ],
        className="residents-page",
        lang=lang,
    )


def level_row(level: LevelFree, read: ReadContext, lang: str) -> html.Div:
    """A level: its name, free spaces (or a dash when no space of it is registered) and their age."""
    free = "—" if level.free is None else number(level.free)
    return html.Div(
        [html.Span(level.name, className="residents-level-name"),
         html.Span([html.B(free), " ", t("parking.of", lang, n=number(level.capacity))],
                   className="residents-level-free"),
         stamp_badge(read.stamp(level.updated.at, "parking"), lang)],
        className="residents-level",
    )


def lot_card(item: LotFree, read: ReadContext, lang: str) -> html.Article:
    """A lot: free spaces of its capacity at its latest count, their age, and its levels."""
    lot = item.lot
    return html.Article(
        [
            html.Div(lot.name, className="residents-lot-name"),
            html.Div([html.B(number(lot.free), className="residents-count"), " ",
                      t("parking.free", lang), " ", t("parking.of", lang, n=number(lot.capacity))],
                     className="residents-lot-free"),
            stamp_badge(read.stamp(lot.updated.at, "parking"), lang),
            html.Div([level_row(level, read, lang) for level in item.levels], className="residents-levels"),
        ],
        className="residents-lot",
    )


def notice_card(notice: PublicNotice, read: ReadContext, lang: str) -> html.Article:
    """A notice: its title, its text and the day it was posted."""
    return html.Article(
        [html.H3(notice.title, className="residents-notice-title"),
         html.P(notice.body, className="residents-notice-body"),
         html.Div(t("residents.posted", lang, at=local_time(notice.posted_at, read.tz, with_date=True)),
                  className="residents-notice-at")],
        className="residents-notice",
    )


def render(view: ResidentsView, read: ReadContext, lang: str) -> list[Component]:
    """The page's sections for ``view``, every figure's age taken at ``read``'s moment (pure)."""
    roads = [road_item(replace(r, updated=read.stamp(r.updated.at, "traffic")), lang) for r in view.roads]

    def section(key: str, name: str, items: list, none: str) -> html.Section:
        shown = items or [html.Div(t(none, lang), className="empty")]
        return html.Section([html.H2(t(key, lang)), *shown], className=f"residents-section residents-{name}")

    return [
        section("residents.parking", "parking", [lot_card(lot, read, lang) for lot in view.lots], "residents.no_parking"),
        section("residents.traffic", "traffic", roads, "traffic.none"),
        section("residents.notices", "notices", [notice_card(n, read, lang) for n in view.notices],
                "residents.no_notices"),
    ]


def too_many(retry_after_s: int) -> flask.Response:
    """The friendly answer to an address past its limit: a short page, or JSON for a refresh."""
    message = (f"请求过于频繁，请 {retry_after_s} 秒后再试。"
               f"Too many requests from your address; try again in {retry_after_s} s.")
    if flask.request.path == DISPATCH_PATH:
        response = flask.jsonify(error=message)
    else:
        response = flask.make_response(
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>429</title></head>'
            f'<body style="font:18px system-ui,sans-serif;padding:2rem"><p id="too-many">{html_text.escape(message)}</p>'
            "</body></html>"
        )
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def limited() -> bool:
    """True for the requests the per-address limit counts: loading this page or find-my-car, refreshing
    the figures and searching for a car (which also bounds guessing plates)."""
    request = flask.request
    if request.method == "GET":
        return request.path.rstrip("/") in PUBLISHED
    if request.path != DISPATCH_PATH:
        return False
    body = request.get_json(silent=True)
    return isinstance(body, dict) and str(body.get("output", "")).startswith(COUNTED_OUTPUTS)


def register(app: Dash, app_ctx: AppContext) -> None:
    """The figures' refresh (through the shared ``ResidentsFigures``) and the per-address limit."""
    settings = app_ctx.config.residents
    figures = ResidentsFigures(app_ctx.store, app_ctx.config, settings.refresh_s)
    limit_requests(app.server, "residents' page", settings.requests_per_minute, limited, too_many,
                   app_ctx.config.dashboard.limits_storage)

    @guarded_callback(app, Action.VIEW_RESIDENTS, Output(BODY, "children"), Input("residents-tick", "n_intervals"),
                      Input("lang", "value"))
    def refresh_residents(_tick: int | None, lang: str) -> list[Component]:
        return render(figures.get(), app_ctx.read_context(), lang)


PAGE = PageSpec(name="residents", path=PATH, action=Action.VIEW_RESIDENTS, nav_label="nav.residents", layout=layout,
                register=register)
