"""Alarm timeline module: the last 24 hours of alarms by hour and kind."""

from __future__ import annotations

from dash import html

from layouts.charts import graph, stacked_bars
from layouts.i18n import t, term
from layouts.panels.frame import Rendered, panel
from ops_center.queries.timeline import AlarmTimeline


def render(data: AlarmTimeline, lang: str, font: float) -> Rendered:
    """The timeline module: stacked bars per hour, one colour per alarm kind."""
    hours = [h.strftime("%H") for h in data.hours]
    series = {term("alarm_kind", kind, lang): counts for kind, counts in data.counts.items()}
    body = [html.Div(graph("timeline-chart", stacked_bars(hours, series, font)), className="chart-box chart-box--full")]
    return panel("timeline", lang, body, summary=t("timeline.total", lang, n=data.total))
