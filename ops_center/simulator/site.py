"""The demo site's registered roads and environment station: the simulator writes readings of the
roads and stations a site registers, and these are the demo's (``config/demo.yaml`` registers the
same; a test keeps them equal)."""

from __future__ import annotations

from ops_center.config import EnvironmentConfig, MetricConfig, StationConfig, TrafficConfig

DEMO_TRAFFIC = TrafficConfig(
    roads=["Lake Bridge outbound 湖桥出城", "Lake Bridge inbound 湖桥入城", "East Gate Road 东门路"]
)
DEMO_ENVIRONMENT = EnvironmentConfig(
    stations=[
        StationConfig(
            name="Lakeside station 湖畔监测站",
            metrics={
                "temperature": MetricConfig(unit="°C", min=-40, max=60),
                "humidity": MetricConfig(unit="%", min=0, max=100),
                "pm25": MetricConfig(unit="µg/m³", min=0, max=1000),
                "lake_level": MetricConfig(unit="m", min=0, max=10),
            },
        )
    ]
)
