"""The analytics page (``/analytics``) for managers, operators and admins: footfall over a date range
against a comparison period, per merchant and hour, day or week, the weekday x hour heat map, the
sortable league table, and each merchant's own view (``/analytics?merchant=ID``); CSV of every
table and PNG of every chart for those who may export (``Action.EXPORT_CSV``).

The figures come from ``ops_center.queries.analytics`` over periods of
``ops_center.queries.periods``; the pieces are drawn by ``layouts.panels.analytics``. One callback
draws the page from its controls, one sorts a table, one exports CSV; the PNG is made in the
browser from the chart itself (``assets/analytics.js``).

While the demo's simulator is still loading the shops' history in the background, the page says so:
a comparison period reaching before the oldest day loaded is not compared with, and a range that
does shows only its chart (the days loaded so far; the rest are gaps), never totals of a part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from layouts.access import guarded_callback, may, require_login
from layouts.context import AppContext, PageContext
from layouts.export import csv_text
from layouts.format import data_attributes
from layouts.i18n import t
from layouts.panels import analytics as panels
from layouts.registry import PageSpec
from ops_center.auth import Action
from ops_center.errors import InputError
from ops_center.queries.analytics import (
    FormatRow,
    GarageHours,
    Granularity,
    Headline,
    HeatMap,
    HourlyProfile,
    LeagueRow,
    SalesRow,
    Series,
    garage_against_footfall,
    headline,
    heat_map,
    hourly_profile,
    league,
    league_by_format,
    sales,
    sales_by_format,
    series,
)
from ops_center.queries.periods import Comparison, Period, Preset, comparison, custom, preset
from ops_center.simulator.commerce import ShopHistory, day_start, shop_history

CUSTOM = "custom"
RANGES = (*(p.value for p in Preset), CUSTOM)
GRANULARITIES: tuple[Granularity, ...] = ("hour", "day", "week")
HOURLY_MAX_DAYS = 31  # longer ranges are drawn per day (a line of 24 points a day stops being readable)
CUSTOM_MAX_DAYS = 366
KEPT: dict[str, Any] = {"persistence": True, "persistence_type": "session"}  # through a language switch and reloads
CSV_TABLES = ("headline", "series", "heat_map", "league", "formats", "sales", "sales_formats", "garage", "merchant",
              "profile")


# --- what the controls ask for (pure) ------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The period, its comparison period and the series' granularity the page's controls ask for."""

    period: Period
    compared_with: Period
    granularity: Granularity
    hourly_refused: bool  # per hour was asked over more than HOURLY_MAX_DAYS days: drawn per day


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"{field}: {str(value)[:40]!r} is not a date (YYYY-MM-DD)") from None


def selection(range_value: Any, start: Any, end: Any, compare: Any, granularity: Any,
              now: datetime, tz: ZoneInfo) -> Selection:
    """The controls' values as a ``Selection``; an ``InputError`` naming the control otherwise."""
    if range_value not in RANGES:
        raise InputError(f"analytics-range: {str(range_value)[:40]!r} is not one of {', '.join(RANGES)}")
    if compare not in tuple(Comparison):
        raise InputError(f"analytics-compare: {str(compare)[:40]!r} is not one of {', '.join(Comparison)}")
    if granularity not in GRANULARITIES:
        raise InputError(f"analytics-granularity: {str(granularity)[:40]!r} is not one of {', '.join(GRANULARITIES)}")
    if range_value == CUSTOM:
        first, last = _day(start, "analytics-days.start_date"), _day(end, "analytics-days.end_date")
        if last < first:
            raise InputError(f"analytics-days: the last day {last} comes before the first {first}")
        if (last - first).days >= CUSTOM_MAX_DAYS:
            raise InputError(f"analytics-days: {first} .. {last} is longer than {CUSTOM_MAX_DAYS} days")
        if not (date(2000, 1, 1) <= first and last <= date(2099, 12, 31)):
            raise InputError(f"analytics-days: {first} .. {last} lies outside 2000..2099")
        period = custom(first, last, tz)
    else:
        period = preset(Preset(range_value), now, tz)
    refused = granularity == "hour" and len(period.days) > HOURLY_MAX_DAYS
    return Selection(period=period, compared_with=comparison(period, Comparison(compare)),
                     granularity="day" if refused else granularity, hourly_refused=refused)


