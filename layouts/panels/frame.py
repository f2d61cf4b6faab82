"""The frame every wall module shares: title, summary, age of its data, calm or attention state."""

from __future__ import annotations

from typing import Any

from dash import html
from dash.development.base_component import Component

from layouts.format import stamp_badge
from layouts.i18n import t
from ops_center.queries import Stamp

Rendered = tuple[list[Any], str]


def panel(
    name: str,
    lang: str,
    body: list[Any],
    *,
    stamp: Stamp | None = None,
    summary: Any = None,
    attention: str | None = None,
) -> Rendered:
    """The children and class name of module ``name``.

    ``attention`` is None while nothing needs the operator (a calm module), ``"warn"`` for a fault
    to follow up (amber frame) and ``"alert"`` for what needs action now (a pulsing red frame).
    """
    head: list[Component] = [html.H2(t(f"panel.{name}", lang), className="panel-title")]
    if summary is not None:
        head.append(html.Div(summary, className="panel-summary"))
    if stamp is not None:
        head.append(stamp_badge(stamp, lang))
    classes = ["panel", f"panel-{name}"]
    if attention:
        classes.append(f"panel--{attention}")
    if stamp is not None and stamp.stale:
        classes.append("panel--stale")
    return [html.Div(head, className="panel-head"), html.Div(body, className="panel-body")], " ".join(classes)


def chip(text: str, tone: str) -> html.Span:
    """A small coloured label; ``tone`` is one of calm, info, warn, alert, muted."""
    return html.Span(text, className=f"chip chip--{tone}")


def empty(text: str) -> html.Div:
    """The quiet line a module shows when it has nothing to list."""
    return html.Div(text, className="empty")
