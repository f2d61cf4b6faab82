"""Cameras module: every camera's state, processed frame rate and age of its last frame."""

from __future__ import annotations

from dash import html

from layouts.format import age_text
from layouts.i18n import t, term
from layouts.panels.frame import Rendered, chip, empty, panel
from layouts.panels.live import live_tile, stalled_text
from ops_center.queries.cameras import CameraHealth
from ops_center.vocabulary import CameraHealthState

_TONE = {
    CameraHealthState.ONLINE: "calm",
    CameraHealthState.STARTING: "info",
    CameraHealthState.RECONNECTING: "warn",
    CameraHealthState.DETECTOR_UNAVAILABLE: "warn",
}


def camera_card(cam: CameraHealth, lang: str) -> html.Div:
    """A camera's live thumbnail with its name, state, frame rate, frame age and, while its worker
    cannot reach the store, how many of its alarms wait."""
    frame_age = age_text(cam.last_frame.age_s, lang) if cam.last_frame.age_s is not None else "–"
    store = [] if cam.store_reachable else [
        html.Span(t("cameras.store_unreachable", lang, n=cam.alarms_waiting), className="cam-store")
    ]
    facts = html.Div(
        [
            html.Div(cam.name, className="cam-name"),
            chip(term("camera_state", cam.state, lang), _TONE.get(cam.state, "alert")),
            html.Div(
                [
                    html.Span(t("cameras.fps", lang, n=f"{cam.fps_processed:.1f}")),
                    html.Span(
                        t("cameras.frame", lang, age=frame_age),
                        className="age age--stale" if cam.last_frame.stale else "age",
                    ),
                    *store,
                ],
                className="cam-facts",
            ),
        ],
        className="cam-info",
    )
    classes = "cam-card cam-card--attention" if cam.needs_attention else "cam-card"
    tile = live_tile(cam.camera_id, "", t("camera.no_frame", lang), stalled=stalled_text(cam.last_frame, lang))
    return html.Div([tile, facts], className=classes)


def render(cameras: list[CameraHealth], lang: str, limit: int = 4) -> Rendered:
    """The cameras module; cameras that need attention come first."""
    online = sum(c.state == CameraHealthState.ONLINE for c in cameras)
    summary = t("cameras.online", lang, n=online, total=len(cameras))
    shown = sorted(cameras, key=lambda c: (not c.needs_attention, c.camera_id))[:limit]
    grid = "cam-grid cam-grid--single" if len(shown) == 1 else "cam-grid"
    body = [html.Div([camera_card(c, lang) for c in shown], className=grid)] if cameras else [
        empty(t("camera.none", lang))
    ]
    return panel("cameras", lang, body, summary=summary, attention="warn" if any(c.needs_attention for c in cameras) else None)
