"""The coloured chips of closed sets, one renderer each wherever a page shows them: an alarm's
severity (popup, console), a guard's status (wall, console, guard page), a road's congestion."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import html

from layouts.panels import traffic
from layouts.panels.guards import status_chip
from layouts.panels.security import severity_chip
from ops_center.queries.common import Stamp
from ops_center.queries.traffic import RoadTraffic, TrafficStrip
from ops_center.vocabulary import GuardStatus, Severity

STAMP = Stamp(at=datetime(2026, 11, 29, 3, 0, tzinfo=UTC), age_s=5.0, stale=False)


def _chip(span: html.Span) -> tuple[str, str]:
    return span.children, span.className


def test_a_warning_is_the_quiet_severity_and_an_escalated_one_stays_loud() -> None:
    assert [_chip(severity_chip(s, "en")) for s in Severity] == [
        ("warning", "chip chip--warn"), ("critical", "chip chip--alert"), ("emergency", "chip chip--alert")]
    assert _chip(severity_chip(Severity.EMERGENCY, "zh-CN")) == ("紧急", "chip chip--alert")


def test_a_guard_is_coloured_by_how_busy_his_status_makes_him() -> None:
    assert [_chip(status_chip(s, "en"))[1] for s in GuardStatus] == [
        "chip chip--calm", "chip chip--alert", "chip chip--warn", "chip chip--muted"]


def test_a_jammed_road_is_loud_and_frames_the_strip() -> None:
    roads = [RoadTraffic(road="North gate", congestion=n, speed_kmh=30.0, updated=STAMP) for n in (0, 2, 4)]
    chips = [item.children[1] for item in map(lambda r: traffic.road_item(r, "en"), roads)]
    assert [_chip(c) for c in chips] == [("free", "chip chip--calm"), ("moderate", "chip chip--warn"),
                                         ("jammed", "chip chip--alert")]
    assert "panel--warn" in traffic.render(TrafficStrip(roads=roads, environment=[]), "en")[1].split()
    assert "panel--warn" not in traffic.render(TrafficStrip(roads=roads[:2], environment=[]), "en")[1].split()
