"""The analytics page's pieces: headline tiles, charts, the sortable league table and the CSV rows
of each, drawn from the results of ``ops_center.queries.analytics`` (pure: no store, no request).

Every chart is a plotly figure whose gaps stay gaps: a bucket without a count is ``None`` (a break
in a line, a blank heat-map cell with a "no data" note on the chart itself), never zero. Charts
carry their own background so an exported PNG reads on its own; its file name is in the page's
language (``toImageButtonOptions``, used by the modebar and by the page's PNG buttons alike).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar, cast
from urllib.parse import quote

import plotly.graph_objects as go
from dash import dcc, html

from layouts.charts import PALETTE, Figure, themed_figure
from layouts.format import data_attributes, number
from layouts.i18n import t, term
from ops_center.queries.analytics import (
    FormatRow,
    FormatSalesRow,
    GarageHours,
    Granularity,
    Headline,
    HeatMap,
    HourlyProfile,
    LeagueRow,
    SalesRow,
    Series,
)
from ops_center.queries.periods import Period

PATH = "/analytics"
FONT_PX = 13.0
CHART_BACKGROUND = "#111a2b"  # a solid colour, so a downloaded PNG is legible outside the page
PNG_SCALE = 2
MARKED_POINTS = 60  # a line with more points than this is drawn without a marker on each
Rows = list[list[str]]
R = TypeVar("R")


# --- small formatting ----------------------------------------------------------------------------


def merchant_href(merchant_id: str) -> str:
    """The address of a merchant's own view on the analytics page."""
    return f"{PATH}?merchant={quote(merchant_id, safe='')}"


def weekday_name(weekday: int, lang: str) -> str:
    """Monday 0 .. Sunday 6, short, in ``lang``."""
    return t(f"analytics.weekday.{weekday}", lang)


def day_text(day: date, lang: str) -> str:
    """``2026-06-09 Tue``."""
    return f"{day:%Y-%m-%d} {weekday_name(day.weekday(), lang)}"


def change_text(change: float | None) -> str:
    """A signed percentage, or a dash when there is nothing to compare with."""
    return "—" if change is None else f"{change:+.1f}%"


def optional(value: float | None, digits: int = 1) -> str:
    """A number, or a dash for none."""
    return "—" if value is None else number(value, digits)


def percent(value: float | None) -> str:
    """A share in percent, or a dash."""
    return "—" if value is None else f"{value:.1f}%"


def format_name(business_format: str, lang: str) -> str:
    """A business format's name in ``lang``."""
    return term("business_format", business_format, lang)


def bucket_label(start: datetime, granularity: Granularity) -> str:
    """A bucket's local start as the charts and CSV show it."""
    return f"{start:%Y-%m-%d %H:%M}" if granularity == "hour" else f"{start:%Y-%m-%d}"


def file_name(what: str, period: Period, lang: str) -> str:
    """A download's file name (without extension) in ``lang``: what it holds and its days."""
    days = period.days
    return t("analytics.file", lang, what=t(f"analytics.file.{what}", lang),
             start=f"{days[0]:%Y%m%d}", end=f"{days[-1]:%Y%m%d}")


def period_text(period: Period, compared_with: Period, lang: str) -> str:
    """The period shown and its comparison, in local days (or times when a day is cut short)."""

    def ends(p: Period) -> tuple[str, str]:
        whole = p.end.time() == p.start.time() == datetime.min.time()
        last = p.days[-1] if whole else p.end
        return f"{p.start:%Y-%m-%d}", f"{last:%Y-%m-%d}" if whole else f"{last:%Y-%m-%d %H:%M}"

    start, end = ends(period)
    cstart, cend = ends(compared_with)
    return t("analytics.period", lang, start=start, end=end, cstart=cstart, cend=cend)


# --- headline ------------------------------------------------------------------------------------


def headline_figures(h: Headline, lang: str, comparison_loading: bool = False) -> list[tuple[str, str, str, str]]:
    """The headline figures: (key, label, value, note) each, for the tiles and the CSV; with
    ``comparison_loading`` the comparison period's history is still being loaded (none is made)."""
    if comparison_loading:
        compared = t("analytics.loading.comparison", lang)
    elif h.comparison_visitors is None:
        compared = t("analytics.no_comparison", lang)
    else:
        compared = t("analytics.kpi.compared", lang, n=number(h.comparison_visitors))
    return [
        ("visitors", t("analytics.kpi.visitors", lang), optional(h.visitors, 0), ""),
        ("change", t("analytics.kpi.change", lang), change_text(h.change_pct), compared),
        ("busiest_hour", t("analytics.kpi.busiest_hour", lang),
         "—" if h.busiest_hour is None else f"{h.busiest_hour:02d}:00", ""),
        ("busiest_day", t("analytics.kpi.busiest_day", lang),
         "—" if h.busiest_day is None else day_text(h.busiest_day, lang), ""),
        ("merchants_open", t("analytics.kpi.merchants_open", lang), str(h.merchants_open),
         t("analytics.kpi.with_data", lang, n=h.merchants_with_data)),
        *([("conversion", t("analytics.kpi.conversion", lang), percent(h.conversion_pct), "")]
          if h.conversion_pct is not None else []),
    ]


