"""The operator console (``/console``), the desk screen beside the wall.

Open alarms with their waiting time against the SLA; the selected alarm's evidence, its guard and
its audit trail; acknowledge, dispatch a guard from the duty roster, on scene, resolve, false alarm
(with a reason code) and notes. Every action runs ``ops_center.alarm_actions`` as the logged-in
user after a server-side role check; a refused or concurrent action shows a message, which stays
while its alarm is in view. A closed alarm stays in view for ``KEEP_CLOSED_S`` (the operator sees
how it ended), then the console moves on to the alarms still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from layouts.access import guarded_callback, refused
from layouts.context import AppContext, PageContext
from layouts.format import data_attributes, local_time, waiting_clock
from layouts.i18n import t, term
from layouts.outcome import done, refusal
from layouts.panels.guards import status_chip as guard_status_chip
from layouts.panels.live import live_tile, snapshot_url
from layouts.panels.security import alarm_where, severity_chip, status_chip
from layouts.registry import PageSpec
from ops_center.alarm_actions import NOTE_MAX_LENGTH, GuardStatus, act, add_note
from ops_center.auth import Action
from ops_center.errors import OpsError
from ops_center.lifecycle import FALSE_ALARM_REASONS, TRANSITIONS, Status, is_open
from ops_center.queries import ReadContext
from ops_center.queries.guards import GuardItem, guards_panel
from ops_center.queries.handling import Assignee, TrailStep, alarm_trail, assignees
from ops_center.queries.security import AlarmItem, alarm_item, open_alarms
from web.auth import require_action

LIST_LIMIT = 30
ROSTER_LIMIT = 50
ROW = "console-row"
KEEP_CLOSED_S = 30.0


@dataclass(frozen=True)
class Step:
    """A console button: the status it moves the alarm to (``None``: a note) and the action it needs."""

    target: Status | None
    action: Action
    label: str


STEPS: dict[str, Step] = {
    "c-ack": Step(Status.ACKNOWLEDGED, Action.ALARM_ACKNOWLEDGE, "console.acknowledge"),
    "c-dispatch": Step(Status.DISPATCHED, Action.ALARM_DISPATCH, "console.dispatch"),
    "c-on-scene": Step(Status.ON_SCENE, Action.ALARM_ON_SCENE, "console.on_scene"),
    "c-resolve": Step(Status.RESOLVED, Action.ALARM_RESOLVE, "console.resolve"),
    "c-false": Step(Status.FALSE_ALARM, Action.ALARM_FALSE_ALARM, "console.false_alarm"),
    "c-note-add": Step(None, Action.ALARM_NOTE, "console.add_note"),
}


def _button(button_id: str, lang: str, tone: str) -> html.Button:
    return html.Button(t(STEPS[button_id].label, lang), id=button_id, n_clicks=0, disabled=True,
                       className=f"console-button console-button--{tone}")


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The console's frame and controls; the refresh callback fills the lists and enables buttons."""
    reasons = [{"label": term("false_alarm_reason", r, lang), "value": r} for r in FALSE_ALARM_REASONS]
    actions = html.Div(
        [
            html.Div([_button("c-ack", lang, "alert")], className="action-row"),
            html.Div([dcc.Dropdown(id="c-guard", placeholder=t("console.choose_guard", lang), className="console-select"),
                      _button("c-dispatch", lang, "info")], className="action-row"),
            html.Div([_button("c-on-scene", lang, "info"), _button("c-resolve", lang, "calm")], className="action-row"),
            html.Div([dcc.Dropdown(id="c-reason", options=reasons, placeholder=t("console.choose_reason", lang),
                                   className="console-select"),
                      _button("c-false", lang, "muted")], className="action-row"),
            html.Div([dcc.Input(id="c-note", type="text", value="", maxLength=NOTE_MAX_LENGTH, debounce=False,
                                placeholder=t("console.note_placeholder", lang), className="console-note"),
                      _button("c-note-add", lang, "muted")], className="action-row"),
        ],
        className="console-actions",
    )
    return html.Div(
        [
            html.Section([html.H2(t("console.open_alarms", lang), className="panel-title"),
                          html.Div(id="console-alarms", className="console-alarms")],
                         className="panel console-list"),
            html.Section(
                [
                    html.Div(id="console-detail", className="console-detail"),
                    actions,
                    html.Div(id="console-message", className="console-message"),
                    html.H3(t("console.audit", lang), className="section-title"),
                    html.Div(id="console-trail", className="console-trail"),
                ],
                className="panel console-main",
            ),
            html.Section([html.H2(t("console.roster", lang), className="panel-title"),
                          html.Div(id="console-roster", className="list")],
                         className="panel console-roster"),
            dcc.Store(id="console-selected"),
            dcc.Store(id="console-current"),
            dcc.Store(id="console-changed", data=0),
            dcc.Store(id="console-message-for"),
        ],
        className="console-grid",
    )


