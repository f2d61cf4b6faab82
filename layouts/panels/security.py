"""Security module: open alarms with how long each has waited, and the live tile of its camera."""

from __future__ import annotations

from dash import html

from layouts.format import data_attributes, waiting_clock
from layouts.i18n import t, term
from layouts.panels.frame import Rendered, chip, panel
from layouts.panels.live import live_tile, stalled_text
from ops_center.lifecycle import Status
from ops_center.queries.cameras import CameraHealth
from ops_center.queries.security import AlarmItem, SecurityPanel
from ops_center.vocabulary import Severity


def alarm_where(alarm: AlarmItem) -> str:
    """Camera, zone and place of an alarm in one line."""
    parts = [alarm.camera_name or alarm.camera_id, alarm.zone_display, alarm.place]
    return " · ".join(p for p in parts if p)


def status_chip(status: str, lang: str) -> html.Span:
    """The lifecycle status of an alarm; a new one is the loud kind."""
    return chip(term("alarm_status", status, lang), "alert" if status == Status.NEW else "info")


def severity_chip(severity: Severity, lang: str) -> html.Span:
    """An alarm's severity; a warning is the quieter kind, critical and emergency the loud one."""
    return chip(term("severity", severity, lang), "warn" if severity == Severity.WARNING else "alert")


def alarm_row(alarm: AlarmItem, lang: str) -> html.Div:
    """One open alarm: severity, what and where, status, and its waiting clock; overdue once escalated."""
    classes = ["alarm-row", f"alarm-row--{alarm.severity}"]
    if alarm.status == Status.NEW:
        classes.append("alarm-row--new")
    if alarm.overdue:
        classes.append("alarm-row--overdue")
    return html.Div(
        [
            html.Div(
                [
                    html.Div(term("alarm_kind", alarm.kind, lang), className="alarm-kind"),
                    html.Div(alarm_where(alarm), className="alarm-where"),
                ],
                className="alarm-text",
            ),
            status_chip(alarm.status, lang),
            html.Div(waiting_clock(alarm.age_s), className="alarm-age"),
        ],
        className=" ".join(classes),
        **data_attributes(alarm_id=alarm.id),
    )


def render(data: SecurityPanel, lang: str, cameras: dict[str, CameraHealth]) -> Rendered:
    """The security module for ``data`` (``cameras``: each camera's health by id); calm when no alarm is open."""
    counts = data.counts
    summary = [
        html.Span([html.B(counts.open, className="count"), t("security.open", lang)], className="stat"),
        html.Span(
            [html.B(counts.unacknowledged, className="count"), t("security.unacknowledged", lang)],
            className="stat stat--alert" if counts.unacknowledged else "stat",
        ),
    ]
    body: list = []
    if data.live_camera_id:
        camera = cameras.get(data.live_camera_id)
        caption = [html.Span(t("security.live", lang), className="live-dot"), camera.name if camera else data.live_camera_id]
        stalled = stalled_text(camera.last_frame, lang) if camera else None
        body.append(live_tile(data.live_camera_id, caption, t("camera.no_frame", lang), "live-tile--main", stalled))
    if data.alarms:
        rows = [alarm_row(a, lang) for a in data.alarms]
        hidden = counts.open - len(data.alarms)
        if hidden > 0:
            rows.append(html.Div(t("security.more", lang, n=hidden), className="more"))
        body.append(html.Div(rows, className="alarm-list"))
    else:
        body.append(html.Div(t("security.all_clear", lang), className="all-clear"))
    return panel("security", lang, body, summary=summary, attention="alert" if counts.unacknowledged else None)
