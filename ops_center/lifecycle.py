"""The alarm lifecycle as one transition table (pure: no I/O).

``new -> acknowledged -> dispatched -> on_scene -> resolved``, or ``false_alarm`` (with a reason
code) from any open state. Every other move is refused with a message that says which moves exist.
"""

from __future__ import annotations

from enum import StrEnum

from ops_center.errors import InputError, OpsError


class Status(StrEnum):
    """Where an alarm is in its life."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    FALSE_ALARM = "false_alarm"


OPEN_STATUSES: frozenset[Status] = frozenset(
    {Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SCENE}
)

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED, Status.FALSE_ALARM}),
    Status.ACKNOWLEDGED: frozenset({Status.DISPATCHED, Status.RESOLVED, Status.FALSE_ALARM}),
    Status.DISPATCHED: frozenset({Status.ON_SCENE, Status.RESOLVED, Status.FALSE_ALARM}),
    Status.ON_SCENE: frozenset({Status.RESOLVED, Status.FALSE_ALARM}),
    Status.RESOLVED: frozenset(),
    Status.FALSE_ALARM: frozenset(),
}

FALSE_ALARM_REASONS: tuple[str, ...] = ("staff", "animal", "reflection", "test", "duplicate", "other")


class TransitionError(OpsError):
    """An illegal lifecycle move; the message says what is allowed instead."""


class ReasonRequired(InputError):
    """A false alarm without a known reason code: the move is legal, the input is incomplete."""


def check_transition(current: str, target: str, reason: str | None = None) -> Status:
    """Validate ``current -> target``; return the target status, or raise ``TransitionError`` (an
    illegal move) or ``ReasonRequired`` (a false alarm without a known reason code)."""
    try:
        src, dst = Status(current), Status(target)
    except ValueError as exc:
        raise TransitionError(f"unknown alarm status: {exc}") from None
    allowed = TRANSITIONS[src]
    if dst not in allowed:
        if not allowed:
            raise TransitionError(f"alarm is already {src.value}; it cannot become {dst.value}")
        options = ", ".join(sorted(s.value for s in allowed))
        raise TransitionError(f"cannot go from {src.value} to {dst.value}; allowed: {options}")
    if dst is Status.FALSE_ALARM and reason not in FALSE_ALARM_REASONS:
        raise ReasonRequired(
            f"a false alarm needs a reason code, one of: {', '.join(FALSE_ALARM_REASONS)}"
        )
    return dst


def is_open(status: str) -> bool:
    """True while the alarm still needs someone."""
    return status in OPEN_STATUSES
