"""What every simulated domain shares: the context it runs in and bulk writing of its rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import DeclarativeBase, Session

from ops_center.config import EnvironmentConfig, TrafficConfig
from ops_center.simulator.site import DEMO_ENVIRONMENT, DEMO_TRAFFIC

BATCH_ROWS = 5000


@dataclass(frozen=True)
class SimContext:
    """The seed every simulated value derives from, the site's time zone (days, hours, shifts) and
    the roads and environment stations it registers (readings are simulated for those)."""

    seed: int
    tz: ZoneInfo
    traffic: TrafficConfig = DEMO_TRAFFIC
    environment: EnvironmentConfig = DEMO_ENVIRONMENT
    camera_merchants: frozenset[str] = frozenset()  # counted by a camera's line: their footfall is not made up


def bulk_insert(session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert new history rows in large executemany batches; return how many were written.

    History rows are only ever generated after the newest stored one (the domain's watermark), so
    no key can collide; entities with stable ids go through ``writes.insert_ignore`` instead.
    """
    for start in range(0, len(rows), BATCH_ROWS):
        session.execute(insert(model), list(rows[start : start + BATCH_ROWS]))
    return len(rows)