def headline_rows(h: Headline, lang: str, comparison_loading: bool = False) -> Rows:
    """The headline figures as CSV rows."""
    head = [t("analytics.col.figure", lang), t("analytics.col.value", lang), ""]
    return [head, *([label, value, note] for _, label, value, note in headline_figures(h, lang, comparison_loading))]


def headline_tiles(h: Headline, lang: str, comparison_loading: bool = False) -> html.Div:
    """The headline figures as tiles."""
    return html.Div([html.Div([html.Div(label, className="kpi-label"),
                               html.Div(value, className="kpi-value", id=f"analytics-kpi-{key}"),
                               html.Div(note, className="kpi-note")], className="kpi report-kpi")
                     for key, label, value, note in headline_figures(h, lang, comparison_loading)],
                    className="report-kpis analytics-kpis")


# --- charts --------------------------------------------------------------------------------------


def _themed(traces: Sequence[go.BaseTraceType], **layout: Any) -> go.Figure:
    fig = themed_figure(traces, FONT_PX, **layout)
    fig.update_layout(paper_bgcolor=CHART_BACKGROUND, plot_bgcolor=CHART_BACKGROUND,
                      margin={"l": 56, "r": 16, "t": 36, "b": 64})
    return fig


def _note(fig: go.Figure, text: str) -> None:
    """A line under the plot (it travels with the PNG)."""
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=-0.2, xanchor="left", yanchor="top",
                       showarrow=False, font={"size": FONT_PX * 0.9})


def series_figure(data: Series, names: dict[str, str], lang: str) -> Figure:
    """One line per merchant over the period's buckets; a bucket without a count breaks the line."""
    x = [bucket_label(start, data.granularity) for start in data.starts]
    mode = "lines+markers" if len(x) <= MARKED_POINTS else "lines"  # thousands of SVG markers draw slowly
    traces = [
        go.Scatter(x=x, y=values, name=names.get(merchant_id, merchant_id), mode=mode,
                   connectgaps=False, line={"color": PALETTE[i % len(PALETTE)], "width": 1.6},
                   marker={"size": 4})
        for i, (merchant_id, values) in enumerate(data.visitors.items())
    ]
    fig = _themed(traces, showlegend=bool(traces), hovermode="x unified")
    fig.update_xaxes(type="date" if data.granularity == "hour" else "category")
    _note(fig, t("analytics.gaps", lang))
    return fig.to_plotly_json()


def heat_figure(data: HeatMap, lang: str) -> Figure:
    """Visitors by weekday (rows, Monday on top) and hour; cells without a count stay blank."""
    weekdays = [weekday_name(d, lang) for d in range(7)]
    trace = go.Heatmap(z=data.cells, x=[f"{h:02d}" for h in range(24)], y=weekdays, colorscale="Blues",
                       reversescale=True, hoverongaps=False, xgap=1, ygap=1,
                       colorbar={"title": {"text": t("analytics.col.visitors", lang)}})
    fig = _themed([trace], showlegend=False)
    fig.update_yaxes(autorange="reversed", rangemode=None)
    _note(fig, "□ " + t("analytics.no_data_legend", lang))
    return fig.to_plotly_json()


def hourly_figure(data: Series, merchant_id: str, name: str, lang: str) -> Figure:
    """One merchant's visitors per hour over the period (gaps break the line)."""
    return series_figure(Series(data.granularity, data.starts, {merchant_id: data.visitors.get(merchant_id, [])
                                                                or [None] * len(data.starts)}),
                         {merchant_id: name}, lang)


