"""Fire panel: device counts by state and the devices that are not normal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ops_center.queries.common import ReadContext, Stamp
from ops_center.store.models import FireDevice, FireSignal
from ops_center.vocabulary import FireState

# What an operator must look at first.
_URGENCY = {
    FireState.ALARM: 0, FireState.PRE_ALARM: 1, FireState.SUPERVISORY: 2, FireState.TROUBLE: 3, FireState.DISABLED: 4
}


@dataclass(frozen=True)
class FireDeviceItem:
    """A device that is not normal, with where it is and since when."""

    id: str
    kind: str
    building: str
    floor: str
    place: str
    state: FireState
    value: float | None
    unit: str
    updated: Stamp


@dataclass(frozen=True)
class FirePanel:
    """Counts of devices by state (every state present), the abnormal devices, and the data's age."""

    counts: dict[FireState, int]
    total: int
    abnormal: list[FireDeviceItem]
    updated: Stamp

    @property
    def attention(self) -> str | None:
        """``alert`` with a device in alarm or pre-alarm, ``warn`` with one impaired or faulty."""
        if any(self.counts.get(s, 0) for s in (FireState.ALARM, FireState.PRE_ALARM)):
            return "alert"
        if any(self.counts.get(s, 0) for s in (FireState.SUPERVISORY, FireState.TROUBLE)):
            return "warn"
        return None


def fire_panel(session: Session, ctx: ReadContext, limit: int = 8) -> FirePanel:
    """Everything the fire module shows; ``limit`` caps the list of abnormal devices."""
    counts = dict.fromkeys(FireState, 0)
    counts.update({value: n for value, n in session.execute(select(FireDevice.state, func.count()).group_by(FireDevice.state))})
    urgency = case(_URGENCY, value=FireDevice.state, else_=len(_URGENCY))
    devices = session.scalars(
        select(FireDevice)
        .where(FireDevice.state != FireState.NORMAL)
        .order_by(urgency, FireDevice.updated_at.desc())
        .limit(limit)
    )
    abnormal = [
        FireDeviceItem(
            id=d.id,
            kind=d.kind,
            building=d.building,
            floor=d.floor,
            place=d.place,
            state=d.state,
            value=d.value,
            unit=d.unit,
            updated=ctx.stamp(d.updated_at, "fire"),
        )
        for d in devices
    ]
    last_device = session.scalar(select(func.max(FireDevice.updated_at)))
    last_signal = session.scalar(select(func.max(FireSignal.at)))
    latest = max((t for t in (last_device, last_signal) if t is not None), default=None)
    return FirePanel(counts=counts, total=sum(counts.values()), abnormal=abnormal, updated=ctx.stamp(latest, "fire"))
