"""The zone editor (``/editor``, admins): draw, move and remove a camera's danger zones, counting lines
and parking spaces on its current frame, name them, set their options and save them to the site file.

The picture is the camera's latest live frame (``/frames/<camera>.jpg``). Shapes are Plotly's: a
closed outline for a zone or a space, a line for a counting line; ``ops_center.camera_geometry``
turns them into the configuration's geometry, checks it with the configuration's rules (a refused
item is drawn red with the configuration's message beside it and in its row), writes the file and
audits the change. The camera's worker notices the new file and takes it without a restart.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html
from dash.exceptions import PreventUpdate

from layouts.access import guarded_callback
from layouts.context import AppContext, PageContext
from layouts.i18n import t
from layouts.panels import editor as panel
from layouts.registry import PageSpec
from ops_center.auth import Action
from ops_center.camera_geometry import (
    KINDS,
    GeometryRefused,
    Item,
    apply_relayout,
    camera_index,
    items_from_camera,
    read_site,
    revision_of,
    save_geometry,
    with_fields,
)
from ops_center.config import SLUG
from ops_center.errors import ConfigError
from ops_center.queries.geometry import frame_size, geometry_changes
from ops_center.store.types import utcnow
from web.auth import current_principal

FIELD = {"type": "editor-field", "uid": ALL, "field": ALL}
DELETE = {"type": "editor-delete", "uid": ALL}


def cameras(app_ctx: AppContext) -> list[dict[str, str]]:
    """The cameras to choose from: the site file's (as it is now), else the running configuration's."""
    if app_ctx.config_path is not None:
        try:
            _, tree = read_site(app_ctx.config_path)
            return [{"label": f"{c.get('name', c['id'])} ({c['id']})", "value": str(c["id"])}
                    for c in tree.get("cameras") or [] if isinstance(c, dict) and "id" in c]
        except ConfigError:
            pass  # the page says why when the camera is loaded
    return [{"label": f"{c.name} ({c.id})", "value": c.id} for c in app_ctx.config.cameras]


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The camera picker, what to draw, the drawing, the form, Save, the outcome and the audit list."""
    options = cameras(ctx.app)
    path = ctx.app.config_path
    note = t("editor.comments", lang, file=path) if path is not None else t("editor.no_file", lang)
    return html.Div(
        [
            html.H1(t("editor.title", lang), className="page-title"),
            html.Div([
                html.Label([t("editor.camera", lang),
                            dcc.Dropdown(id="editor-camera", options=options, clearable=False,
                                         value=options[0]["value"] if options else None, className="editor-camera")]),
                html.Label([t("editor.tool", lang),
                            dcc.RadioItems(id="editor-tool", value="zone", inline=True, className="editor-tool",
                                           options=[{"label": t(f"editor.kind.{k}", lang), "value": k} for k in KINDS])]),
                html.Button(t("editor.save", lang), id="editor-save", n_clicks=0, className="console-button"),
            ], className="editor-bar"),
            html.Div(t("editor.help", lang), className="editor-help"),
            html.Div(note, className="editor-note"),
            html.Div(id="editor-outcome", className="editor-outcome"),
            dcc.Graph(id="editor-graph", className="editor-graph", config={
                "displaylogo": False, "scrollZoom": False,
                "modeBarButtonsToAdd": ["drawclosedpath", "drawline", "eraseshape"],
                "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d",
                                           "autoScale2d", "resetScale2d", "toImage"]}),
            html.Div(id="editor-form", className="editor-form"),
            html.H2(t("editor.history", lang), className="section-title"),
            html.Div(id="editor-history"),
            dcc.Store(id="editor-state"),
        ],
        className="editor-page",
    )


def load(app_ctx: AppContext, camera_id: str) -> dict[str, Any]:
    """The editor's state for a camera as the site file has it now (``ConfigError`` naming what is wrong)."""
    path = app_ctx.config_path
    if path is None:
        camera = app_ctx.config.camera(camera_id).model_dump(mode="json")
        return _state(camera_id, "", items_from_camera(camera))
    text, tree = read_site(path)
    camera = tree["cameras"][camera_index(tree, camera_id)]
    return _state(camera_id, revision_of(text), items_from_camera(camera))


def _state(camera_id: str, revision: str, items: list[Item], refused: GeometryRefused | None = None) -> dict[str, Any]:
    return {"camera": camera_id, "revision": revision, "frame": int(time.time()), "items": [i.to_json() for i in items],
            "by_item": refused.by_item if refused else {}}


def _outcome(kind: str, lines: list[str]) -> html.Div:
    return html.Div([html.Div(line) for line in lines], className=f"outcome outcome--{kind}", role="alert")


