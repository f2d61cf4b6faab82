"""Guards panel: the duty roster and each guard's status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ops_center.queries.common import ReadContext, Stamp
from ops_center.store.models import Guard
from ops_center.vocabulary import GUARD_STATUSES, GuardStatus


@dataclass(frozen=True)
class GuardItem:
    """A guard on the roster, with the time of the last status change."""

    id: str
    name: str
    radio_channel: str
    post: str
    status: GuardStatus
    updated: Stamp


@dataclass(frozen=True)
class GuardsPanel:
    """The roster (busy guards first) and how many guards are in each status."""

    guards: list[GuardItem]
    counts: dict[GuardStatus, int]

    @property
    def on_duty(self) -> int:
        """Guards not off duty."""
        return sum(n for status, n in self.counts.items() if status != GuardStatus.OFF_DUTY)


def guards_panel(session: Session, ctx: ReadContext, limit: int = 12) -> GuardsPanel:
    """The roster, busy guards first, then on patrol, then off duty; ``limit`` caps the list."""
    order = case({s: i for i, s in enumerate(GUARD_STATUSES)}, value=Guard.status, else_=len(GUARD_STATUSES))
    guards = [_item(g, ctx) for g in session.scalars(select(Guard).order_by(order, Guard.name).limit(limit))]
    counts = dict.fromkeys(GUARD_STATUSES, 0)
    counts.update({value: n for value, n in session.execute(select(Guard.status, func.count()).group_by(Guard.status))})
    return GuardsPanel(guards=guards, counts=counts)


def roster_entry(session: Session, ctx: ReadContext, guard_id: str) -> GuardItem | None:
    """One guard's entry on the roster (his own page shows it), or None when he is not on it."""
    guard = session.get(Guard, guard_id)
    return _item(guard, ctx) if guard is not None else None


def _item(guard: Guard, ctx: ReadContext) -> GuardItem:
    return GuardItem(guard.id, guard.name, guard.radio_channel, guard.post, guard.status,
                     ctx.stamp(guard.updated_at, "guards"))
