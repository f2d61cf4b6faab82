"""Parking module: free spaces per lot now, and each lot's free spaces through today; each lot opens
its lot view."""

from __future__ import annotations

from dash import dcc, html

from layouts.charts import graph, lines
from layouts.format import number
from layouts.i18n import t
from layouts.panels.frame import Rendered, panel
from layouts.panels.lotview import lot_href
from ops_center.queries.common import Stamp
from ops_center.queries.parking import LotStatus, ParkingPanel


def lot_row(lot: LotStatus, lang: str) -> html.Div:
    """A lot: name (a link to its lot view), free spaces of its capacity, and an occupancy bar."""
    used = lot.occupied / lot.capacity if lot.capacity else 0.0
    tone = "alert" if used >= 0.95 else "warn" if used >= 0.85 else "calm"
    return html.Div(
        [
            html.Div(dcc.Link(lot.name, href=lot_href(lot.lot_id), className="lot-link"), className="lot-name"),
            html.Div(
                [html.B(number(lot.free), className="count"), " ", t("parking.of", lang, n=number(lot.capacity))],
                className="lot-free",
            ),
            html.Div(html.Div(className=f"bar-fill bar-fill--{tone}", style={"width": f"{used:.0%}"}), className="bar"),
        ],
        className="lot-row" + (" lot-row--stale" if lot.updated.stale else ""),
    )


def render(data: ParkingPanel, lang: str, font: float) -> Rendered:
    """The parking module with today's trend chart."""
    names = {lot.lot_id: lot.name for lot in data.lots}
    hours = [h.strftime("%H") for h in data.trend.hours]
    series = {names.get(lot_id, lot_id): free for lot_id, free in data.trend.free.items()}
    stamped = [lot.updated for lot in data.lots if lot.updated.at is not None]
    newest = max(stamped, key=lambda s: s.at.timestamp() if s.at else 0.0, default=Stamp(None, None, True))
    body = [
        html.Div([lot_row(lot, lang) for lot in data.lots], className="lots"),
        html.Div(t("parking.trend", lang), className="chart-title"),
        html.Div(graph("parking-trend", lines(hours, series, font)), className="chart-box"),
    ]
    summary = [html.B(number(data.total_free), className="count"), " ", t("parking.free", lang)]
    return panel("parking", lang, body, stamp=newest, summary=summary)
