"""The guard roster: who is on duty by shift, and which post each one holds (posts rotate hourly).

The simulator only moves guards between ``on_patrol`` and ``off_duty`` (shift changes) and between
posts; a guard the operator has dispatched (``dispatched``, ``on_scene``) is left alone.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ops_center.simulator.base import SimContext
from ops_center.simulator.timeline import local_hour
from ops_center.store.models import Guard
from ops_center.store.writes import insert_ignore
from ops_center.vocabulary import GuardStatus

DAY_SHIFT = (time(8), time(20))  # the day shift; the night shift is the rest
POSTS = (
    "Main gate 正门岗",
    "East gate 东门岗",
    "Lakeside path 湖边巡逻",
    "Commercial square 商业广场",
    "North garage 北区地库",
    "Control room 监控中心",
)
# id, name, radio channel, shift
ROSTER = (
    ("g01", "Zhang Wei 张伟", "CH1", "day"),
    ("g02", "Li Qiang 李强", "CH1", "day"),
    ("g03", "Wang Fang 王芳", "CH2", "day"),
    ("g04", "Liu Yang 刘洋", "CH2", "day"),
    ("g05", "Chen Jie 陈杰", "CH3", "day"),
    ("g06", "Yang Lei 杨磊", "CH1", "night"),
    ("g07", "Zhao Min 赵敏", "CH2", "night"),
    ("g08", "Huang Tao 黄涛", "CH3", "night"),
)
SIMULATED = (GuardStatus.ON_PATROL, GuardStatus.OFF_DUTY)


def shift_at(ctx: SimContext, moment: datetime) -> str:
    """'day' or 'night' at ``moment``, site time."""
    hour = local_hour(moment, ctx.tz)
    start, end = DAY_SHIFT
    return "day" if start.hour <= hour < end.hour else "night"


def roster_at(ctx: SimContext, moment: datetime) -> list[dict[str, object]]:
    """Every guard's status and post at ``moment``: on patrol in their shift, off duty outside it."""
    shift = shift_at(ctx, moment)
    on_duty = [g for g in ROSTER if g[3] == shift]
    rotation = int(moment.timestamp() // 3600) + ctx.seed
    rows = []
    for guard_id, name, channel, guard_shift in ROSTER:
        if guard_shift == shift:
            slot = [g[0] for g in on_duty].index(guard_id)
            post, status = POSTS[(slot + rotation) % len(POSTS)], GuardStatus.ON_PATROL
        else:
            post, status = POSTS[int(guard_id[1:]) % len(POSTS)], GuardStatus.OFF_DUTY
        rows.append(
            {"id": guard_id, "name": name, "radio_channel": channel, "post": post, "status": status, "updated_at": moment}
        )
    return rows


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """Store the roster (once), as it stands at ``now``; return the rows added."""
    return {"guards": insert_ignore(session, Guard, roster_at(ctx, now))}


def watermark(session: Session, ctx: SimContext) -> datetime | None:
    """Guards keep no history: the roster is brought up to date at every step."""
    return None


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Bring the guards the simulator moves to their shift status and post at ``until`` (no rows added)."""
    stored = {g.id: g for g in session.scalars(select(Guard))}
    for row in roster_at(ctx, until):
        guard = stored.get(str(row["id"]))
        if guard is not None and guard.status in SIMULATED and (guard.status, guard.post) != (row["status"], row["post"]):
            guard.status, guard.post, guard.updated_at = GuardStatus(str(row["status"])), str(row["post"]), until
    return {}
