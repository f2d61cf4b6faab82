"""The wall: eight modules on one screen that never scrolls, refreshed every ``refresh_ms``.

One callback reads every module's data in one store session and renders all eight; the popup and
the live tiles refresh on their own faster intervals (see ``layouts.popup`` and ``assets/wall.js``).
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, html

from layouts.access import guarded_callback, may, require_login
from layouts.charts import font_px
from layouts.context import AppContext, PageContext
from layouts.panels import cameras, commerce, fire, guards, parking, security, timeline, traffic
from layouts.registry import PageSpec
from ops_center.auth import Action
from ops_center.queries.cameras import camera_health
from ops_center.queries.commerce import commerce_panel
from ops_center.queries.fire import fire_panel
from ops_center.queries.guards import guards_panel
from ops_center.queries.parking import parking_panel
from ops_center.queries.security import security_panel
from ops_center.queries.timeline import alarm_timeline
from ops_center.queries.traffic import traffic_strip

# Rows that fit each list at any screen size (all sizes scale with the viewport).
SECURITY_ROWS, FIRE_ROWS, GUARD_ROWS = 5, 5, 6
MODULES = ("security", "cameras", "fire", "parking", "timeline", "commerce", "guards", "traffic")


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The wall's grid of eight empty modules; the refresh callback fills them (in the language of the moment)."""
    return html.Div([html.Section(id=f"panel-{name}", className=f"panel panel-{name}") for name in MODULES],
                    className="wall-grid")


def register(app: Dash, app_ctx: AppContext) -> None:
    """The wall's one data callback."""
    outputs = [o for name in MODULES for o in (Output(f"panel-{name}", "children"), Output(f"panel-{name}", "className"))]

    @guarded_callback(app, Action.VIEW_WALL, *outputs, Input("data-tick", "n_intervals"), Input("lang", "value"),
                      State("viewport", "data"))
    def refresh_wall(_tick: int | None, lang: str, viewport_height: float | None) -> tuple:
        read = app_ctx.read_context()
        config = app_ctx.config
        font = font_px(viewport_height)
        analytics_link = may(require_login(), Action.VIEW_ANALYTICS)
        with app_ctx.store.session() as session:
            health = camera_health(session, read, config.alarms.camera_offline_after_s)
            by_id = {c.camera_id: c for c in health}
            rendered = {
                "security": security.render(security_panel(session, read, SECURITY_ROWS), lang, by_id),
                "cameras": cameras.render(health, lang),
                "fire": fire.render(fire_panel(session, read, FIRE_ROWS), lang),
                "parking": parking.render(parking_panel(session, read), lang, font),
                "timeline": timeline.render(alarm_timeline(session, read), lang, font),
                "commerce": commerce.render(commerce_panel(session, read), lang, analytics_link=analytics_link),
                "guards": guards.render(guards_panel(session, read, GUARD_ROWS), lang),
                "traffic": traffic.render(traffic_strip(session, read, config.traffic, config.environment), lang),
            }
        return tuple(part for name in MODULES for part in rendered[name])


PAGE = PageSpec(name="wall", path="/", action=Action.VIEW_WALL, nav_label="nav.wall", layout=layout, register=register,
                popup=True)
