"""Commerce module: merchants, footfall today against the same weekday last week, busiest shops."""

from __future__ import annotations

from dash import dcc, html

from layouts.format import number
from layouts.i18n import t
from layouts.panels import analytics
from layouts.panels.frame import Rendered, panel
from ops_center.queries.commerce import CommercePanel


def change_text(change: float | None, lang: str) -> html.Div:
    """Today against last week as a signed percentage."""
    if change is None:
        return html.Div(t("commerce.no_last_week", lang), className="delta")
    arrow, tone = ("▲", "up") if change >= 0 else ("▼", "down")
    return html.Div(
        [html.B(f"{arrow} {abs(change):.0%}", className=f"delta-value delta-value--{tone}"), " ",
         t("commerce.vs_last_week", lang)],
        className="delta",
    )


def render(data: CommercePanel, lang: str, *, analytics_link: bool) -> Rendered:
    """The commerce module; ``analytics_link``: it links to the analytics page (for those who may open it)."""
    best = data.top[0].count_in if data.top else 0
    top_rows = [
        html.Div(
            [
                html.Div(m.name, className="top-name"),
                html.Div(html.Div(className="bar-fill bar-fill--info", style={"width": f"{m.count_in / best:.0%}"}),
                         className="bar"),
                html.Div(number(m.count_in), className="top-count"),
            ],
            className="top-row",
        )
        for m in data.top
    ]
    body = [
        html.Div(
            [
                html.Div([html.Div(t("commerce.footfall_today", lang), className="kpi-label"),
                          html.B(number(data.footfall_today), className="kpi-value")], className="kpi"),
                html.Div([html.Div(t("commerce.merchants", lang), className="kpi-label"),
                          html.B(number(data.merchant_count), className="kpi-value")], className="kpi"),
            ],
            className="kpis",
        ),
        change_text(data.change, lang),
        html.Div(t("commerce.top", lang), className="chart-title"),
        html.Div(top_rows, className="top-list"),
    ]
    link = dcc.Link(t("commerce.analytics", lang), href=analytics.PATH, id="commerce-analytics",
                    className="panel-link") if analytics_link else None
    return panel("commerce", lang, body, stamp=data.updated, summary=link)
