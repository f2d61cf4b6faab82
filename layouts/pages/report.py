"""The shift report (``/report``): alarms handled, response times, SLA misses and false alarms,
by zone and by guard, for the current shift or one of the shifts before it; CSV for managers.

The figures come from ``ops_center.reports.load_shift_report``; shift boundaries from the site's
duty shifts (``site.shifts``). The page only reads: nobody acts on alarms here.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from layouts.access import guarded_callback
from layouts.context import AppContext, PageContext
from layouts.export import csv_text
from layouts.format import data_attributes, waiting_clock
from layouts.i18n import t
from layouts.registry import PageSpec
from ops_center.auth import Action
from ops_center.errors import InputError
from ops_center.reports import Figures, ShiftReport, load_shift_report
from ops_center.shift_windows import ShiftWindow, shift_windows
from ops_center.store.types import utcnow

SHIFTS_LISTED = 14
REPORT_REFRESH_MS = 10_000
COLUMNS = ("report.col.group", "report.col.alarms", "report.col.resolved", "report.col.false", "report.col.open",
           "report.col.ack", "report.col.resolve", "report.col.sla", "report.col.false_rate")


def window_value(window: ShiftWindow) -> str:
    """A shift window as a dropdown value: ``start/end`` in ISO 8601."""
    return f"{window.start.isoformat()}/{window.end.isoformat()}"


def parse_window(value: str) -> tuple[datetime, datetime]:
    """The start and end of a dropdown value, or an ``InputError`` naming the field."""
    try:
        start, end = (datetime.fromisoformat(part) for part in value.split("/"))
    except ValueError:
        raise InputError(f"report-shift: {value!r} is not 'start/end' in ISO 8601") from None
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise InputError(f"report-shift: {value!r} needs two times with offsets, the end after the start")
    return start, end


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The shift picker, the CSV button (for those who may export: managers and admins) and the report body."""
    read = ctx.app.read_context()
    windows = shift_windows(ctx.app.config.site.shifts, read.tz, read.now, SHIFTS_LISTED)
    options = [
        {"label": (t("report.current", lang) + " · " if i == 0 else "")
         + f"{w.name} · {w.start.astimezone(read.tz):%m-%d %H:%M} – {w.end.astimezone(read.tz):%m-%d %H:%M}",
         "value": window_value(w)}
        for i, w in enumerate(windows)
    ]
    export = ([html.Button(t("report.export", lang), id="report-csv", n_clicks=0, className="console-button"),
               dcc.Download(id="report-download")]
              if ctx.may(Action.EXPORT_CSV) else [])
    return html.Div(
        [
            html.Div([html.H1(t("report.title", lang), className="page-title"),
                      dcc.Dropdown(id="report-shift", options=options, value=options[0]["value"] if options else None,
                                   clearable=False, className="report-shift"),
                      *export], className="report-bar"),
            html.Div(id="report-body", className="report-body"),
            dcc.Interval(id="report-tick", interval=REPORT_REFRESH_MS),
        ],
        className="report-page",
    )


def load(app_ctx: AppContext, value: str) -> ShiftReport:
    """The report of the shift ``value``; the current shift is judged as it stands now."""
    start, end = parse_window(value)
    with app_ctx.store.session() as session:
        return load_shift_report(session, start, min(end, utcnow()), app_ctx.config.alarms.sla_s)


def _duration(seconds: float | None) -> str:
    return "—" if seconds is None else waiting_clock(seconds)


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.0f}%"


def cells(f: Figures) -> list[str]:
    """A group's figures as table cells, in ``COLUMNS`` order after the group's name."""
    return [str(f.alarms), str(f.resolved), str(f.false_alarms), str(f.still_open), _duration(f.median_ack_s),
            _duration(f.median_resolve_s), str(f.sla_misses), _rate(f.false_alarm_rate)]


