"""Fire module: device counts by state and the devices that are not normal."""

from __future__ import annotations

from dash import html

from layouts.format import age_text
from layouts.i18n import t, term
from layouts.panels.frame import Rendered, chip, empty, panel
from ops_center.queries.fire import FireDeviceItem, FirePanel
from ops_center.vocabulary import FireState

TONE = {
    FireState.NORMAL: "calm",
    FireState.ALARM: "alert",
    FireState.PRE_ALARM: "alert",
    FireState.SUPERVISORY: "warn",
    FireState.TROUBLE: "warn",
    FireState.DISABLED: "muted",
}


def device_row(d: FireDeviceItem, lang: str) -> html.Div:
    """A device that is not normal: state, kind, building/floor/place, reading and age."""
    reading = f" {d.value:g} {d.unit}" if d.value is not None else ""
    return html.Div(
        [
            chip(term("fire_state", d.state, lang), TONE.get(d.state, "warn")),
            html.Div(
                [
                    html.Div(f"{term('fire_kind', d.kind, lang)}{reading}", className="row-main"),
                    html.Div(f"{d.building} · {d.floor} · {d.place}", className="row-sub"),
                ],
                className="row-text",
            ),
            html.Div(age_text(d.updated.age_s or 0, lang), className="row-age"),
        ],
        className=f"list-row list-row--{TONE.get(d.state, 'warn')}",
    )


def render(data: FirePanel, lang: str) -> Rendered:
    """The fire module: a calm count when all is normal, the abnormal devices otherwise."""
    tiles = [
        html.Div(
            [html.B(data.counts.get(state, 0), className="count"), term("fire_state", state, lang)],
            className=f"state-tile state-tile--{TONE[state]}" + ("" if data.counts.get(state) else " state-tile--zero"),
        )
        for state in FireState
    ]
    rows = [device_row(d, lang) for d in data.abnormal] or [empty(t("fire.all_normal", lang))]
    hidden = data.total - data.counts.get(FireState.NORMAL, 0) - len(data.abnormal)
    if hidden > 0:
        rows.append(html.Div(t("security.more", lang, n=hidden), className="more"))
    body = [html.Div(tiles, className="state-tiles"), html.Div(rows, className="list")]
    return panel(
        "fire",
        lang,
        body,
        stamp=data.updated,
        summary=t("fire.devices", lang, n=data.total),
        attention=data.attention,
    )
