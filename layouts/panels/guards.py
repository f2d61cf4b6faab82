"""Guards module: who is on duty and what each guard is doing."""

from __future__ import annotations

from dash import html

from layouts.format import age_text, data_attributes
from layouts.i18n import t, term
from layouts.panels.frame import Rendered, chip, empty, panel
from ops_center.queries.guards import GuardItem, GuardsPanel
from ops_center.vocabulary import GuardStatus

TONE: dict[GuardStatus, str] = {
    GuardStatus.DISPATCHED: "alert",
    GuardStatus.ON_SCENE: "warn",
    GuardStatus.ON_PATROL: "calm",
    GuardStatus.OFF_DUTY: "muted",
}


def status_chip(status: GuardStatus, lang: str) -> html.Span:
    """A guard's status, coloured by how busy it makes him."""
    return chip(term("guard_status", status, lang), TONE.get(status, "info"))


def guard_row(g: GuardItem, lang: str) -> html.Div:
    """A guard: name, post and radio channel, status and how long in it."""
    return html.Div(
        [
            status_chip(g.status, lang),
            html.Div(
                [html.Div(g.name, className="row-main"),
                 html.Div(f"{g.post} · {t('guards.radio', lang, ch=g.radio_channel)}", className="row-sub")],
                className="row-text",
            ),
            html.Div(age_text(g.updated.age_s or 0, lang), className="row-age"),
        ],
        className=f"list-row list-row--{TONE.get(g.status, 'info')}",
        **data_attributes(guard_id=g.id, status=g.status),
    )


def render(data: GuardsPanel, lang: str) -> Rendered:
    """The guards module, busy guards first."""
    rows = [guard_row(g, lang) for g in data.guards] or [empty("—")]
    hidden = sum(data.counts.values()) - len(data.guards)
    if hidden > 0:
        rows.append(html.Div(t("security.more", lang, n=hidden), className="more"))
    return panel("guards", lang, [html.Div(rows, className="list")], summary=t("guards.on_duty", lang, n=data.on_duty))