def merchant_of(search: Any) -> str | None:
    """The merchant a page address names (``?merchant=ID``), or None for the overview."""
    if not search:
        return None
    values = parse_qs(str(search).lstrip("?")).get("merchant")
    return values[0] if values else None


# --- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loading:
    """The simulator is still loading the shops' history: how far it got, and what of the selection
    that leaves out (the period reaches before the oldest day loaded; the comparison period does)."""

    history: ShopHistory
    today: date
    period_cut: bool
    comparison_cut: bool


@dataclass(frozen=True)
class Figures:
    """Everything the page shows for one selection (``profile`` only in a merchant's view, ``garage``
    only for a site that names its commercial garage and a range drawn per hour; ``loading`` while
    the simulator loads the shops' history, the comparison figures withheld where it cuts them)."""

    headline: Headline
    series: Series
    heat: HeatMap
    league: list[LeagueRow]
    sales: list[SalesRow]
    garage: GarageHours | None = None
    profile: HourlyProfile | None = None
    loading: Loading | None = None

    @property
    def whole(self) -> bool:
        """Every day of the period is loaded: its totals are the period's."""
        return self.loading is None or not self.loading.period_cut

    @property
    def names(self) -> dict[str, str]:
        """Merchant id -> name."""
        return {row.merchant_id: row.name for row in self.league}

    @property
    def formats(self) -> list[FormatRow]:
        """The league summed by business format."""
        return league_by_format(self.league)

    @property
    def named_sales(self) -> list[panels.MerchantSales]:
        """The sales rows with their merchants' names."""
        names = self.names
        return [panels.MerchantSales(names.get(row.merchant_id, row.merchant_id), row) for row in self.sales]


def garage_shown(chosen: Selection) -> bool:
    """The garage is set against footfall hour by hour, over ranges short enough to read per hour."""
    return len(chosen.period.days) <= HOURLY_MAX_DAYS


def loading(history: ShopHistory, chosen: Selection, today: date) -> Loading | None:
    """What ``history`` (still being loaded) leaves out of ``chosen``; None once it is complete (pure)."""
    if history.complete:
        return None
    loaded = None if history.loaded_from is None else day_start(history.loaded_from, chosen.period.tz)
    return Loading(history=history, today=today,
                   period_cut=loaded is None or chosen.period.start < loaded,
                   comparison_cut=loaded is None or chosen.compared_with.start < loaded)


def _uncompared(figures: Figures) -> Figures:
    """``figures`` without a comparison: its period is not loaded yet, so there is none to make."""
    return replace(
        figures, headline=replace(figures.headline, comparison_visitors=None, change_pct=None),
        league=[replace(row, comparison_visitors=None, change_pct=None) for row in figures.league],
    )


def load(app_ctx: AppContext, chosen: Selection, merchant: str | None = None) -> Figures:
    """The figures of ``chosen`` in one store session (and ``merchant``'s hourly profile)."""
    period, before = chosen.period, chosen.compared_with
    config = app_ctx.config
    garage_id = config.commerce.garage
    read = app_ctx.read_context()
    with app_ctx.store.session() as session:
        cut = None
        if config.simulator.enabled:
            history = shop_history(session, read.now, read.tz, config.simulator.commerce_history_days,
                                   config.camera_merchants)
            cut = loading(history, chosen, read.local(read.now).date())
        profile = None
        if merchant is not None:
            try:
                profile = hourly_profile(session, period, merchant)
            except ValueError:  # no such merchant: the view says so
                profile = None
        sold = sales(session, period)
        figures = Figures(
            headline=headline(session, period, before, sold), series=series(session, period, chosen.granularity),
            heat=heat_map(session, period), league=league(session, period, before), sales=sold,
            garage=garage_against_footfall(session, period, garage_id) if garage_id and garage_shown(chosen) else None,
            profile=profile, loading=cut,
        )
    return _uncompared(figures) if cut is not None and cut.comparison_cut else figures