def still_in_view(alarm: AlarmItem, ctx: ReadContext) -> bool:
    """An open alarm stays selected; a closed one only for ``KEEP_CLOSED_S`` after it closed."""
    return is_open(alarm.status) or (alarm.closed_at is not None and ctx.age_s(alarm.closed_at) < KEEP_CLOSED_S)


def sla_badge(age_s: float, sla_s: float, lang: str) -> html.Span:
    """Time left to the SLA target, or how far past it an open alarm is."""
    left = sla_s - age_s
    if left >= 0:
        return html.Span(t("console.sla_left", lang, time=waiting_clock(left)), className="sla sla--ok")
    return html.Span(t("console.sla_over", lang, time=waiting_clock(-left)), className="sla sla--over")


def alarm_row(alarm: AlarmItem, guard: Assignee | None, selected: bool, lang: str, sla_s: float) -> html.Div:
    """One open alarm in the list, clickable to select it."""
    classes = ["console-row", f"alarm-row--{alarm.severity}"]
    if alarm.status == Status.NEW.value:
        classes.append("console-row--new")
    if selected:
        classes.append("console-row--selected")
    sub = alarm_where(alarm) + (f" · {guard.name}" if guard else "")
    return html.Div(
        [
            html.Div([html.Div(term("alarm_kind", alarm.kind, lang), className="alarm-kind"),
                      html.Div(sub, className="alarm-where")], className="alarm-text"),
            status_chip(alarm.status, lang),
            html.Div([html.Div(waiting_clock(alarm.age_s), className="console-age"),
                      sla_badge(alarm.age_s, sla_s, lang)], className="console-times"),
        ],
        id={"type": ROW, "alarm": alarm.id},
        n_clicks=0,
        role="button",
        className=" ".join(classes),
        **data_attributes(alarm_id=alarm.id, status=alarm.status),
    )


def detail(alarm: AlarmItem, guard: Assignee | None, lang: str, tz: tzinfo, sla_s: float) -> html.Div:
    """The selected alarm: what, where, since when, its SLA, the guard sent, snapshot and live view."""
    pictures = [html.Figure(
        [html.Img(src=snapshot_url(alarm.id), className="console-snapshot", alt="") if alarm.has_snapshot
         else html.Div(t("popup.no_snapshot", lang), className="console-snapshot popup-snapshot--none"),
         html.Figcaption(t("popup.snapshot", lang))], className="popup-figure")]
    if alarm.camera_id:
        pictures.append(html.Figure([live_tile(alarm.camera_id, "", t("camera.no_frame", lang)),
                                     html.Figcaption(t("popup.live", lang))], className="popup-figure"))
    guard_text = (f"{guard.name} · {t('guards.radio', lang, ch=guard.radio_channel)} · {guard.post}"
                  if guard else "—")
    facts = [
        ("popup.camera", alarm.camera_name or alarm.camera_id or "—"),
        ("popup.zone", alarm.zone_display or "—"),
        ("popup.place", alarm.place or "—"),
        ("popup.time", local_time(alarm.raised_at, tz, with_date=True)),
        ("console.guard", guard_text),
    ]
    head = [
        html.Span(term("alarm_kind", alarm.kind, lang), className="console-kind"),
        severity_chip(alarm.severity, lang),
        html.Span(status_chip(alarm.status, lang), id="console-status", **data_attributes(status=alarm.status)),
    ]
    if is_open(alarm.status):
        head.append(sla_badge(alarm.age_s, sla_s, lang))
    return html.Div(
        [
            html.Div(head, className="console-head"),
            html.Div(alarm.title, className="popup-alarm-title"),
            html.Div(pictures, className="console-pictures"),
            html.Dl([part for key, value in facts for part in (html.Dt(t(key, lang)), html.Dd(value))],
                    className="console-facts"),
        ],
        **data_attributes(alarm_id=alarm.id),
    )


