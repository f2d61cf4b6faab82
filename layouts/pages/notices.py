"""Community notices (``/notices``, admins): post a notice for the residents' page, see those shown
and the past ones with who posted and removed them, take one down.

The buttons run ``ops_center.notices`` as the logged-in admin, the same functions as
``ops-center notices``; a refused input comes back as a message naming the field.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from layouts.access import guarded_callback, refused
from layouts.context import AppContext, PageContext
from layouts.format import data_attributes, local_time
from layouts.i18n import t
from layouts.outcome import refusal
from layouts.registry import PageSpec
from ops_center.auth import Action
from ops_center.errors import OpsError
from ops_center.notices import (
    BODY_MAX,
    DEFAULT_DAYS,
    MAX_DAYS,
    TITLE_MAX,
    NoticeItem,
    list_notices,
    post_notice,
    remove_notice,
)
from ops_center.store.types import utcnow
from web.auth import require_action

REMOVE = "notice-remove"
DAY_CHOICES = (1, 3, 7, 14, 30, MAX_DAYS)


def layout(lang: str, ctx: PageContext) -> html.Div:
    """The form and the list (filled by the callback)."""
    days = [{"label": t("notices.days", lang, n=n), "value": str(n)} for n in DAY_CHOICES]  # values are text
    return html.Div(
        [
            html.H1(t("nav.notices", lang), className="page-title"),
            html.Div(
                [
                    dcc.Input(id="notice-title", maxLength=TITLE_MAX, placeholder=t("notices.title", lang),
                              className="notice-input"),
                    dcc.Textarea(id="notice-body", maxLength=BODY_MAX, placeholder=t("notices.body", lang),
                                 className="notice-input notice-body"),
                    dcc.Dropdown(id="notice-days", options=days, value=str(DEFAULT_DAYS), clearable=False,
                                 className="notice-days"),
                    html.Button(t("notices.post", lang), id="notice-post", n_clicks=0, className="notice-post"),
                ],
                className="notice-form",
            ),
            html.Div(id="notice-message", className="notice-message"),
            html.Div(id="notice-list", className="notice-list"),
        ],
        className="notices-page",
    )


def notice_row(notice: NoticeItem, lang: str, now: datetime, tz: tzinfo) -> html.Article:
    """A notice with who posted it and when, and a remove button while it is shown."""
    posted = t("notices.posted_by", lang, who=notice.posted_by, at=local_time(notice.posted_at, tz, with_date=True))
    if notice.removed_at is not None:
        state = t("notices.removed_by", lang, who=notice.removed_by,
                  at=local_time(notice.removed_at, tz, with_date=True))
    else:
        state = t("notices.until", lang, at=local_time(notice.expires_at, tz, with_date=True))
    remove = [html.Button(t("notices.remove", lang), id={"type": REMOVE, "notice": notice.id}, n_clicks=0,
                          className="notice-remove")] if notice.shown(now) else []
    return html.Article([html.H3(notice.title), html.P(notice.body, className="notice-text"),
                         html.Div(f"{posted} · {state}", className="row-sub"), *remove],
                        className="notice-row", **data_attributes(notice_id=notice.id))


def register(app: Dash, app_ctx: AppContext) -> None:
    """One callback: post, remove, and the list after either (and on opening the page)."""

    @guarded_callback(
        app,
        Action.MANAGE_NOTICES,
        Output("notice-message", "children"),
        Output("notice-list", "children"),
        Input("notice-post", "n_clicks"),
        Input({"type": REMOVE, "notice": ALL}, "n_clicks"),
        Input("lang", "value"),
        State("notice-title", "value"),
        State("notice-body", "value"),
        State("notice-days", "value"),
    )
    def notices(_post: int | None, _removes: list[int | None], lang: str, title: str | None, body: str | None,
                days: str | None) -> tuple:
        user = require_action(Action.MANAGE_NOTICES)
        pressed, now, message = ctx.triggered_id, utcnow(), None
        if pressed is not None and pressed != "lang" and not ctx.triggered[0].get("value"):
            raise PreventUpdate  # a remove button drawn anew, not clicked
        read = app_ctx.read_context()
        try:
            with refused(), app_ctx.store.session() as session:
                if pressed == "notice-post":
                    posted = post_notice(session, user, title or "", body or "", _whole(days), now)
                    message = html.Div(t("notices.posted", lang, title=posted.title),
                                       className="outcome outcome--done", role="status")
                elif isinstance(pressed, dict):
                    remove_notice(session, user, pressed["notice"], now)
        except OpsError as exc:
            message = refusal(exc, lang)
        with app_ctx.store.session() as session:
            items = list_notices(session, now, include_past=True, limit=50)
        rows: list[Component] = [notice_row(n, lang, now, read.tz) for n in items]
        if not rows:
            rows = [html.Div(t("residents.no_notices", lang), className="empty")]
        return message, rows


def _whole(text: str | None) -> int:
    """The chosen number of days (0 for anything else: ``post_notice`` refuses it by name)."""
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 4 else 0


PAGE = PageSpec(name="notices", path="/notices", action=Action.MANAGE_NOTICES, nav_label="nav.notices",
                layout=layout, register=register)
