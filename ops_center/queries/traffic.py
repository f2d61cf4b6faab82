"""Traffic and environment strip: the latest reading of each registered road and of each registered
station's metric, a bounded number of each whatever the store holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import CTE, and_, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from ops_center.config import EnvironmentConfig, TrafficConfig
from ops_center.queries.common import ReadContext, Stamp
from ops_center.store.models import EnvironmentReading, TrafficReading
from ops_center.vocabulary import Congestion

ROADS_SHOWN = 6
VALUES_SHOWN = 8


@dataclass(frozen=True)
class RoadTraffic:
    """Congestion level (0 free .. 4 jammed) and speed on one access road."""

    road: str
    congestion: int
    speed_kmh: float
    updated: Stamp

    @property
    def level(self) -> Congestion:
        """The congestion level."""
        return Congestion.of(self.congestion)


@dataclass(frozen=True)
class EnvironmentValue:
    """The latest value of one metric at one station."""

    station: str
    metric: str
    value: float
    unit: str
    updated: Stamp


@dataclass(frozen=True)
class TrafficStrip:
    """Roads and environment values for the bottom strip of the wall."""

    roads: list[RoadTraffic]
    environment: list[EnvironmentValue]


def _names(name: str, rows: Sequence[tuple[str, ...]], columns: Sequence[str]) -> CTE:
    """A CTE of literal rows (registered names): each row one index probe below, never a scan."""
    selects = [select(*(literal(v).label(c) for v, c in zip(row, columns, strict=True))) for row in rows]
    return union_all(*selects).cte(name)


def road_traffic(
    session: Session, ctx: ReadContext, traffic: TrafficConfig, limit: int = ROADS_SHOWN
) -> list[RoadTraffic]:
    """The latest reading of each of the first ``limit`` registered roads that has one, in the
    registered order (one index probe on ``(road, at)`` per road: the read does not grow with the
    history of readings, nor with readings of unregistered roads)."""
    order = {road: i for i, road in enumerate(traffic.roads[:limit])}
    if not order:
        return []
    roads = _names("roads", [(road,) for road in order], ["value"])
    same_road = aliased(TrafficReading)
    latest_at = select(func.max(same_road.at)).where(same_road.road == roads.c.value).scalar_subquery()
    stmt = (
        select(TrafficReading)
        .join(roads, and_(TrafficReading.road == roads.c.value, TrafficReading.at == latest_at))
        .order_by(TrafficReading.road, TrafficReading.id.desc())
    )
    latest: dict[str, RoadTraffic] = {}
    for r in session.scalars(stmt):
        latest.setdefault(r.road, RoadTraffic(r.road, r.congestion, r.speed_kmh, ctx.stamp(r.at, "traffic")))
    return sorted(latest.values(), key=lambda r: order[r.road])


def environment_values(
    session: Session, ctx: ReadContext, environment: EnvironmentConfig, limit: int = VALUES_SHOWN
) -> list[EnvironmentValue]:
    """The latest value of each of the first ``limit`` registered (station, metric) pairs that has
    one, in the registered order (one index probe on ``(station, metric, at)`` per pair)."""
    pairs = [(s.name, metric) for s in environment.stations for metric in s.metrics][:limit]
    order = {pair: i for i, pair in enumerate(pairs)}
    if not order:
        return []
    registered = _names("env_pairs", pairs, ["station", "metric"])
    same_pair = aliased(EnvironmentReading)
    latest_at = (
        select(func.max(same_pair.at))
        .where(same_pair.station == registered.c.station, same_pair.metric == registered.c.metric)
        .scalar_subquery()
    )
    stmt = (
        select(EnvironmentReading)
        .join(
            registered,
            and_(
                EnvironmentReading.station == registered.c.station,
                EnvironmentReading.metric == registered.c.metric,
                EnvironmentReading.at == latest_at,
            ),
        )
        .order_by(EnvironmentReading.station, EnvironmentReading.metric, EnvironmentReading.id.desc())
    )
    values: dict[tuple[str, str], EnvironmentValue] = {}
    for r in session.scalars(stmt):
        stamp = ctx.stamp(r.at, "environment")
        values.setdefault((r.station, r.metric), EnvironmentValue(r.station, r.metric, r.value, r.unit, stamp))
    return [values[pair] for pair in pairs if pair in values]


def traffic_strip(
    session: Session, ctx: ReadContext, traffic: TrafficConfig, environment: EnvironmentConfig
) -> TrafficStrip:
    """Everything the traffic and environment strip shows: the site's registered roads and stations."""
    return TrafficStrip(
        roads=road_traffic(session, ctx, traffic), environment=environment_values(session, ctx, environment)
    )
