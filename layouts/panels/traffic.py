"""Traffic and environment strip: congestion and speed per road, the latest environment values."""

from __future__ import annotations

from dash import html

from layouts.format import stamp_badge
from layouts.i18n import t, term
from layouts.panels.frame import Rendered, chip, empty, panel
from ops_center.queries.traffic import EnvironmentValue, RoadTraffic, TrafficStrip
from ops_center.vocabulary import Congestion

TONE: dict[Congestion, str] = {
    Congestion.FREE: "calm",
    Congestion.LIGHT: "calm",
    Congestion.MODERATE: "warn",
    Congestion.HEAVY: "alert",
    Congestion.JAMMED: "alert",
}


def road_item(r: RoadTraffic, lang: str) -> html.Div:
    """A road: name, congestion level, speed and the reading's age."""
    return html.Div(
        [html.Span(r.road, className="strip-name"), chip(term("congestion", r.level, lang), TONE[r.level]),
         html.B(t("traffic.speed", lang, v=f"{r.speed_kmh:.0f}"), className="strip-value"), stamp_badge(r.updated, lang)],
        className="strip-item",
    )


def env_item(v: EnvironmentValue, lang: str) -> html.Div:
    """An environment value: metric, value with unit and the reading's age."""
    return html.Div(
        [html.Span(term("metric", v.metric, lang), className="strip-name"),
         html.B(f"{v.value:g} {v.unit}".strip(), className="strip-value"), stamp_badge(v.updated, lang)],
        className="strip-item",
    )


def render(data: TrafficStrip, lang: str) -> Rendered:
    """The strip along the bottom of the wall."""
    lines = [
        html.Div(items, className="strip")
        for items in ([road_item(r, lang) for r in data.roads], [env_item(v, lang) for v in data.environment])
        if items
    ]
    attention = "warn" if any(r.level is Congestion.JAMMED for r in data.roads) else None
    return panel("traffic", lang, lines or [empty(t("traffic.none", lang))], attention=attention)
