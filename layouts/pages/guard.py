"""The guard's phone page (``/guard``): his own dispatched alarms, large "on scene" and "resolved" buttons.

Made for a narrow screen (390 px): one card per alarm with its snapshot, camera, zone, place and a
small site plan. The page redraws only when something changed (his alarms, their status, his own
status), so a button is never swapped under a finger. The buttons run
``ops_center.alarm_actions.act`` as the logged-in guard, which also refuses an alarm that is not his.
"""

from __future__ import annotations

from datetime import tzinfo

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from layouts.access import guarded_callback, refused
from layouts.context import AppContext, PageContext
from layouts.format import data_attributes, local_time
from layouts.i18n import t, term
from layouts.outcome import done, refusal
from layouts.panels.guards import status_chip as guard_status_chip
from layouts.panels.live import snapshot_url
from layouts.panels.security import status_chip
from layouts.registry import PageSpec
from layouts.sitemap import site_map_uri
from ops_center.alarm_actions import act
from ops_center.auth import ALARM_ACTIONS, Action
from ops_center.config import SiteConfig
from ops_center.errors import OpsError
from ops_center.lifecycle import TRANSITIONS, Status
from ops_center.queries.guards import GuardItem, roster_entry
from ops_center.queries.handling import guard_alarms
from ops_center.queries.security import AlarmItem
from web.auth import require_action

BUTTON = "guard-act"
GUARD_STEPS: tuple[tuple[Status, str], ...] = ((Status.ON_SCENE, "guard.on_scene"), (Status.RESOLVED, "guard.resolved"))


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The page's frame; the refresh callback fills it."""
    return html.Div(
        [
            html.Div(id="guard-me", className="guard-me"),
            html.Div(id="guard-message", className="guard-message"),
            html.Div(id="guard-alarms", className="guard-alarms"),
            dcc.Store(id="guard-drawn"),
            dcc.Store(id="guard-changed", data=0),
        ],
        className="guard-page",
        lang=lang,
    )


def alarm_card(alarm: AlarmItem, config: SiteConfig, lang: str, tz: tzinfo) -> html.Article:
    """One dispatched alarm: what and where, the evidence, the plan, and the two buttons."""
    picture = (html.Img(src=snapshot_url(alarm.id), className="guard-snapshot", alt=t("popup.snapshot", lang))
               if alarm.has_snapshot else html.Div(t("popup.no_snapshot", lang), className="guard-snapshot--none"))
    facts = [
        ("popup.camera", alarm.camera_name or alarm.camera_id or "—"),
        ("popup.zone", alarm.zone_display or "—"),
        ("popup.place", alarm.place or "—"),
        ("popup.time", local_time(alarm.raised_at, tz)),
    ]
    allowed = TRANSITIONS[Status(alarm.status)]
    buttons = [
        html.Button(t(label, lang), id={"type": BUTTON, "alarm": alarm.id, "to": target.value}, n_clicks=0,
                    disabled=target not in allowed, className=f"guard-button guard-button--{target.value}")
        for target, label in GUARD_STEPS
    ]
    return html.Article(
        [
            html.Div([html.Span(term("alarm_kind", alarm.kind, lang), className="guard-kind"),
                      status_chip(alarm.status, lang)], className="guard-card-head"),
            picture,
            html.Dl([part for key, value in facts for part in (html.Dt(t(key, lang)), html.Dd(value))],
                    className="guard-facts"),
            html.Figure([html.Img(src=site_map_uri(config.cameras, alarm.camera_id, config.site.name),
                                  className="guard-map", alt=t("guard.map", lang)),
                         html.Figcaption(t("guard.map", lang))], className="guard-map-figure"),
            html.Div(buttons, className="guard-buttons"),
        ],
        className="guard-card",
        **data_attributes(alarm_id=alarm.id, status=alarm.status),
    )


def me_line(guard: GuardItem, lang: str) -> html.Div:
    """Who the guard is on the roster and his status."""
    return html.Div(
        [html.Div(guard.name, className="guard-name"),
         html.Div(f"{guard.post} · {t('guards.radio', lang, ch=guard.radio_channel)}", className="row-sub"),
         guard_status_chip(guard.status, lang)],
        **data_attributes(guard_id=guard.id),
    )


def register(app: Dash, app_ctx: AppContext) -> None:
    """The page's refresh and button callbacks."""

    @guarded_callback(
        app,
        Action.VIEW_GUARD_PAGE,
        Output("guard-me", "children"),
        Output("guard-alarms", "children"),
        Output("guard-drawn", "data"),
        Input("data-tick", "n_intervals"),
        Input("lang", "value"),
        Input("guard-changed", "data"),
        State("guard-drawn", "data"),
    )
    def refresh_guard(_tick: int | None, lang: str, _changed: int | None, drawn: list | None) -> tuple:
        user = require_action(Action.VIEW_GUARD_PAGE)
        if user.guard_id is None:
            return html.Div(t("guard.not_linked", lang), className="empty"), [], None
        read = app_ctx.read_context()
        with app_ctx.store.session() as session:
            guard = roster_entry(session, read, user.guard_id)
            alarms = guard_alarms(session, read, user.guard_id)
            me = me_line(guard, lang) if guard else html.Div(user.guard_id)
            state = [lang, guard.status if guard else None, guard.post if guard else None,
                     [[a.id, a.status] for a in alarms]]
        if state == drawn:
            raise PreventUpdate
        cards: list[Component] = [alarm_card(a, app_ctx.config, lang, read.tz) for a in alarms]
        if not cards:
            cards = [html.Div(t("guard.no_alarms", lang), className="guard-none")]
        return me, cards, state

    @guarded_callback(
        app,
        Action.VIEW_GUARD_PAGE,
        Output("guard-message", "children"),
        Output("guard-changed", "data"),
        Input({"type": BUTTON, "alarm": ALL, "to": ALL}, "n_clicks"),
        State("guard-changed", "data"),
        State("lang", "value"),
        prevent_initial_call=True,
    )
    def press(_clicks: list[int | None], changed: int | None, lang: str) -> tuple:
        pressed = ctx.triggered_id
        if not pressed or not ctx.triggered[0].get("value"):
            raise PreventUpdate
        try:
            target = Status(pressed["to"])
        except ValueError:
            raise PreventUpdate from None
        if target not in {step for step, _ in GUARD_STEPS}:
            raise PreventUpdate
        user = require_action(ALARM_ACTIONS[target])
        try:
            with refused(), app_ctx.store.session() as session:
                act(session, user, str(pressed["alarm"]), target.value)
        except OpsError as exc:
            return refusal(exc, lang), int(changed or 0) + 1
        return done(target.value, user.name, lang, app_ctx.read_context().tz), int(changed or 0) + 1


PAGE = PageSpec(name="guard", path="/guard", action=Action.VIEW_GUARD_PAGE, nav_label="nav.guard", layout=layout,
                register=register)
