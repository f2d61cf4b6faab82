"""Live camera tiles: an image the page refreshes from ``/frames/<camera>.jpg`` twice a second.

A tile whose camera has stopped sending frames says so over the last picture, so a frozen picture
is never taken for a live one.
"""

from __future__ import annotations

from urllib.parse import quote

from dash import html

from layouts.format import age_text, data_attributes
from layouts.i18n import t
from ops_center.queries import Stamp


def frame_url(camera_id: str) -> str:
    """Where the latest annotated frame of a camera is served."""
    return f"/frames/{quote(camera_id, safe='')}.jpg"


def snapshot_url(alarm_id: str) -> str:
    """Where the evidence snapshot of an alarm is served."""
    return f"/snapshots/{quote(alarm_id, safe='')}.jpg"


def stalled_text(frame: Stamp, lang: str) -> str | None:
    """What a tile says over a picture that has stopped updating (``frame`` stale), else None."""
    if not frame.stale or frame.age_s is None:
        return None
    return t("camera.frame_stalled", lang, age=age_text(frame.age_s, lang))


def live_tile(camera_id: str, caption: list | str, no_frame_text: str, class_name: str = "",
              stalled: str | None = None) -> html.Div:
    """A tile that shows the camera's latest frame; ``assets/wall.js`` swaps in newer frames.
    ``stalled`` (see ``stalled_text``) marks a picture that is no longer live."""
    url = frame_url(camera_id)
    classes = ["live-tile", class_name, "live-tile--stalled" if stalled else ""]
    return html.Div(
        [
            html.Img(src=url, className="live-img", alt="", **data_attributes(live=url)),
            html.Div(no_frame_text, className="live-missing"),
            *([html.Div(stalled, className="live-stalled")] if stalled else []),
            html.Div(caption, className="live-caption"),
        ],
        className=" ".join(c for c in classes if c),
    )