def table_rows(figures: Figures, table: str, sort: Any, merchant: str | None, lang: str) -> panels.Rows:
    """The CSV rows of ``table`` (one of ``CSV_TABLES``); while the period is not wholly loaded, only
    its series (``ValueError`` for the rest: they would be totals of a part)."""
    names = figures.names
    if not figures.whole and table not in ("series", "merchant"):
        raise ValueError(f"analytics-csv: {table[:40]!r} waits until the shops' history of the range is loaded")
    if table == "headline":
        return panels.headline_rows(figures.headline, lang, figures.loading is not None and figures.loading.comparison_cut)
    if table == "series":
        return panels.series_rows(figures.series, names, lang)
    if table == "heat_map":
        return panels.heat_rows(figures.heat, lang)
    if table in panels.TABLES:
        rows: dict[str, Sequence[Any]] = {"league": figures.league, "formats": figures.formats, "sales": figures.named_sales,
                "sales_formats": sales_by_format(figures.sales)}
        return panels.table_rows(panels.TABLES[table], rows[table], sort, lang)
    if table == "garage" and figures.garage is not None:
        return panels.garage_rows(figures.garage, lang)
    if table == "merchant" and merchant in names:
        only = {merchant: figures.series.visitors.get(merchant) or [None] * len(figures.series.starts)}
        return panels.series_rows(Series(figures.series.granularity, figures.series.starts, only), names, lang)
    if table == "profile" and merchant in names and figures.profile is not None:
        return panels.profile_rows(figures.profile, names[merchant], lang)
    raise ValueError(f"analytics-csv: no table {table[:40]!r}")


# --- drawing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawing:
    """What every section of one drawing of the page shares: the period, the language and whether
    the user may export."""

    chosen: Selection
    lang: str
    exportable: bool

    def tools(self, name: str, chart: str | None = None) -> list:
        """The CSV (and PNG) buttons of a section, for those who may export."""
        return panels.export_buttons(name, self.lang, png_chart=chart) if self.exportable else []

    def chart(self, name: str, graph_id: str, figure: panels.Figure, suffix: str = "") -> Any:
        """A chart whose PNG is named for ``name`` and the period."""
        return panels.chart(graph_id, figure, panels.file_name(name, self.chosen.period, self.lang) + suffix,
                            self.exportable)

    def table(self, title: str, table: panels.Table[Any], rows: list, sort: Any) -> html.Section:
        """A titled sortable table with its CSV button."""
        return panels.section(t(title, self.lang), panels.sortable_table(table, rows, sort, self.lang),
                              self.tools(table.name))


def loading_notes(figures: Figures, lang: str) -> list:
    """While the shops' history is being loaded: how far it got, and what that leaves out of the range."""
    cut = figures.loading
    if cut is None:
        return []
    history = cut.history
    day = history.loaded_from or cut.today
    notes = [html.Div(t("analytics.loading", lang, done=history.days_loaded(cut.today),
                        total=history.days_total(cut.today), day=f"{day:%Y-%m-%d}"),
                      className="analytics-note analytics-loading", id="analytics-loading", role="status")]
    if cut.period_cut:
        notes.append(html.Div(t("analytics.loading.period", lang, day=f"{day:%Y-%m-%d}"),
                              className="analytics-note analytics-loading", id="analytics-loading-period"))
    return notes


def overview(figures: Figures, d: Drawing, sort: Any) -> list:
    """The overview: headline, footfall per merchant, heat map, the league tables by merchant and by
    format, sales where known, the garage against footfall; while the range's history is still being
    loaded, only its footfall per merchant (the days loaded so far)."""
    lang = d.lang
    note = [html.Div(t("analytics.hourly_too_long", lang, n=HOURLY_MAX_DAYS), className="analytics-note")] \
        if d.chosen.hourly_refused else []
    series_section = panels.section(
        t("analytics.series", lang),
        [*note, d.chart("series", "analytics-series", panels.series_figure(figures.series, figures.names, lang))],
        d.tools("series", "analytics-series"))
    if not figures.whole:
        return [*loading_notes(figures, lang), series_section]
    comparison_loading = figures.loading is not None and figures.loading.comparison_cut
    sections = [
        *loading_notes(figures, lang),
        html.Div([panels.headline_tiles(figures.headline, lang, comparison_loading), *d.tools("headline")],
                 className="analytics-headline"),
        series_section,
        panels.section(t("analytics.heat_map", lang),
                       d.chart("heat_map", "analytics-heat-map", panels.heat_figure(figures.heat, lang)),
                       d.tools("heat_map", "analytics-heat-map")),
        d.table("analytics.league", panels.LEAGUE, figures.league, sort),
        d.table("analytics.formats", panels.FORMATS, figures.formats, sort),
    ]
    if figures.sales:
        sections += [d.table("analytics.sales", panels.SALES, figures.named_sales, sort),
                     d.table("analytics.sales_formats", panels.SALES_FORMATS, sales_by_format(figures.sales), sort)]
    if figures.garage is not None:
        sections.append(panels.section(t("analytics.garage", lang),
                                       d.chart("garage", "analytics-garage", panels.garage_figure(figures.garage, lang)),
                                       d.tools("garage", "analytics-garage")))
    elif not garage_shown(d.chosen):
        sections.append(html.Div(t("analytics.garage_too_long", lang, n=HOURLY_MAX_DAYS), className="analytics-note"))
    return sections