def garage_figure(data: GarageHours, lang: str) -> Figure:
    """Visitors over all merchants (bars) and the garage's spaces taken (a line, right axis), hour by
    hour; an hour without a count is a gap in either."""
    x = [bucket_label(start, "hour") for start in data.starts]
    traces = [
        go.Bar(x=x, y=data.visitors, name=t("analytics.col.visitors", lang), marker_color=PALETTE[0], opacity=0.75),
        go.Scatter(x=x, y=data.occupancy_pct, name=t("analytics.col.occupancy", lang), yaxis="y2", mode="lines",
                   connectgaps=False, line={"color": PALETTE[1], "width": 2}),
    ]
    fig = _themed(traces, showlegend=True, hovermode="x unified")
    fig.update_xaxes(type="date")
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "range": [0, 100], "showgrid": False,
                              "ticksuffix": "%"})
    _note(fig, t("analytics.gaps", lang))
    return fig.to_plotly_json()


def profile_figure(data: HourlyProfile, name: str, lang: str) -> Figure:
    """A merchant's mean visitors per hour of day against its format's average (gaps break lines)."""
    x = [f"{h:02d}:00" for h in range(24)]
    average = t("analytics.profile.average", lang, format=format_name(data.business_format, lang))
    traces = [
        go.Scatter(x=x, y=data.merchant, name=name, mode="lines+markers", connectgaps=False,
                   line={"color": PALETTE[0], "width": 2.4}),
        go.Scatter(x=x, y=data.format_average, name=average, mode="lines", connectgaps=False,
                   line={"color": PALETTE[1], "width": 2, "dash": "dash"}),
    ]
    fig = _themed(traces, showlegend=True, hovermode="x unified")
    _note(fig, t("analytics.gaps", lang))
    return fig.to_plotly_json()


def garage_rows(data: GarageHours, lang: str) -> Rows:
    """The garage against footfall per hour; empty cells are hours without a count."""
    head = [t("analytics.col.start", lang), t("analytics.col.visitors", lang), t("analytics.col.cars", lang),
            t("analytics.col.occupancy", lang)]
    return [head, *([bucket_label(start, "hour"), _cell(visitors), _cell(cars, 1), _cell(share, 1)]
                    for start, visitors, cars, share in zip(data.starts, data.visitors, data.occupied,
                                                            data.occupancy_pct, strict=True))]


def profile_rows(data: HourlyProfile, name: str, lang: str) -> Rows:
    """The hourly profile against the format's average; empty cells are hours without a count."""
    average = t("analytics.profile.average", lang, format=format_name(data.business_format, lang))
    head = [t("analytics.col.hour", lang), name, average]
    return [head, *([f"{h:02d}:00", _cell(mine, 1), _cell(mean, 1)]
                    for h, (mine, mean) in enumerate(zip(data.merchant, data.format_average, strict=True)))]


def _cell(value: float | None, digits: int = 0) -> str:
    """A CSV cell: empty for no data (never 0), else the number without separators."""
    return "" if value is None else f"{value:.{digits}f}"


def chart(graph_id: str, figure: Figure, filename: str, exportable: bool) -> dcc.Graph:
    """An interactive chart; for those who may export, its modebar offers the PNG under ``filename``."""
    config: dict[str, Any] = {"displaylogo": False, "responsive": True}
    if exportable:
        config |= {"displayModeBar": True, "modeBarButtons": [["toImage"]],
                   "toImageButtonOptions": {"format": "png", "filename": filename, "scale": PNG_SCALE}}
    else:
        config |= {"displayModeBar": False}
    return dcc.Graph(id=graph_id, figure=figure, config=cast(dcc.Graph.Config, config), className="analytics-chart")


# --- the league table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column(Generic[R]):
    """A column of a sortable table: its label key (``analytics.col.KEY``), its cell text in a
    language and its sort key (None: no value, sorted last)."""

    key: str
    cell: Callable[[R, str], str]
    sort: Callable[[R], Any]
    numeric: bool = True


@dataclass(frozen=True)
class Table(Generic[R]):
    """A sortable table of the page: its columns, each row's id (the CSV's first column, the row's
    ``data-row-id``), the column it is first sorted by (descending), and where a row's first cell links."""

    name: str
    columns: tuple[Column[R], ...]
    row_id: Callable[[R], str]
    id_label: str
    default: str
    link: Callable[[R], str] | None = None


def _visitor_columns(first: tuple[Column[Any], ...]) -> tuple[Column[Any], ...]:
    """``first`` and the footfall columns the merchant and format tables share."""
    return (
        *first,
        Column("visitors", lambda r, _: optional(r.visitors, 0), lambda r: r.visitors),
        Column("comparison", lambda r, _: optional(r.comparison_visitors, 0), lambda r: r.comparison_visitors),
        Column("change", lambda r, _: change_text(r.change_pct), lambda r: r.change_pct),
        Column("open_hours", lambda r, _: number(r.open_hours, 1), lambda r: r.open_hours),
        Column("per_open_hour", lambda r, _: optional(r.visitors_per_open_hour), lambda r: r.visitors_per_open_hour),
        Column("per_m2", lambda r, _: optional(r.visitors_per_m2, 2), lambda r: r.visitors_per_m2),
    )


