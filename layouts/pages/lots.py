"""The lot view (``/lots?lot=ID``), opened from the wall's parking module: a lot's levels with their
spaces drawn free or taken, counted by camera or by gate, with the age of each source; refreshed
with the wall's tick."""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Dash, Input, Output, dcc, html
from dash.development.base_component import Component

from layouts.access import guarded_callback
from layouts.context import AppContext, PageContext
from layouts.i18n import t
from layouts.panels import lotview
from layouts.panels.lotview import LOT_VIEW_PATH, lot_href
from layouts.registry import PageSpec
from ops_center.auth import Action
from ops_center.lot_routes import ParkingMaps
from ops_center.parking_points import watched_spaces
from ops_center.queries.parking import lot_view


def layout(lang: str, ctx: PageContext) -> html.Div:
    """Links to each mapped lot, and the body the refresh callback fills."""
    links = [dcc.Link(lot.id.upper(), href=lot_href(lot.id), id=f"lots-link-{lot.id}", className="lots-link")
             for lot in ctx.app.config.parking.lots]
    return html.Div([html.Nav(links, className="lots-nav"), html.Div(id="lots-body", className="lots-body")],
                    className="lots-page", lang=lang)


def register(app: Dash, app_ctx: AppContext) -> None:
    """The view's refresh: one session, one query, the pure renderer."""
    maps = ParkingMaps(app_ctx.config.parking)
    watched = watched_spaces(app_ctx.config.cameras)

    @guarded_callback(app, Action.VIEW_WALL, Output("lots-body", "children"), Input("data-tick", "n_intervals"),
                      Input("url", "search"), Input("lang", "value"))
    def refresh_lot(_tick: int | None, search: str | None, lang: str) -> Component:
        if not maps.graphs:
            return html.Div(t("lots.none", lang), className="empty")
        wanted = parse_qs((search or "").lstrip("?")).get("lot", [""])[0]
        graph = maps.graphs.get(wanted) or next(iter(maps.graphs.values()))
        with app_ctx.store.session() as session:
            view = lot_view(session, app_ctx.read_context(), graph.lot.id, [lv.id for lv in graph.lot.levels], watched)
        if view is None:
            return html.Div(t("lots.unknown", lang, lot=graph.lot.id), className="empty")
        return lotview.render(view, graph, lang)


PAGE = PageSpec(name="lots", path=LOT_VIEW_PATH, action=Action.VIEW_WALL, nav_label="nav.lots", layout=layout, register=register)