def trail_table(steps: list[TrailStep], lang: str, tz: tzinfo) -> html.Table | html.Div:
    """Every step of the alarm's life with who and when; a note or an escalation keeps the status."""
    if not steps:
        return html.Div("—", className="empty")
    cols = ("console.col.time", "console.col.step", "console.col.user", "console.col.note")
    rows = []
    for step in steps:
        what = t("console.annotation", lang) if step.annotation else term("alarm_status", step.to_status, lang)
        note = " · ".join(p for p in (term("false_alarm_reason", step.reason, lang) if step.reason else "", step.note) if p)
        rows.append(html.Tr([html.Td(local_time(step.at, tz, with_date=True)), html.Td(what),
                             html.Td(step.actor), html.Td(note)],
                            **data_attributes(step=step.to_status, actor=step.actor)))
    return html.Table([html.Thead(html.Tr([html.Th(t(c, lang)) for c in cols])), html.Tbody(rows)],
                      className="alarm-table trail-table")


def roster_row(g: GuardItem, lang: str) -> html.Div:
    """A guard on the roster: status, name, radio channel and post."""
    return html.Div(
        [guard_status_chip(g.status, lang),
         html.Div([html.Div(g.name, className="row-main"),
                   html.Div(f"{t('guards.radio', lang, ch=g.radio_channel)} · {g.post}", className="row-sub")],
                  className="row-text")],
        className="list-row roster-row",
        **data_attributes(guard_id=g.id, status=g.status),
    )


def guard_options(roster: list[GuardItem], lang: str) -> list[dict]:
    """The dispatch choices: guards on duty; only those on patrol (not busy) can be chosen."""
    return [
        {"label": f"{g.name} · {t('guards.radio', lang, ch=g.radio_channel)} · {g.post} · "
                  f"{term('guard_status', g.status, lang)}",
         "value": g.id, "disabled": g.status != GuardStatus.ON_PATROL.value}
        for g in roster if g.status != GuardStatus.OFF_DUTY.value
    ]


