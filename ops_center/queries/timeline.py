"""Alarm timeline: alarms of the last 24 hours, counted per local hour and per kind in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops_center.queries.common import ReadContext, time_bucket
from ops_center.store.models import Alarm

HOURS = 24


@dataclass(frozen=True)
class AlarmTimeline:
    """``counts[kind][i]``: alarms of that kind raised in the hour starting at ``hours[i]``."""

    hours: list[datetime]
    counts: dict[str, list[int]]
    as_of: datetime

    @property
    def total(self) -> int:
        """Alarms over the whole window."""
        return sum(sum(series) for series in self.counts.values())


def alarm_timeline(session: Session, ctx: ReadContext) -> AlarmTimeline:
    """The 24 local hours up to and including the current one, with alarm counts per kind."""
    start = ctx.hour_start() - timedelta(hours=HOURS - 1)
    bucket = time_bucket(Alarm.raised_at, start, 3600).label("bucket")
    stmt = (
        select(Alarm.kind, bucket, func.count())
        .where(Alarm.raised_at >= start, Alarm.raised_at <= ctx.now)
        .group_by(Alarm.kind, bucket)
    )
    counts: dict[str, list[int]] = {}
    for kind, index, n in session.execute(stmt):
        if 0 <= index < HOURS:
            counts.setdefault(kind, [0] * HOURS)[index] = int(n)
    hours = [ctx.local(start + timedelta(hours=i)) for i in range(HOURS)]
    return AlarmTimeline(hours=hours, counts=dict(sorted(counts.items())), as_of=ctx.now)
