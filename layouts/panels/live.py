"""Live camera tiles: an image the page refreshes from ``/frames/<camera>.jpg`` twice a second."""

from __future__ import annotations

from urllib.parse import quote

from dash import html


def frame_url(camera_id: str) -> str:
    """Where the latest annotated frame of a camera is served."""
    return f"/frames/{quote(camera_id, safe='')}.jpg"


def snapshot_url(alarm_id: str) -> str:
    """Where the evidence snapshot of an alarm is served."""
    return f"/snapshots/{quote(alarm_id, safe='')}.jpg"


def live_tile(camera_id: str, caption: list | str, no_frame_text: str, class_name: str = "") -> html.Div:
    """A tile that shows the camera's latest frame; ``assets/wall.js`` swaps in newer frames."""
    url = frame_url(camera_id)
    return html.Div(
        [
            html.Img(src=url, className="live-img", alt="", **{"data-live": url}),
            html.Div(no_frame_text, className="live-missing"),
            html.Div(caption, className="live-caption"),
        ],
        className=f"live-tile {class_name}".strip(),
    )