def register(app: Dash, app_ctx: AppContext) -> None:
    """The console's selection, refresh and action callbacks."""
    sla_s = app_ctx.config.alarms.sla_s

    @guarded_callback(app, Action.VIEW_CONSOLE, Output("console-selected", "data"),
                      Input({"type": ROW, "alarm": ALL}, "n_clicks"), prevent_initial_call=True)
    def select(clicks: list[int | None]) -> str:
        if not ctx.triggered_id or not any(clicks or []) or not ctx.triggered[0].get("value"):
            raise PreventUpdate
        return str(ctx.triggered_id["alarm"])

    @guarded_callback(
        app,
        Action.VIEW_CONSOLE,
        Output("console-alarms", "children"),
        Output("console-detail", "children"),
        Output("console-trail", "children"),
        Output("console-roster", "children"),
        Output("c-guard", "options"),
        Output("console-current", "data"),
        *(Output(button, "disabled") for button in STEPS),
        Output("console-message", "children", allow_duplicate=True),
        Output("console-message-for", "data", allow_duplicate=True),
        Input("data-tick", "n_intervals"),
        Input("lang", "value"),
        Input("console-selected", "data"),
        Input("console-changed", "data"),
        State("console-message-for", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def refresh_console(_tick: int | None, lang: str, selected: str | None, _changed: int | None,
                        message_for: str | None) -> tuple:
        read = app_ctx.read_context()
        with app_ctx.store.session() as session:
            alarms = open_alarms(session, read, LIST_LIMIT)
            current = alarm_item(session, read, selected) if selected else None
            if current is not None and not still_in_view(current, read):
                current = None
            if current is None and alarms:
                current = next((a for a in alarms if a.status == Status.NEW.value), alarms[0])
            guards = assignees(session, [a.id for a in alarms] + ([current.id] if current else []))
            trail = alarm_trail(session, current.id) if current else []
            roster = guards_panel(session, read, ROSTER_LIMIT).guards
        rows = [alarm_row(a, guards.get(a.id), current is not None and a.id == current.id, lang, sla_s)
                for a in alarms] or [html.Div(t("security.all_clear", lang), className="all-clear")]
        if current is None:
            body: object = html.Div(t("console.none_selected", lang), className="empty")
            allowed: frozenset[Status] = frozenset()
        else:
            body = detail(current, guards.get(current.id), lang, read.tz, sla_s)
            allowed = TRANSITIONS[Status(current.status)]
        disabled = [current is None or (step.target is not None and step.target not in allowed)
                    for step in STEPS.values()]
        current_id = current.id if current else None
        # the last action's message belongs to its alarm: it goes when another alarm comes into view
        message = ([], None) if message_for and message_for != current_id else (no_update, no_update)
        return (rows, body, trail_table(trail, lang, read.tz), [roster_row(g, lang) for g in roster],
                guard_options(roster, lang), current_id, *disabled, *message)

    @guarded_callback(
        app,
        Action.VIEW_CONSOLE,
        Output("console-message", "children"),
        Output("console-changed", "data"),
        Output("c-note", "value"),
        Output("c-guard", "value"),
        Output("console-message-for", "data"),
        Output("console-selected", "data", allow_duplicate=True),
        *(Input(button, "n_clicks") for button in STEPS),
        State("console-current", "data"),
        State("c-guard", "value"),
        State("c-reason", "value"),
        State("c-note", "value"),
        State("console-changed", "data"),
        State("lang", "value"),
        prevent_initial_call=True,
    )
    def take_step(*args: Any) -> tuple:
        alarm_id, guard_id, reason, note, changed, lang = args[len(STEPS):]
        step = STEPS.get(str(ctx.triggered_id))
        if step is None or not alarm_id:
            raise PreventUpdate
        user = require_action(step.action)
        note = str(note or "").strip()
        tz = app_ctx.read_context().tz
        try:
            with refused(), app_ctx.store.session() as session:
                if step.target is None:
                    add_note(session, user, str(alarm_id), note)
                else:
                    act(session, user, str(alarm_id), step.target.value, note=note,
                        reason=str(reason) if step.target is Status.FALSE_ALARM and reason else None,
                        guard_id=str(guard_id) if step.target is Status.DISPATCHED and guard_id else None)
        except OpsError as exc:
            return refusal(exc, lang), int(changed or 0) + 1, no_update, no_update, alarm_id, alarm_id
        cleared_guard = None if step.target is Status.DISPATCHED else no_update
        # the alarm acted on stays selected (for its next step), with the message about it
        return (done(step.target.value if step.target else "note", user.name, lang, tz), int(changed or 0) + 1, "",
                cleared_guard, alarm_id, alarm_id)


PAGE = PageSpec(name="console", path="/console", action=Action.VIEW_CONSOLE, nav_label="nav.console", layout=layout,
                register=register)