LEAGUE: Table[LeagueRow] = Table(
    name="league",
    columns=_visitor_columns((
        Column("merchant", lambda r, _: r.name, lambda r: r.name.casefold(), numeric=False),
        Column("format", lambda r, lang: format_name(r.business_format, lang), lambda r: r.business_format, numeric=False),
        Column("area", lambda r, _: optional(r.area_m2, 0), lambda r: r.area_m2),
    )),
    row_id=lambda r: r.merchant_id, id_label="analytics.col.merchant_id", default="visitors",
    link=lambda r: merchant_href(r.merchant_id),
)
FORMATS: Table[FormatRow] = Table(
    name="formats",
    columns=_visitor_columns((
        Column("format", lambda r, lang: format_name(r.business_format, lang), lambda r: r.business_format, numeric=False),
        Column("merchants", lambda r, _: f"{r.merchants} ({r.merchants_with_data})", lambda r: r.merchants),
    )),
    row_id=lambda r: r.business_format, id_label="analytics.col.format_id", default="visitors",
)


@dataclass(frozen=True)
class MerchantSales:
    """A merchant's sales row with its name (the sales query names merchants by id)."""

    name: str
    row: SalesRow


def _sales_columns(first: tuple[Column[Any], ...], of: Callable[[Any], Any]) -> tuple[Column[Any], ...]:
    """``first`` and the sales columns of the rows ``of`` gives (a ``SalesRow`` or ``FormatSalesRow``)."""
    return (
        *first,
        Column("transactions", lambda r, _: number(of(r).transactions), lambda r: of(r).transactions),
        Column("revenue", lambda r, _: number(of(r).revenue, 2), lambda r: of(r).revenue),
        Column("conversion", lambda r, _: percent(of(r).conversion_pct), lambda r: of(r).conversion_pct),
        Column("revenue_per_visitor", lambda r, _: optional(of(r).revenue_per_visitor, 2),
               lambda r: of(r).revenue_per_visitor),
    )


SALES: Table[MerchantSales] = Table(
    name="sales",
    columns=_sales_columns((
        Column("merchant", lambda r, _: r.name, lambda r: r.name.casefold(), numeric=False),
        Column("format", lambda r, lang: format_name(r.row.business_format, lang), lambda r: r.row.business_format,
               numeric=False),
        Column("days", lambda r, _: str(r.row.days), lambda r: r.row.days),
    ), lambda r: r.row),
    row_id=lambda r: r.row.merchant_id, id_label="analytics.col.merchant_id", default="revenue",
    link=lambda r: merchant_href(r.row.merchant_id),
)
SALES_FORMATS: Table[FormatSalesRow] = Table(
    name="sales_formats",
    columns=_sales_columns((
        Column("format", lambda r, lang: format_name(r.business_format, lang), lambda r: r.business_format, numeric=False),
        Column("merchants", lambda r, _: str(r.merchants), lambda r: r.merchants),
    ), lambda r: r),
    row_id=lambda r: r.business_format, id_label="analytics.col.format_id", default="revenue",
)
TABLES: dict[str, Table[Any]] = {table.name: table for table in (LEAGUE, FORMATS, SALES, SALES_FORMATS)}


def sort_state(value: Any, table: Table[Any]) -> tuple[Column[Any], bool]:
    """The column and direction ``table`` is sorted by in the page's sort state ``value`` (table name
    -> column and direction); ``ValueError`` for a state the page never holds."""
    if value is not None and not isinstance(value, dict):
        raise ValueError(f"analytics-sort: {str(value)[:80]!r} is not a sort per table")
    state = (value or {}).get(table.name) or {"column": table.default, "descending": True}
    by_key = {c.key: c for c in table.columns}
    column = state.get("column") if isinstance(state, dict) else None
    descending = state.get("descending") if isinstance(state, dict) else None
    if not isinstance(column, str) or column not in by_key or not isinstance(descending, bool):
        raise ValueError(f"analytics-sort: {str(state)[:80]!r} is not a column of the {table.name} table and a direction")
    return by_key[column], descending


def check_sort(value: Any) -> None:
    """``ValueError`` unless ``value`` is a sort state the page could hold."""
    if isinstance(value, dict) and set(value) - set(TABLES):
        raise ValueError(f"analytics-sort: no table {sorted(set(value) - set(TABLES))[0][:40]!r}")
    for table in TABLES.values():
        sort_state(value, table)


