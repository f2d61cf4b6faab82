"""The alarm list (``/alarms``): the latest stored alarms with their snapshots, refreshing itself."""

from __future__ import annotations

from datetime import tzinfo

from dash import Dash, Input, Output, html

from layouts.access import guarded_callback
from layouts.context import AppContext, PageContext
from layouts.format import data_attributes, local_time, waiting_clock
from layouts.i18n import t, term
from layouts.panels.live import snapshot_url
from layouts.panels.security import alarm_where, status_chip
from layouts.registry import PageSpec
from ops_center.auth import Action
from ops_center.queries.security import AlarmItem, recent_alarms

LIMIT = 50
COLUMNS = ("alarms.col.time", "alarms.col.alarm", "alarms.col.where", "alarms.col.status", "alarms.col.snapshot")


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The list's container; the refresh callback fills it (in the language of the moment)."""
    return html.Div(id="alarm-list", className="alarm-page")


def alarm_line(alarm: AlarmItem, lang: str, tz: tzinfo) -> html.Tr:
    """One alarm: time and age, kind and title, camera and zone, status, snapshot."""
    snapshot = html.Img(src=snapshot_url(alarm.id), className="list-snapshot", alt="") if alarm.has_snapshot else "—"
    return html.Tr(
        [
            html.Td([html.Div(local_time(alarm.raised_at, tz, with_date=True)),
                     html.Div(waiting_clock(alarm.age_s), className="row-sub")]),
            html.Td([html.Div(term("alarm_kind", alarm.kind, lang)), html.Div(alarm.title, className="row-sub")]),
            html.Td(alarm_where(alarm)),
            html.Td(status_chip(alarm.status, lang)),
            html.Td(snapshot),
        ],
        **data_attributes(alarm_id=alarm.id),
    )


def register(app: Dash, app_ctx: AppContext) -> None:
    """The list's refresh callback."""

    @guarded_callback(app, Action.VIEW_WALL, Output("alarm-list", "children"), Input("data-tick", "n_intervals"),
                      Input("lang", "value"))
    def refresh_alarms(_tick: int | None, lang: str) -> list:
        read = app_ctx.read_context()
        with app_ctx.store.session() as session:
            alarms = recent_alarms(session, read, LIMIT)
        title = html.H1(t("alarms.title", lang, n=LIMIT), className="page-title")
        if not alarms:
            return [title, html.Div(t("alarms.none", lang), className="empty")]
        head = html.Thead(html.Tr([html.Th(t(c, lang)) for c in COLUMNS]))
        body = html.Tbody([alarm_line(a, lang, read.tz) for a in alarms])
        return [title, html.Table([head, body], className="alarm-table")]


PAGE = PageSpec(name="alarms", path="/alarms", action=Action.VIEW_WALL, nav_label="nav.alarms", layout=layout,
                register=register, popup=True)