def kpis(report: ShiftReport, lang: str) -> html.Div:
    """The shift's headline figures."""
    f = report.total
    tiles = [
        ("report.kpi.alarms", str(f.alarms)),
        ("report.kpi.closed", str(f.resolved + f.false_alarms)),
        ("report.kpi.ack", _duration(f.median_ack_s)),
        ("report.kpi.resolve", _duration(f.median_resolve_s)),
        ("report.kpi.sla", str(f.sla_misses)),
        ("report.kpi.false_rate", _rate(f.false_alarm_rate)),
    ]
    return html.Div([html.Div([html.Div(t(key, lang), className="kpi-label"),
                               html.Div(value, className="kpi-value", id=f"report-{key.split('.')[-1]}")],
                              className="kpi report-kpi") for key, value in tiles], className="report-kpis")


def group_table(title_key: str, groups: list[Figures], lang: str, table_id: str) -> html.Div:
    """A table of figures per zone or per guard."""
    if not groups:
        return html.Div([html.H2(t(title_key, lang), className="section-title"),
                         html.Div("—", className="empty")])
    head = html.Thead(html.Tr([html.Th(t(c, lang)) for c in COLUMNS]))
    body = html.Tbody([html.Tr([html.Td(f.label), *(html.Td(c) for c in cells(f))], **data_attributes(key=f.key))
                       for f in groups])
    return html.Div([html.H2(t(title_key, lang), className="section-title"),
                     html.Table([head, body], className="alarm-table report-table", id=table_id)])


def render(report: ShiftReport, lang: str, tz: tzinfo) -> list:
    """The report body: the window and SLA, headline figures, then by zone and by guard."""
    window = (f"{report.since.astimezone(tz):%Y-%m-%d %H:%M} – {report.until.astimezone(tz):%Y-%m-%d %H:%M} · "
              + t("report.sla", lang, time=waiting_clock(report.sla_s)))
    return [html.Div(window, className="report-window"), kpis(report, lang),
            group_table("report.by_zone", report.by_zone, lang, "report-zones"),
            group_table("report.by_guard", report.by_guard, lang, "report-guards")]


def to_csv(report: ShiftReport, lang: str) -> str:
    """The report as CSV: one row for the shift, then one per zone and one per guard."""
    rows = [("all", t("report.all", lang), report.total)]
    rows += [("zone", f.label, f) for f in report.by_zone] + [("guard", f.label, f) for f in report.by_guard]
    return csv_text([[t("report.col.kind", lang), *(t(c, lang) for c in COLUMNS)],
                     *([kind, label, *cells(f)] for kind, label, f in rows)])


def register(app: Dash, app_ctx: AppContext) -> None:
    """The report's refresh and CSV export callbacks."""

    @guarded_callback(app, Action.VIEW_REPORTS, Output("report-body", "children"),
                      Input("report-shift", "value"), Input("report-tick", "n_intervals"), Input("lang", "value"))
    def refresh_report(value: str | None, _tick: int | None, lang: str) -> list:
        if not value:
            raise PreventUpdate
        try:
            report = load(app_ctx, value)
        except InputError as exc:
            return [html.Div(str(exc), className="outcome outcome--refused", role="alert")]
        return render(report, lang, app_ctx.read_context().tz)

    @guarded_callback(app, Action.EXPORT_CSV, Output("report-download", "data"), Input("report-csv", "n_clicks"),
                      State("report-shift", "value"), State("lang", "value"), prevent_initial_call=True)
    def export_csv(clicks: int | None, value: str | None, lang: str) -> dict:
        if not clicks or not value:
            raise PreventUpdate
        try:
            report = load(app_ctx, value)
        except InputError:
            raise PreventUpdate from None
        name = f"shift-report-{report.since.astimezone(app_ctx.read_context().tz):%Y%m%d-%H%M}.csv"
        return dcc.send_string(to_csv(report, lang), name)


PAGE = PageSpec(name="report", path="/report", action=Action.VIEW_REPORTS, nav_label="nav.report", layout=layout,
                register=register)