def merchant_view(figures: Figures, merchant_id: str, d: Drawing) -> list:
    """One merchant's own view: its figures, its hourly profile against its format's average, and
    its visitors per bucket over the period (only these while the range's history is being loaded)."""
    lang = d.lang
    row = next((r for r in figures.league if r.merchant_id == merchant_id), None)
    back = dcc.Link(t("analytics.merchant.back", lang), href=panels.PATH, id="analytics-back", className="merchant-link")
    if row is None:
        return [back, html.Div(t("analytics.merchant.unknown", lang, id=merchant_id[:80]), className="empty",
                               id="analytics-unknown-merchant")]
    facts = [(t(f"analytics.col.{c.key}", lang), c.cell(row, lang)) for c in panels.LEAGUE.columns[1:]]
    tiles = html.Div([html.Div([html.Div(label, className="kpi-label"), html.Div(value, className="kpi-value")],
                               className="kpi report-kpi") for label, value in facts],
                     className="report-kpis analytics-kpis")
    suffix = f"_{merchant_id}"
    profile = [] if figures.profile is None else [panels.section(
        t("analytics.profile", lang),
        d.chart("profile", "analytics-profile", panels.profile_figure(figures.profile, row.name, lang), suffix),
        d.tools("profile", "analytics-profile"))]
    series_title = t("analytics.merchant.profile", lang) if d.chosen.granularity == "hour" else t("analytics.series", lang)
    return [
        back,
        html.H2(t("analytics.merchant", lang, name=row.name), className="page-title", id="analytics-merchant-name",
                **data_attributes(merchant_id=merchant_id)),
        *loading_notes(figures, lang),
        *([tiles, *profile] if figures.whole else []),
        panels.section(series_title,
                       d.chart("merchant", "analytics-merchant-chart",
                               panels.hourly_figure(figures.series, merchant_id, row.name, lang), suffix),
                       d.tools("merchant", "analytics-merchant-chart")),
    ]


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The controls (range, custom days, comparison, granularity) and the page's empty body."""
    read = ctx.app.read_context()
    today = read.local(read.now).date()
    exportable = ctx.may(Action.EXPORT_CSV)

    def radio(control_id: str, values: tuple[str, ...], prefix: str, value: str) -> dcc.RadioItems:
        return dcc.RadioItems(id=control_id, options=[{"label": t(f"{prefix}.{v}", lang), "value": v} for v in values],
                              value=value, inline=True, className="analytics-radio", **KEPT)

    controls = html.Div(
        [
            html.H1(t("analytics.title", lang), className="page-title"),
            radio("analytics-range", RANGES, "analytics.range", Preset.LAST_7_DAYS.value),
            html.Div(dcc.DatePickerRange(
                id="analytics-days", start_date=str(today - timedelta(days=7)), end_date=str(today - timedelta(days=1)),
                min_date_allowed=str(today - timedelta(days=3 * CUSTOM_MAX_DAYS)), max_date_allowed=str(today),
                display_format="YYYY-MM-DD", first_day_of_week=1, start_date_id="analytics-days-start",
                end_date_id="analytics-days-end", **KEPT), id="analytics-custom", style={"display": "none"}),
            html.Div([html.Span(t("analytics.compare", lang), className="analytics-label"),
                      radio("analytics-compare", tuple(Comparison), "analytics.compare",
                            Comparison.PREVIOUS_PERIOD.value)], className="analytics-group"),
            html.Div([html.Span(t("analytics.granularity", lang), className="analytics-label"),
                      radio("analytics-granularity", GRANULARITIES, "analytics.granularity", "hour")],
                     className="analytics-group"),
        ],
        className="analytics-bar",
    )
    exports = [dcc.Download(id="analytics-download"), dcc.Store(id="analytics-png")] if exportable else []
    return html.Div(
        [controls, html.Div(id="analytics-period", className="report-window"), html.Div(id="analytics-message"),
         html.Div(id="analytics-body", className="analytics-body"),
         dcc.Store(id="analytics-sort", data={}), *exports],
        className="analytics-page",
    )


