"""The lot view: each level of a lot drawn with its spaces free or taken, its free count, and the
sources that count it (cameras or the gate) with the age of each. Pure: the query's ``LotView`` and
the lot's graph in, components out."""

from __future__ import annotations

from dash import html

from layouts.format import data_attributes, number, stamp_badge
from layouts.i18n import t
from layouts.lotmap import level_svg
from layouts.sitemap import svg_data_uri
from ops_center.lot_routes import LotGraph
from ops_center.queries.parking import CountSource, LevelState, LotView

LOT_VIEW_PATH = "/lots"
COUNTED_BY = {"camera": "lots.by_camera", "gate": "lots.by_gate", None: "lots.no_source"}


def lot_href(lot_id: str) -> str:
    """The address of one lot's view (the wall's parking module links each lot there)."""
    return f"{LOT_VIEW_PATH}?lot={lot_id}"


def source_line(source: CountSource, lang: str) -> html.Span:
    """One source: its name and how old its latest word is."""
    return html.Span([html.Span(source.name, className="lot-source-name"), " ", stamp_badge(source.updated, lang)],
                     className=f"lot-source lot-source--{source.kind}",
                     **data_attributes(source=source.name, kind=source.kind))


def level_block(state: LevelState, graph: LotGraph, lang: str) -> html.Section:
    """A level: name, free spaces, who counts them, and its drawing."""
    level = graph.lot.level(state.level)
    name = level.name.text(lang) if level else state.level
    return html.Section(
        [
            html.Div([html.H2(name, className="lot-level-name"),
                      html.Span(t("lots.free", lang, free=number(state.free), spaces=number(state.spaces)),
                                className="lot-level-free")], className="lot-level-head"),
            html.Div([html.Span(t(COUNTED_BY[state.counted_by], lang), className="lot-counted-by"),
                      *(source_line(s, lang) for s in state.sources)], className="lot-sources"),
            html.Img(src=svg_data_uri(level_svg(graph, state.level, lang, taken=state.taken)), className="lot-map",
                     alt=name),
        ],
        className="lot-level",
        **data_attributes(level=state.level, counted_by=state.counted_by or "none", free=state.free,
                          taken=len(state.taken)),
    )


def render(view: LotView, graph: LotGraph, lang: str) -> html.Div:
    """The whole lot, level by level."""
    return html.Div(
        [html.Div([html.H1(view.name, className="page-title"), html.Span(t("lots.legend", lang), className="row-sub")],
                  className="lot-head"),
         *(level_block(state, graph, lang) for state in view.levels)],
        className="lot-view",
        **data_attributes(lot=view.lot_id),
    )
