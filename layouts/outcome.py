"""What the console and the guard page say after an action: done, or why it was refused (never a traceback)."""

from __future__ import annotations

from datetime import tzinfo

from dash import html

from layouts.format import local_time
from layouts.i18n import t, term
from ops_center.alarm_actions import AlarmNotFound, ConcurrentChange
from ops_center.errors import InputError, OpsError
from ops_center.lifecycle import TransitionError
from ops_center.store.types import utcnow

# First match wins: the specific kinds of OpsError before OpsError itself.
REFUSALS: tuple[tuple[type[Exception], str], ...] = (
    (InputError, "outcome.input"),
    (TransitionError, "outcome.illegal"),
    (ConcurrentChange, "outcome.concurrent"),
    (AlarmNotFound, "outcome.not_found"),
    (OpsError, "outcome.refused"),
)


def refusal(exc: OpsError, lang: str) -> html.Div:
    """A clear message for a refused action: a headline in ``lang`` and the core's own explanation."""
    key = next(key for kind, key in REFUSALS if isinstance(exc, kind))
    return html.Div([html.B(t(key, lang)), html.Span(str(exc), className="outcome-detail")],
                    className="outcome outcome--refused", role="alert")


def done(step: str, user: str, lang: str, tz: tzinfo) -> html.Div:
    """The confirmation of a step taken by ``user`` just now (``step`` is a status, or ``note``)."""
    what = t("outcome.note_added", lang) if step == "note" else term("alarm_status", step, lang)
    return html.Div(t("outcome.done", lang, step=what, user=user, time=local_time(utcnow(), tz)),
                    className="outcome outcome--done", role="status")