def save(app_ctx: AppContext, state: dict[str, Any], items: list[Item], lang: str) -> tuple[dict[str, Any], html.Div]:
    """Save the items to the site file; the state and the outcome to show."""
    path = app_ctx.config_path
    if path is None:
        return state, _outcome("refused", [t("editor.no_file", lang)])
    principal = current_principal()
    actor = principal.name if principal is not None else "?"
    try:
        with app_ctx.store.session() as session:
            save_geometry(session, path, state["camera"], items, revision=state["revision"], actor=actor, at=utcnow(),
                          env=os.environ)
    except GeometryRefused as exc:
        refused = _state(state["camera"], state["revision"], items, exc)
        return refused, _outcome("refused", [t("editor.refused", lang), *exc.general,
                                             *(m for ms in exc.by_item.values() for m in ms)])
    except ConfigError as exc:
        return {**state, "items": [i.to_json() for i in items]}, _outcome("refused", [str(exc)])
    return load(app_ctx, state["camera"]), _outcome("done", [t("editor.saved", lang, file=path)])


def register(app: Dash, app_ctx: AppContext) -> None:
    """The editor's two callbacks: what is being edited (load, draw, remove, save) and how it looks."""

    @guarded_callback(app, Action.MANAGE_CAMERAS, Output("editor-state", "data"), Output("editor-outcome", "children"),
                      Input("editor-camera", "value"), Input("editor-graph", "relayoutData"),
                      Input("editor-save", "n_clicks"), Input(DELETE, "n_clicks"),
                      State("editor-state", "data"), State("editor-tool", "value"), State(FIELD, "value"),
                      State("lang", "value"))
    def edit(camera_id: str | None, relayout: dict | None, _save: int | None, _deletes: list, state: dict | None,
             tool: str | None, _fields: list, lang: str) -> tuple[dict[str, Any], Any]:
        trigger = callback_context.triggered_id
        if not camera_id:
            raise PreventUpdate
        if state is None or trigger == "editor-camera" or state.get("camera") != camera_id:
            try:
                return load(app_ctx, camera_id), []
            except ConfigError as exc:
                return _state(camera_id, "", []), _outcome("refused", [str(exc)])
        form = [(entry["id"]["uid"], entry["id"]["field"], entry.get("value"))
                for entry in callback_context.states_list[2]]
        items = with_fields([Item.from_json(i) for i in state["items"]], form)
        if trigger == "editor-save":
            return save(app_ctx, state, items, lang)
        if isinstance(trigger, dict) and trigger.get("type") == "editor-delete":
            if not callback_context.triggered[0]["value"]:
                raise PreventUpdate  # a new row's button appeared, nobody pressed it
            items = [i for i in items if i.uid != trigger["uid"]]
        elif trigger == "editor-graph" and relayout:
            drawing = tool if tool in KINDS else "zone"
            items = apply_relayout(items, relayout, drawing, lambda: f"new-{time.time_ns()}")
        else:
            raise PreventUpdate
        return {**state, "items": [i.to_json() for i in items], "by_item": {}}, []

    @guarded_callback(app, Action.MANAGE_CAMERAS, Output("editor-graph", "figure"), Output("editor-form", "children"),
                      Output("editor-history", "children"),
                      Input("editor-state", "data"), Input("editor-tool", "value"), Input("lang", "value"))
    def view(state: dict | None, tool: str | None, lang: str) -> tuple[dict[str, Any], list, Any]:
        if not state:
            raise PreventUpdate
        camera_id = str(state["camera"])
        if not re.fullmatch(SLUG, camera_id):
            raise ValueError(f"editor-state: {camera_id!r} is not a camera id")
        items = [Item.from_json(i) for i in state["items"]]
        by_item = {str(uid): [str(m) for m in ms] for uid, ms in (state.get("by_item") or {}).items()}
        with app_ctx.store.session() as session:
            size = frame_size(session, camera_id)
            changes = geometry_changes(session, camera_id)
        url = f"/frames/{camera_id}.jpg?v={int(state['frame'])}" if size is not None else None
        drawing = tool if tool in KINDS else "zone"
        rows = panel.form(items, by_item, lang)
        if size is None:
            rows.insert(0, html.Div(t("editor.no_frame", lang), className="empty"))
        return (panel.figure(items, by_item, url, size, drawing), rows,
                panel.history(changes, lang, app_ctx.read_context().tz))


PAGE = PageSpec(name="editor", path="/editor", action=Action.MANAGE_CAMERAS, nav_label="nav.editor", layout=layout,
                register=register)
