"""Commerce panel: merchants, footfall today against the same weekday last week, top merchants.

The footfall table holds one row per merchant, counting source and minute, so every figure here is
a ``SUM``/``GROUP BY`` over an index range on ``minute``; no footfall row is loaded into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ops_center.queries.common import ReadContext, Stamp
from ops_center.store.models import Footfall, Merchant

BUCKET = timedelta(minutes=1)


@dataclass(frozen=True)
class MerchantFootfall:
    """People in through a merchant's door today so far."""

    merchant_id: str
    name: str
    category: str
    count_in: int


@dataclass(frozen=True)
class CommercePanel:
    """Merchant count, footfall today so far and a week ago up to the same time, top merchants."""

    merchant_count: int
    footfall_today: int
    footfall_last_week: int
    top: list[MerchantFootfall]
    updated: Stamp

    @property
    def change(self) -> float | None:
        """Relative change against last week (0.12 = +12 %), None when last week had no count."""
        if not self.footfall_last_week:
            return None
        return self.footfall_today / self.footfall_last_week - 1.0


def footfall_between(session: Session, start: datetime, end: datetime) -> int:
    """People in over all merchants with ``start <= minute <= end``."""
    stmt = select(func.coalesce(func.sum(Footfall.count_in), 0)).where(
        Footfall.minute >= start, Footfall.minute <= end
    )
    return int(session.scalar(stmt) or 0)


def top_merchants(session: Session, start: datetime, end: datetime, limit: int = 5) -> list[MerchantFootfall]:
    """The merchants with most people in between ``start`` and ``end``, most first."""
    total = func.sum(Footfall.count_in).label("total")
    per_merchant = (
        select(Footfall.merchant_id, total)
        .where(Footfall.minute >= start, Footfall.minute <= end)
        .group_by(Footfall.merchant_id)
        .subquery()
    )
    stmt = (
        select(Merchant.id, Merchant.name, Merchant.category, per_merchant.c.total)
        .join(per_merchant, per_merchant.c.merchant_id == Merchant.id)
        .order_by(per_merchant.c.total.desc(), Merchant.id)
        .limit(limit)
    )
    return [MerchantFootfall(m_id, name, category, int(n)) for m_id, name, category, n in session.execute(stmt)]


def commerce_panel(session: Session, ctx: ReadContext, top: int = 5) -> CommercePanel:
    """Everything the commerce module shows; "last week" is the same weekday up to the same time."""
    today = ctx.day_start()
    week = timedelta(days=7)
    merchants = session.scalar(select(func.count()).select_from(Merchant).where(Merchant.active.is_(True)))
    latest = session.scalar(select(func.max(Footfall.minute)).where(Footfall.minute <= ctx.now))
    counted_until = min(latest + BUCKET, ctx.now) if latest else None  # a minute bucket covers its minute
    return CommercePanel(
        merchant_count=int(merchants or 0),
        footfall_today=footfall_between(session, today, ctx.now),
        footfall_last_week=footfall_between(session, ctx.day_start(days_ago=7), ctx.now - week),
        top=top_merchants(session, today, ctx.now, top),
        updated=ctx.stamp(counted_until, "commerce"),
    )
