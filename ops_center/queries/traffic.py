"""Traffic and environment strip: the latest reading of each road and each station's metric."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session, aliased

from ops_center.queries.common import ReadContext, Stamp, distinct_by_index
from ops_center.store.models import EnvironmentReading, TrafficReading

CONGESTION_LEVELS = ("free", "light", "moderate", "heavy", "jammed")


@dataclass(frozen=True)
class RoadTraffic:
    """Congestion level (0 free .. 4 jammed) and speed on one access road."""

    road: str
    congestion: int
    speed_kmh: float
    updated: Stamp

    @property
    def level(self) -> str:
        """The congestion level's name."""
        return CONGESTION_LEVELS[max(0, min(self.congestion, len(CONGESTION_LEVELS) - 1))]


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


def road_traffic(session: Session, ctx: ReadContext) -> list[RoadTraffic]:
    """The latest reading of each road, by road name (index probes on ``(road, at)``: the read does
    not grow with the history of readings)."""
    roads = distinct_by_index(TrafficReading.road, "roads")
    same_road = aliased(TrafficReading)
    latest_at = select(func.max(same_road.at)).where(same_road.road == roads.c.value).scalar_subquery()
    stmt = (
        select(TrafficReading)
        .join(roads, and_(TrafficReading.road == roads.c.value, TrafficReading.at == latest_at))
        .order_by(TrafficReading.road, TrafficReading.id.desc())
    )
    roads: dict[str, RoadTraffic] = {}
    for r in session.scalars(stmt):
        roads.setdefault(r.road, RoadTraffic(r.road, r.congestion, r.speed_kmh, ctx.stamp(r.at, "traffic")))
    return list(roads.values())


def environment_values(session: Session, ctx: ReadContext) -> list[EnvironmentValue]:
    """The latest value of each metric of each station, by station and metric."""
    # Stations and metrics by loose index scans, each pair's newest reading by an index probe:
    # the readings history is never read whole.
    stations = distinct_by_index(EnvironmentReading.station, "env_stations")
    metrics = distinct_by_index(EnvironmentReading.metric, "env_metrics")
    same_pair = aliased(EnvironmentReading)
    latest_at = (
        select(func.max(same_pair.at))
        .where(same_pair.station == stations.c.value, same_pair.metric == metrics.c.value)
        .scalar_subquery()
    )
    stmt = (
        select(EnvironmentReading)
        .select_from(stations)
        .join(metrics, true())
        .join(
            EnvironmentReading,
            and_(
                EnvironmentReading.station == stations.c.value,
                EnvironmentReading.metric == metrics.c.value,
                EnvironmentReading.at == latest_at,
            ),
        )
        .order_by(EnvironmentReading.station, EnvironmentReading.metric, EnvironmentReading.id.desc())
    )
    values: dict[tuple[str, str], EnvironmentValue] = {}
    for r in session.scalars(stmt):
        values.setdefault((r.station, r.metric), EnvironmentValue(r.station, r.metric, r.value, r.unit, ctx.stamp(r.at, "environment")))
    return list(values.values())


def traffic_strip(session: Session, ctx: ReadContext) -> TrafficStrip:
    """Everything the traffic and environment strip shows."""
    return TrafficStrip(roads=road_traffic(session, ctx), environment=environment_values(session, ctx))
