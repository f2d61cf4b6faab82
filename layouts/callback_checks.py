"""Callback requests the browser could have sent, and nothing else: checked before Dash runs them.

The page posts ``/_dash-update-component`` with the callback's ``output`` and the values of its
declared inputs and states. ``body_problem`` refuses (HTTP 400, naming what is wrong) a body that
is not a JSON object, names no callback of this app, sends other inputs or states than the callback
declares, or a value of the wrong kind for a property whose kind is known (clicks and ticks are
counts, paths and text fields are text of bounded length). Values a callback cannot use beyond that
are refused by the callback itself (``layouts.access.guarded_callback``). A component-suite path
that names no file Dash serves is a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask
from dash import Dash
from dash.exceptions import DependencyException

DISPATCH_PATH = "/_dash-update-component"
MAX_TEXT = 2_000  # characters in one text value (notes hold 500: ops_center.alarm_actions)
MAX_BODY_BYTES = 1_000_000
COUNTS = frozenset({"n_clicks", "n_submit", "n_intervals", "interval"})
TEXTS = frozenset({"pathname", "search", "value"})


def install_callback_checks(app: Dash) -> None:
    """Refuse malformed callback bodies with 400 and unknown component-suite files with 404."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @server.before_request
    def check_callback_body() -> tuple[flask.Response, int] | None:
        if flask.request.path != DISPATCH_PATH or flask.request.method != "POST":
            return None
        problem = body_problem(flask.request.get_json(silent=True), app.callback_map)
        if problem is None:
            return None
        return flask.jsonify(error=f"bad callback request: {problem}"), 400

    def no_such_file(_exc: DependencyException) -> tuple[flask.Response, int]:
        return flask.jsonify(error="no such component file"), 404

    server.register_error_handler(DependencyException, no_such_file)


def body_problem(body: Any, callbacks: Mapping[str, Mapping[str, Any]]) -> str | None:
    """What is wrong with a callback request's JSON body, or ``None`` when the page could have sent it."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    spec = callbacks.get(output) if isinstance(output, str) else None
    if spec is None:
        return f"no callback has the output {str(output)[:80]!r}"
    outputs = body.get("outputs")
    if not (_is_dependency(outputs) or (isinstance(outputs, list) and outputs and all(map(_is_dependency, outputs)))):
        return "outputs: not the callback's outputs"
    for part in ("inputs", "state"):
        declared, sent = spec.get(part, []), body.get(part, [])
        if not isinstance(sent, list) or len(sent) != len(declared):
            return f"{part}: {len(declared)} expected"
        for want, item in zip(declared, sent, strict=True):
            if (problem := _item_problem(want, item)) is not None:
                return f"{part}: {problem}"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) and len(c) <= MAX_TEXT for c in changed):
        return "changedPropIds: not a list of property names"
    return None


def _is_dependency(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("property"), str) and isinstance(item.get("id"), str | dict)


def _item_problem(want: Mapping[str, str], item: Any) -> str | None:
    """One sent input or state against its declaration (a pattern-matching one is a list of matches)."""
    prop = want["property"]
    if want["id"].startswith("{"):  # pattern-matching: the ids are dicts, ALL sends a list of them
        matches = item if isinstance(item, list) else [item]
        if not all(isinstance(m, dict) and isinstance(m.get("id"), dict) and m.get("property") == prop
                   for m in matches):
            return f"{want['id']}.{prop}: not the declared pattern"
        values = [m.get("value") for m in matches]
    else:
        if not (isinstance(item, dict) and item.get("id") == want["id"] and item.get("property") == prop):
            return f"{want['id']}.{prop} expected"
        values = [item.get("value")]
    for value in values:
        if (problem := _value_problem(prop, value)) is not None:
            return f"{want['id']}.{prop}: {problem}"
    return None


def _value_problem(prop: str, value: Any) -> str | None:
    if value is None:
        return None
    if prop in COUNTS and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**53):
        return "a count expected"
    if prop in TEXTS and not (isinstance(value, str) and len(value) <= MAX_TEXT):
        return f"text of at most {MAX_TEXT} characters expected"
    return None
