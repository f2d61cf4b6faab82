"""Find my car (``/find-car``), a phone page (390 px): type a plate or a space number and where you
are (an entrance or a lift, or the code posted near you), and see the space, its level and the
shortest walking route on each level's map, with the steps in the page's language.

A plate is only ever shown as the asker typed it: a search by plate says "<typed plate> is parked in
space X"; a search by space never shows the plate stored for it, and no page lists plates. The route
to a space number needs ``FIND_SPACE`` (a published residents' page gives it to anonymous visitors:
it reads the maps only); a search by plate needs ``FIND_CAR`` as well (a login), since it tells where
a given car stands.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from layouts.access import guarded_callback, may
from layouts.context import AppContext, PageContext
from layouts.format import data_attributes
from layouts.i18n import t
from layouts.lotmap import level_svg
from layouts.outcome import refusal
from layouts.registry import PageSpec
from layouts.sitemap import svg_data_uri
from ops_center.auth import Action
from ops_center.config import ParkingConfig
from ops_center.lot_routes import LotGraph, ParkingMaps, Route, RouteError
from ops_center.queries.parking import space_of_plate
from web.auth import current_principal

MAX_QUERY = 32  # characters of a plate or a space id


def start_options(parking: ParkingConfig, lang: str) -> list[dict[str, str]]:
    """Every lot's entrances and lifts, as the "I am at" choices."""
    return [{"label": name.text(lang), "value": start} for _, start, name in ParkingMaps.places(parking)]


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The form; the callback fills the result below it."""
    return html.Div(
        [
            html.H1(t("findcar.title", lang), className="page-title"),
            html.Label(t("findcar.query", lang), htmlFor="findcar-query", className="findcar-label"),
            dcc.Input(id="findcar-query", type="text", maxLength=MAX_QUERY, debounce=False, autoComplete="off",
                      placeholder=t("findcar.query_hint", lang), className="findcar-input"),
            html.Label(t("findcar.from", lang), htmlFor="findcar-from", className="findcar-label"),
            dcc.Dropdown(id="findcar-from", options=start_options(ctx.app.config.parking, lang),
                         placeholder=t("findcar.from_hint", lang), searchable=False, className="findcar-from"),
            dcc.Input(id="findcar-code", type="text", maxLength=20, autoComplete="off",
                      placeholder=t("findcar.code", lang), className="findcar-input"),
            html.Button(t("findcar.go", lang), id="findcar-go", n_clicks=0, className="findcar-go"),
            html.Div(id="findcar-result", className="findcar-result", role="status"),
        ],
        className="findcar-page",
        lang=lang,
    )


def route_view(route: Route, graph: LotGraph, lang: str, typed_plate: str | None) -> html.Div:
    """The space, its level, the metres, the steps, and each level walked with its part of the route."""
    level = graph.lot.level(route.space.level)
    level_name = level.name.text(lang) if level else route.space.level
    headline = (t("findcar.plate_in", lang, plate=typed_plate, space=route.space.id) if typed_plate
                else t("findcar.space", lang, space=route.space.id))
    maps: list[Component] = []
    for leg in route.legs:
        walked = graph.lot.level(leg.level)
        name = walked.name.text(lang) if walked else leg.level
        maps.append(html.Figure(
            [html.Img(src=svg_data_uri(level_svg(graph, leg.level, lang, leg=leg, mine=route.space.id)),
                      className="findcar-map", alt=name),
             html.Figcaption(name)],
            className="findcar-level", **data_attributes(level=leg.level),
        ))
    return html.Div(
        [
            html.Div(headline, className="findcar-headline"),
            html.Div(t("findcar.where", lang, level=level_name, m=round(route.metres)), className="findcar-where"),
            html.Ol([html.Li(step.text(lang)) for step in route.steps], className="findcar-steps"),
            *maps,
        ],
        className="findcar-route",
        **data_attributes(space=route.space.id, level=route.space.level, lot=route.lot_id),
    )


def _message(text: str) -> html.Div:
    return html.Div(text, className="outcome outcome--refused", role="alert")


def register(app: Dash, app_ctx: AppContext) -> None:
    """The search callback: a space on a map, else a parked car's plate; then the route."""
    maps = ParkingMaps(app_ctx.config.parking)

    @guarded_callback(
        app,
        Action.FIND_SPACE,
        Output("findcar-result", "children"),
        Input("findcar-go", "n_clicks"),
        Input("findcar-query", "n_submit"),
        Input("findcar-code", "n_submit"),
        State("findcar-query", "value"),
        State("findcar-from", "value"),
        State("findcar-code", "value"),
        State("lang", "value"),
    )
    def find_car(clicks: int | None, submitted: int | None, code_submitted: int | None, query: str | None,
                 start: str | None, code: str | None, lang: str) -> Component:
        if not (clicks or submitted or code_submitted):
            raise PreventUpdate
        query = (query or "").strip()[:MAX_QUERY]
        if not query:
            return _message(t("findcar.empty", lang))
        typed_plate = None
        graph = maps.lot_of(query)
        space = query
        if graph is None:
            if not may(current_principal(), Action.FIND_CAR):
                return _message(t("findcar.plate_needs_login", lang))
            with app_ctx.store.session() as session:
                found = space_of_plate(session, query)
            if found is None:
                return _message(t("findcar.no_match", lang, q=query))
            typed_plate, space = query, found
            graph = maps.lot_of(space)
            if graph is None:
                return _message(t("findcar.off_map", lang, space=space))
        start = (code or "").strip() or start or _first_start(graph)
        try:
            route = maps.route(start, space)
        except RouteError as exc:
            return refusal(exc, lang)
        return route_view(route, graph, lang, typed_plate)


def _first_start(graph: LotGraph) -> str:
    """Where a route starts when the asker names no place: the lot's first entrance, else its first lift."""
    places = [e.id for e in graph.lot.entrances] + [lift.id for lift in graph.lot.lifts]
    return places[0] if places else ""


PAGE = PageSpec(name="findcar", path="/find-car", action=Action.FIND_SPACE, nav_label="nav.findcar", layout=layout,
                register=register)
