"""The zone editor's pieces, pure: the drawing figure over the camera's frame, the form of names and
options, and the audit list. Items and messages in, Dash components and a Plotly figure out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any, get_args

from dash import dcc, html
from pydantic_core import PydanticUndefined

from layouts.format import data_attributes
from layouts.i18n import t, term
from ops_center.camera_geometry import FIELDS, MODEL, Item, Kind, points_path
from ops_center.config import LineSide
from ops_center.queries.geometry import GeometryChangeRow
from ops_center.vocabulary import Severity

WIDTH_PX = 960
DEFAULT_SIZE = (16, 9)
COLOURS: dict[Kind, str] = {"zone": "#ff8c00", "line": "#00c8ff", "space": "#50c850", "no_parking": "#d04cff"}
REFUSED = "#e8283c"
DRAG_MODE: dict[Kind, str] = {"zone": "drawclosedpath", "line": "drawline", "space": "drawclosedpath",
                              "no_parking": "drawclosedpath"}


def figure(items: Sequence[Item], by_item: Mapping[str, Sequence[str]], frame_url: str | None,
           size: tuple[int, int] | None, drawing: Kind) -> dict[str, Any]:
    """The frame (``frame_url``, ``size`` in pixels) with every item as an editable shape named by its uid;
    a refused item in red with the configuration's message beside it."""
    width, height = size or DEFAULT_SIZE
    layout: dict[str, Any] = {
        "xaxis": {"range": [0, 1], "visible": False, "fixedrange": True},
        "yaxis": {"range": [1, 0], "visible": False, "fixedrange": True},
        "width": WIDTH_PX, "height": round(WIDTH_PX * height / width), "autosize": False,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": "#111", "plot_bgcolor": "#111",
        "dragmode": DRAG_MODE[drawing],
        "newshape": {"line": {"color": COLOURS[drawing], "width": 3}, "fillcolor": COLOURS[drawing], "opacity": 0.35},
        "shapes": [_shape(item, item.uid in by_item) for item in items],
        "annotations": [_message(item, by_item[item.uid]) for item in items if item.uid in by_item and item.points],
        "showlegend": False,
    }
    if frame_url is not None:
        layout["images"] = [{"source": frame_url, "xref": "x", "yref": "y", "x": 0, "y": 0, "sizex": 1, "sizey": 1,
                             "xanchor": "left", "yanchor": "top", "sizing": "stretch", "layer": "below"}]
    return {"data": [], "layout": layout}


def _shape(item: Item, refused: bool) -> dict[str, Any]:
    colour = REFUSED if refused else COLOURS[item.kind]
    common = {"name": item.uid, "editable": True, "xref": "x", "yref": "y", "line": {"color": colour, "width": 3}}
    if item.kind == "line" and len(item.points) == 2:
        (x0, y0), (x1, y1) = item.points
        return {**common, "type": "line", "x0": x0, "y0": y0, "x1": x1, "y1": y1}
    return {**common, "type": "path", "path": points_path(item.points) if item.points else "M0,0Z",
            "fillcolor": colour, "opacity": 0.35}


def _message(item: Item, messages: Sequence[str]) -> dict[str, Any]:
    x, y = item.points[0]
    return {"x": x, "y": y, "xref": "x", "yref": "y", "text": "<br>".join(messages), "showarrow": True,
            "arrowcolor": REFUSED, "font": {"color": "#fff", "size": 13}, "bgcolor": REFUSED, "align": "left",
            "xanchor": "left" if x < 0.5 else "right"}


def choices(field: str, lang: str) -> list[dict[str, str]] | None:
    """The options of a field that takes one of a few values, or None for a text field."""
    if field == "severity":
        return [{"label": term("severity", s, lang), "value": s.value} for s in Severity]
    if field == "in_side":
        return [{"label": t(f"editor.side.{side}", lang), "value": side} for side in get_args(LineSide)]
    return None


def _field(item: Item, field: str, lang: str) -> html.Label:
    ident = {"type": "editor-field", "uid": item.uid, "field": field}
    value = item.fields.get(field)
    shown = "" if value is None else str(value)
    options = choices(field, lang)
    default = MODEL[item.kind].model_fields[field].default
    hint = "" if default is None or default is PydanticUndefined else str(default)
    control = (dcc.Dropdown(id=ident, options=options, value=shown or None, clearable=field != "in_side",
                            placeholder=hint, className="editor-choice")
               if options is not None else dcc.Input(id=ident, type="text", value=shown, placeholder=hint,
                                                     className="editor-input"))
    return html.Label([html.Span(t(f"editor.field.{field}", lang), className="editor-field-label"), control],
                      className=f"editor-field editor-field--{field}")


def form(items: Sequence[Item], by_item: Mapping[str, Sequence[str]], lang: str) -> list[html.Div]:
    """One row per item: its kind, its fields, the configuration's messages about it, and ✕ to remove it."""
    rows = []
    for item in items:
        problems = by_item.get(item.uid, [])
        rows.append(html.Div(
            [html.Span(t(f"editor.kind.{item.kind}", lang), className=f"editor-kind editor-kind--{item.kind}"),
             *(_field(item, field, lang) for field in FIELDS[item.kind]),
             html.Button("✕", id={"type": "editor-delete", "uid": item.uid}, n_clicks=0, title=t("editor.delete", lang),
                         className="editor-delete"),
             *([html.Div([html.Div(m) for m in problems], className="editor-problem", role="alert")] if problems else [])],
            className="editor-row" + (" editor-row--refused" if problems else ""),
            **data_attributes(uid=item.uid, kind=item.kind, name=item.name),
        ))
    return rows


def history(rows: Sequence[GeometryChangeRow], lang: str, tz: tzinfo) -> html.Div | html.Ul:
    """The camera's latest saves: when, who, what."""
    if not rows:
        return html.Div(t("editor.history.none", lang), className="empty")
    return html.Ul([
        html.Li([html.Span(f"{row.at.astimezone(tz):%Y-%m-%d %H:%M:%S}", className="editor-when"), " ",
                 html.Span(row.actor, className="editor-who"), " · ",
                 html.Span("; ".join(f"{t(f'editor.kind.{kind}', lang)} {name} {t(f'editor.verb.{verb}', lang)}"
                                     for kind, name, verb in row.changes) or "—", className="editor-what")],
                className="editor-change")
        for row in rows
    ], className="editor-history", id="editor-history-list")
