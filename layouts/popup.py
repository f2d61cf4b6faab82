"""The alarm popup: snapshot, camera, zone and time of the newest unacknowledged alarm, a sound
that repeats until someone acknowledges it, and the acknowledge control.

A cheap check (the newest unacknowledged alarm's id) runs every ``ALARM_CHECK_MS``; the popup is
rebuilt only when that id changes. The sound is played by ``assets/wall.js``, which follows the
popup's ``alarm-shown`` store. The popup opens over the wall and the alarm list; on the console the
sound alone calls the operator, who acknowledges there. Only users who may acknowledge alarms run
this callback (the shell leaves the popup out for everyone else), and the acknowledging actor is the
logged-in user.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from layouts.access import guarded_callback, refused
from layouts.context import AppContext
from layouts.format import data_attributes, local_time
from layouts.i18n import t, term
from layouts.panels.live import live_tile, snapshot_url
from layouts.panels.security import severity_chip
from ops_center.alarm_actions import act
from ops_center.auth import Action, PermissionDenied, Principal
from ops_center.errors import OpsError
from ops_center.lifecycle import Status
from ops_center.queries.security import AlarmItem, alarm_counts, alarm_item, newest_unacknowledged_id
from web.auth import require_action

ALARM_CHECK_MS = 500
SOUND_URL = "/assets/alarm.wav"


def layout() -> html.Div:
    """The hidden popup, its data store, the check interval and the sound element."""
    return html.Div(
        [
            html.Div(
                html.Div(
                    [
                        html.Div(id="popup-content"),
                        html.Button(id="ack-button", n_clicks=0, className="ack-button"),
                    ],
                    className="popup-card",
                ),
                id="alarm-popup",
                className="popup",
            ),
            dcc.Store(id="alarm-shown"),
            dcc.Interval(id="alarm-tick", interval=ALARM_CHECK_MS),
            html.Audio(id="alarm-sound", src=SOUND_URL, loop=True, preload="auto"),
        ]
    )


def render(alarm: AlarmItem, lang: str, waiting: int, tz: tzinfo) -> html.Div:
    """The popup's content for ``alarm``; ``waiting`` counts the other unacknowledged alarms."""
    picture = (
        html.Img(src=snapshot_url(alarm.id), className="popup-snapshot", alt=t("popup.snapshot", lang))
        if alarm.has_snapshot
        else html.Div(t("popup.no_snapshot", lang), className="popup-snapshot popup-snapshot--none")
    )
    pictures = [html.Figure([picture, html.Figcaption(t("popup.snapshot", lang))], className="popup-figure")]
    if alarm.camera_id:
        pictures.append(
            html.Figure(
                [live_tile(alarm.camera_id, "", t("camera.no_frame", lang)), html.Figcaption(t("popup.live", lang))],
                className="popup-figure",
            )
        )
    facts = [
        ("popup.camera", alarm.camera_name or alarm.camera_id or "—"),
        ("popup.zone", alarm.zone_display or "—"),
        ("popup.place", alarm.place or "—"),
        ("popup.time", local_time(alarm.raised_at, tz, with_date=True)),
    ]
    content = [
        html.Div(
            [
                html.Span(t("popup.title", lang), className="popup-title"),
                html.Span(term("alarm_kind", alarm.kind, lang), className="popup-kind"),
                severity_chip(alarm.severity, lang),
            ],
            className="popup-head",
        ),
        html.Div(alarm.title, className="popup-alarm-title"),
        html.Div(pictures, className="popup-pictures"),
        html.Dl(
            [part for key, value in facts for part in (html.Dt(t(key, lang)), html.Dd(value, id=f"popup-{key[6:]}"))],
            className="popup-facts",
        ),
    ]
    if waiting:
        content.append(html.Div(t("popup.more_waiting", lang, n=waiting), className="popup-more"))
    return html.Div(content, className="popup-body", **data_attributes(alarm_id=alarm.id))


def acknowledge(app_ctx: AppContext, user: Principal, alarm_id: str) -> None:
    """Acknowledge an alarm as ``user``; someone else having done it first is fine."""
    with refused():
        try:
            with app_ctx.store.session() as session:
                act(session, user, alarm_id, Status.ACKNOWLEDGED.value)
        except PermissionDenied:
            raise
        except OpsError:
            pass  # acknowledged or closed meanwhile: the check below shows what is still waiting


def register(app: Dash, app_ctx: AppContext, open_on: Sequence[str]) -> None:
    """The popup's check-and-acknowledge callback and its clientside sound control; the popup opens on
    the paths of ``open_on`` (elsewhere the sound alone calls)."""

    @guarded_callback(
        app,
        Action.ALARM_ACKNOWLEDGE,
        Output("alarm-shown", "data"),
        Output("alarm-popup", "className"),
        Output("popup-content", "children"),
        Output("ack-button", "children"),
        Output("sound-enable-label", "children"),
        Output("sound-on-label", "children"),
        Input("alarm-tick", "n_intervals"),
        Input("ack-button", "n_clicks"),
        Input("lang", "value"),
        Input("url", "pathname"),
        State("alarm-shown", "data"),
    )
    def check_alarm(_tick: int | None, _ack: int, lang: str, pathname: str | None, shown: dict | None) -> tuple:
        shown_id = (shown or {}).get("id")
        triggers = set(ctx.triggered_prop_ids)  # several inputs may fire in one request
        if "ack-button.n_clicks" in triggers and shown_id:
            acknowledge(app_ctx, require_action(Action.ALARM_ACKNOWLEDGE), shown_id)
        read = app_ctx.read_context()
        with app_ctx.store.session() as session:
            newest = newest_unacknowledged_id(session)
            if triggers == {"alarm-tick.n_intervals"} and newest == shown_id:
                raise PreventUpdate
            alarm = alarm_item(session, read, newest) if newest else None
            waiting = alarm_counts(session).unacknowledged - 1 if alarm else 0
        labels = (t("popup.acknowledge", lang), t("header.sound_enable", lang), t("header.sound_on", lang))
        if alarm is None:
            return None, "popup", [], *labels
        opened = "popup popup--open" if (pathname or "/") in open_on else "popup"
        return {"id": alarm.id}, opened, render(alarm, lang, waiting, read.tz), *labels

    app.clientside_callback(
        ClientsideFunction("ops", "alarmSound"),
        Output("sound-button", "className"),
        Input("alarm-shown", "data"),
        Input("sound-button", "n_clicks"),
    )
