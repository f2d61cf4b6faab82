"""Small dark plotly charts for the wall, with fonts sized to the screen they are drawn on.

The wall redraws every second but its chart data changes far less often, and building a plotly
figure is the dearest part of a redraw: each figure is built once per distinct input and kept
(as plotly JSON) in a small cache.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc

PALETTE = ("#4fc3f7", "#ffb74d", "#81c784", "#ba68c8", "#f06292", "#fff176", "#90a4ae")
TEXT = "#b8c4d6"
GRID = "rgba(184,196,214,0.12)"
CACHED_FIGURES = 16  # a few walls at different sizes, in both languages
Figure = dict[str, Any]


def font_px(viewport_height: float | None) -> float:
    """Chart font size matching the page's type (1.3 % of the viewport height; 14 px by default)."""
    return round(max(10.0, (viewport_height or 1080) * 0.013), 1)


def themed_figure(traces: Sequence[go.BaseTraceType], font: float, **layout: Any) -> go.Figure:
    """``traces`` in the dark theme at ``font`` px (the wall's charts and the analytics page's)."""
    fig = go.Figure(list(traces))
    fig.update_layout(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": TEXT, "size": font, "family": "Noto Sans CJK SC, Noto Sans, sans-serif"},
        margin={"l": font * 2.6, "r": font * 0.6, "t": font * 0.4, "b": font * 1.8},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": font}},
        xaxis={"gridcolor": GRID, "tickfont": {"size": font}, "type": "category"},
        yaxis={"gridcolor": GRID, "tickfont": {"size": font}, "rangemode": "tozero"},
        **layout,
    )
    return fig


def _frozen(series: Mapping[str, Sequence[Any]]) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    return tuple((name, tuple(values)) for name, values in series.items())


def stacked_bars(x: Sequence[str], series: Mapping[str, Sequence[int]], font: float) -> Figure:
    """Stacked bars: one series per name (e.g. alarms per hour and kind)."""
    return _stacked_bars(tuple(x), _frozen(series), font)


def lines(x: Sequence[str], series: Mapping[str, Sequence[float | None]], font: float) -> Figure:
    """One line per name (e.g. free spaces per lot and hour)."""
    return _lines(tuple(x), _frozen(series), font)


@functools.lru_cache(maxsize=CACHED_FIGURES)
def _stacked_bars(x: tuple[str, ...], frozen: tuple[tuple[str, tuple[int, ...]], ...], font: float) -> Figure:
    series = dict(frozen)
    traces = [
        go.Bar(x=list(x), y=list(values), name=name, marker_color=PALETTE[i % len(PALETTE)])
        for i, (name, values) in enumerate(series.items())
    ] or [go.Bar(x=list(x), y=[0] * len(x), showlegend=False)]  # no alarms: the empty hours still show
    peak = max((sum(column) for column in zip(*series.values(), strict=False)), default=0)
    fig = themed_figure(traces, font, barmode="stack", showlegend=bool(series))
    fig.update_yaxes(dtick=max(1, math.ceil(peak / 4)), range=[0, max(peak, 1) * 1.05])
    return fig.to_plotly_json()


@functools.lru_cache(maxsize=CACHED_FIGURES)
def _lines(x: tuple[str, ...], frozen: tuple[tuple[str, tuple[float | None, ...]], ...], font: float) -> Figure:
    series = dict(frozen)
    traces = [
        go.Scatter(
            x=list(x), y=list(values), name=name, mode="lines+markers",
            line={"color": PALETTE[i % len(PALETTE)], "width": font / 5}, marker={"size": font / 3},
            connectgaps=False,
        )
        for i, (name, values) in enumerate(series.items())
    ]
    return themed_figure(traces, font, showlegend=bool(series)).to_plotly_json()


def graph(graph_id: str, figure: Figure) -> dcc.Graph:
    """A static (no toolbar, no hover) graph that fills its box."""
    return dcc.Graph(
        id=graph_id,
        figure=figure,
        config={"staticPlot": True, "displayModeBar": False},
        responsive=True,
        className="chart",
        style={"height": "100%", "width": "100%"},
    )