def toggled(value: Any, table_name: str, column: str) -> dict[str, Any]:
    """The sort state after clicking ``column``'s header of table ``table_name``: the same column
    flips, another starts descending."""
    table = TABLES.get(table_name)
    if table is None:
        raise ValueError(f"analytics-sort: no table {table_name[:40]!r}")
    current, descending = sort_state(value, table)
    if column not in {c.key for c in table.columns}:
        raise ValueError(f"analytics-sort: no column {column[:40]!r} in the {table_name} table")
    return {**(value or {}), table_name: {"column": column, "descending": not descending if current.key == column else True}}


def sorted_rows(table: Table[R], rows: Sequence[R], value: Any) -> list[R]:
    """``rows`` in the table's order; rows without a value in the column come last either way."""
    column, descending = sort_state(value, table)
    known = [r for r in rows if column.sort(r) is not None]
    unknown = [r for r in rows if column.sort(r) is None]
    return sorted(known, key=column.sort, reverse=descending) + unknown


def table_rows(table: Table[R], rows: Sequence[R], value: Any, lang: str) -> Rows:
    """A table as CSV rows in its shown order, each with its id first."""
    head = [t(table.id_label, lang), *(t(f"analytics.col.{c.key}", lang) for c in table.columns)]
    return [head, *([table.row_id(r), *(c.cell(r, lang) for c in table.columns)] for r in sorted_rows(table, rows, value))]


def sortable_table(table: Table[R], rows: Sequence[R], value: Any, lang: str) -> html.Table:
    """A table whose headers sort it (click again to turn the order round); the first cell links
    where the table says (a merchant's name opens its own view)."""
    current, descending = sort_state(value, table)

    def first(row: R) -> Any:
        text = table.columns[0].cell(row, lang)
        return dcc.Link(text, href=table.link(row), className="merchant-link") if table.link else text

    head = html.Tr([
        html.Th(html.Button(t(f"analytics.col.{c.key}", lang) + ((" ▼" if descending else " ▲") if c is current else ""),
                            id={"type": "analytics-sort", "table": table.name, "column": c.key}, className="sort-button"),
                className="num" if c.numeric else None)
        for c in table.columns
    ])
    body = [
        html.Tr([html.Td(first(r)),
                 *(html.Td(c.cell(r, lang), className="num" if c.numeric else None) for c in table.columns[1:])],
                **data_attributes(row_id=table.row_id(r)))
        for r in sorted_rows(table, rows, value)
    ]
    return html.Table([html.Thead(head), html.Tbody(body)], id=f"analytics-{table.name}",
                      className="alarm-table analytics-table")


# --- CSV of the charts' data ---------------------------------------------------------------------


def series_rows(data: Series, names: dict[str, str], lang: str) -> Rows:
    """One row per bucket, one column per merchant; an empty cell is a bucket without a count."""
    ids = list(data.visitors)
    head = [t("analytics.col.start", lang), *(names.get(m, m) for m in ids)]
    return [head, *([bucket_label(start, data.granularity),
                     *(_cell(data.visitors[m][n]) for m in ids)]
                    for n, start in enumerate(data.starts))]


def heat_rows(data: HeatMap, lang: str) -> Rows:
    """One row per weekday, one column per hour; an empty cell is an hour without a count."""
    head = [t("analytics.col.weekday", lang), *(f"{h:02d}" for h in range(24))]
    return [head, *([weekday_name(d, lang), *(_cell(n) for n in row)]
                    for d, row in enumerate(data.cells))]


# --- sections -------------------------------------------------------------------------------------


def export_buttons(name: str, lang: str, *, csv_table: bool = True, png_chart: str | None = None) -> list:
    """The CSV button of table ``name`` and the PNG button of chart ``png_chart`` (for those who may export)."""
    buttons = []
    if csv_table:
        buttons.append(html.Button(t("analytics.csv", lang), id={"type": "analytics-csv", "table": name},
                                   className="console-button console-button--muted export-button"))
    if png_chart:
        buttons.append(html.Button(t("analytics.png", lang), id={"type": "analytics-png", "chart": png_chart},
                                   className="console-button console-button--muted export-button"))
    return buttons


def section(title: str, body: Any, tools: Sequence[Any] = ()) -> html.Section:
    """A titled block of the page with its tools (switches, export buttons) on the title's line."""
    parts = body if isinstance(body, list) else [body]
    return html.Section([html.Div([html.H2(title, className="section-title"), *tools], className="analytics-head"),
                         *parts], className="analytics-section")