def _triggered_value() -> tuple[dict[str, Any], Any]:
    """The pattern id of the control that fired and its value (PreventUpdate when none was clicked)."""
    trigger = ctx.triggered_id
    value = ctx.triggered[0]["value"] if ctx.triggered else None
    if not isinstance(trigger, dict) or not value:
        raise PreventUpdate
    return trigger, value


def register(app: Dash, app_ctx: AppContext) -> None:
    """The page's callbacks: draw, sort a table, export CSV; PNG in the browser."""
    controls = ("analytics-range.value", "analytics-days.start_date", "analytics-days.end_date",
                "analytics-compare.value", "analytics-granularity.value", "analytics-sort.data", "url.search", "lang.value")

    def dependencies(kind: type[Input] | type[State]) -> list:
        return [kind(component, prop) for component, prop in (spec.split(".") for spec in controls)]

    def chosen_now(values: tuple) -> Selection:
        read = app_ctx.read_context()
        range_value, start, end, compare, granularity = values[:5]
        return selection(range_value, start, end, compare, granularity, read.now, read.tz)

    @guarded_callback(app, Action.VIEW_ANALYTICS, Output("analytics-body", "children"),
                      Output("analytics-period", "children"), Output("analytics-message", "children"),
                      Output("analytics-custom", "style"), *dependencies(Input))
    def refresh_analytics(*values: Any) -> tuple:
        sort, search, lang = values[5:]
        shown = {"display": "inline-block"} if values[0] == CUSTOM else {"display": "none"}
        try:
            chosen = chosen_now(values)
        except InputError as exc:
            return [], "", html.Div(str(exc), className="outcome outcome--refused", role="alert"), shown
        panels.check_sort(sort)  # a state the page never holds is refused before the store is read
        exportable = may(require_login(), Action.EXPORT_CSV)
        merchant = merchant_of(search)
        figures = load(app_ctx, chosen, merchant)
        drawing = Drawing(chosen, lang, exportable)
        body = merchant_view(figures, merchant, drawing) if merchant else overview(figures, drawing, sort)
        return body, panels.period_text(chosen.period, chosen.compared_with, lang), "", shown

    @guarded_callback(app, Action.VIEW_ANALYTICS, Output("analytics-sort", "data"),
                      Input({"type": "analytics-sort", "table": ALL, "column": ALL}, "n_clicks"),
                      State("analytics-sort", "data"),
                      prevent_initial_call=True)
    def sort_table(_clicks: list, state: Any) -> dict:
        trigger, _ = _triggered_value()
        return panels.toggled(state, str(trigger["table"]), str(trigger["column"]))

    @guarded_callback(app, Action.EXPORT_CSV, Output("analytics-download", "data"),
                      Input({"type": "analytics-csv", "table": ALL}, "n_clicks"), *dependencies(State),
                      prevent_initial_call=True)
    def export_csv(_clicks: list, *values: Any) -> dict:
        trigger, _ = _triggered_value()
        sort, search, lang = values[5:]
        try:
            chosen = chosen_now(values)
        except InputError:
            raise PreventUpdate from None
        table = str(trigger["table"])
        if table not in CSV_TABLES:
            raise ValueError(f"analytics-csv: no table {table[:40]!r}")
        merchant = merchant_of(search)
        rows = table_rows(load(app_ctx, chosen, merchant if table == "profile" else None), table, sort, merchant, lang)
        name = panels.file_name(table, chosen.period, lang) + (f"_{merchant}" if table in ("merchant", "profile") else "")
        return dcc.send_string(csv_text(rows), f"{name}.csv")

    app.clientside_callback(ClientsideFunction("analytics", "downloadChart"), Output("analytics-png", "data"),
                            Input({"type": "analytics-png", "chart": ALL}, "n_clicks"), prevent_initial_call=True)


PAGE = PageSpec(name="analytics", path=panels.PATH, action=Action.VIEW_ANALYTICS, nav_label="nav.analytics",
                layout=layout, register=register)
