"""Formatting of values for the wall: ages, waiting clocks, local times, counts (pure)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from dash import html

from layouts.i18n import t
from ops_center.queries import Stamp


def age_text(seconds: float, lang: str) -> str:
    """A short age: ``42 s``, ``7 min``, ``3 h``, ``2 d`` (or their Chinese forms)."""
    s = int(seconds)
    if s < 60:
        return t("age.s", lang, n=s)
    if s < 3600:
        return t("age.min", lang, n=s // 60)
    if s < 86400:
        return t("age.h", lang, n=s // 3600)
    return t("age.d", lang, n=s // 86400)


def waiting_clock(seconds: float) -> str:
    """How long an alarm has waited, as ``m:ss`` or ``h:mm:ss``."""
    s = int(seconds)
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def local_time(at: datetime, tz: tzinfo, with_date: bool = False) -> str:
    """``at`` in the site's time zone: ``14:03:27`` (or ``06-10 14:03:27``)."""
    return at.astimezone(tz).strftime("%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def stamp_badge(stamp: Stamp, lang: str) -> html.Span:
    """How old a value is; marked stale (and styled so) past the staleness limit."""
    if stamp.age_s is None:
        return html.Span(t("age.never", lang), className="age age--stale")
    age = age_text(stamp.age_s, lang)
    if stamp.stale:
        return html.Span(t("age.stale", lang, age=age), className="age age--stale")
    return html.Span(t("age.ago", lang, age=age), className="age")


def number(value: float, digits: int = 0) -> str:
    """A number with thousands separators."""
    return f"{value:,.{digits}f}"


def data_attributes(**values: object) -> dict[str, Any]:
    """HTML ``data-*`` attributes for a Dash component: ``alarm_id=x`` gives ``data-alarm-id="x"``."""
    return {f"data-{name.replace('_', '-')}": value for name, value in values.items()}
