"""Find my car on a small test lot: the shortest of two ways, a level change through a lift, unknown
spaces and starts; lot maps that do not hold together are refused naming the file and key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops_center.config import ParkingConfig, load_config
from ops_center.errors import ConfigError
from ops_center.lot_routes import ParkingMaps, RouteError, lot_graph, route
from ops_center.simulator.parking import LOTS, lot_spaces

ROOT = Path(__file__).resolve().parents[1]
NAME = {"zh-CN": "名", "en": "Name"}

# Level 1: the entrance "gate" at the west end of an aisle; from the junction j two ways lead to the
# aisle point x of space T-1-001: straight east (20 m) or round by the north (n1, n2: 10 + 20 + 10 m).
# Level 2 is reached by the lift "lift" from s1 (level 1) to s2 (level 2); space T-2-001 hangs there.
TEST_LOT: dict[str, Any] = {
    "id": "t",
    "levels": [
        {
            "id": "1",
            "name": {"zh-CN": "一层", "en": "Level 1"},
            "size": [60, 40],
            "nodes": {"g": [0, 20], "j": [10, 20], "x": [30, 20], "n1": [10, 10], "n2": [30, 10],
                      "s1": [40, 20], "p": [30, 30]},
            "aisles": [["g", "j"], ["j", "x"], ["j", "n1"], ["n1", "n2"], ["n2", "x"], ["x", "s1"], ["x", "p"]],
            "rows": [{"aisle": ["x", "p"], "first": 1, "count": 1, "side": "left", "depth": 2}],
            "codes": {"P-7": "n2"},
        },
        {
            "id": "2",
            "name": {"zh-CN": "二层", "en": "Level 2"},
            "size": [60, 40],
            "nodes": {"s2": [40, 20], "y": [40, 35]},
            "aisles": [["s2", "y"]],
            "spaces": [{"id": "T-2-001", "node": "y", "at": [43, 35]}],
        },
    ],
    "entrances": [{"id": "gate", "name": NAME, "level": "1", "node": "g"}],
    "lifts": [{"id": "lift", "name": {"zh-CN": "电梯", "en": "the lift"}, "stops": {"1": "s1", "2": "s2"},
               "ride_m": 12}],
}


def maps(lot: dict[str, Any] | None = None) -> ParkingMaps:
    return ParkingMaps(ParkingConfig.model_validate({"lots": [lot or TEST_LOT]}))


def test_the_shorter_of_two_ways_is_taken() -> None:
    found = maps().route("gate", "T-1-001")
    assert found.levels == ["1"]
    (leg,) = found.legs
    # g -> j -> x (straight, not round by n1 and n2) -> the space's point on aisle x-p -> the space
    assert leg.points == ((0, 20), (10, 20), (30, 20), (30, 25), (32, 25))
    assert found.metres == pytest.approx(10 + 20 + 5 + 2)
    assert found.steps[-1].en == "On Level 1, walk about 37 m to space T-1-001"


def test_a_posted_code_starts_where_it_hangs_and_the_route_is_the_shortest_from_there() -> None:
    found = maps().route("p-7", "t-1-001")  # case ignored
    assert found.legs[0].points[:2] == ((30, 10), (30, 20))
    assert found.metres == pytest.approx(10 + 5 + 2)


def test_a_level_change_goes_through_the_lift_and_says_so_in_both_languages() -> None:
    found = maps().route("gate", "T-2-001")
    assert found.levels == ["1", "2"]
    first, second = found.legs
    assert first.points == ((0, 20), (10, 20), (30, 20), (40, 20))
    assert second.points == ((40, 20), (40, 35), (43, 35))
    assert found.metres == pytest.approx(40 + 15 + 3)  # walking only; the ride is not walked
    assert [s.en for s in found.steps] == [
        "On Level 1, walk about 40 m to the lift",
        "Take the lift to Level 2",
        "On Level 2, walk about 18 m to space T-2-001",
    ]
    assert [s.zh_cn for s in found.steps] == ["在一层步行约40米，到电梯", "乘电梯到二层", "在二层步行约18米，到车位 T-2-001"]


def test_starting_at_the_lift_rides_it_first() -> None:
    found = maps().route("lift", "T-2-001")
    assert found.levels == ["2"] and found.steps[0].text("en") == "Take the lift to Level 2"


def test_an_unknown_space_or_start_is_named() -> None:
    with pytest.raises(RouteError, match="no space 'T-9-001' on any lot's map"):
        maps().route("gate", "T-9-001")
    with pytest.raises(RouteError, match="unknown start 'roof' in lot t"):
        maps().route("roof", "T-1-001")
    with pytest.raises(RouteError, match="no space 'X' on the map of lot t"):
        route(lot_graph(ParkingConfig.model_validate({"lots": [TEST_LOT]}).lots[0]), "gate", "X")


def test_a_start_in_another_lot_is_named_with_its_lot() -> None:
    other = copy.deepcopy(TEST_LOT)
    other["id"] = "u"
    other["entrances"][0]["id"] = "u-gate"
    for level in other["levels"]:
        level.pop("codes", None)
        for space in level.get("spaces", []):
            space["id"] = "U-2-001"
    both = ParkingMaps(ParkingConfig.model_validate({"lots": [TEST_LOT, other]}))
    with pytest.raises(RouteError, match="'u-gate' is in lot u, but space T-1-001 is in lot t"):
        both.route("u-gate", "T-1-001")


def test_the_demo_maps_hold_every_space_the_simulator_stores() -> None:
    demo = ParkingMaps(load_config(ROOT / "config" / "demo.yaml").parking)
    on_maps = {space for graph in demo.graphs.values() for space in graph.spaces}
    assert on_maps == {str(s["id"]) for lot in LOTS for s in lot_spaces(lot)}
    found = demo.route("a-ramp", "A-B2-087")
    assert found.levels == ["B1", "B2"] and "Lift" in found.steps[1].en


def _broken(change: Any) -> dict[str, Any]:
    lot = copy.deepcopy(TEST_LOT)
    change(lot)
    return lot


@pytest.mark.parametrize(
    ("lot", "expected"),
    [
        (_broken(lambda lot: lot["levels"][0]["aisles"].append(["j", "nowhere"])),
         "parking.lots[0].levels[0]: aisles[7]: unknown node 'nowhere'"),
        (_broken(lambda lot: lot["levels"][1]["spaces"][0].update(node="q")),
         "parking.lots[0].levels[1]: spaces[0] (T-2-001): on no node: unknown node 'q'"),
        (_broken(lambda lot: lot["levels"][1]["aisles"].clear()),
         "parking.lots[0]: level 2: node 'y' cannot be reached from level 1 node 'g': no aisle or lift joins them"),
        (_broken(lambda lot: lot["lifts"].clear()),
         "parking.lots[0]: level 2: node 's2' cannot be reached from level 1 node 'g'"),
        (_broken(lambda lot: lot["levels"][1]["spaces"].append({"id": "t-1-001", "node": "y", "at": [1, 1]})),
         "parking.lots[0]: levels[1] (2).spaces[1]: duplicate space id 'T-1-001'"),
        (_broken(lambda lot: lot["levels"][0]["codes"].update(GATE="j")),
         "parking.lots[0]: entrances[0]: 'gate' is already an entrance, a lift or a code of this lot"),
        (_broken(lambda lot: lot["levels"][1].update(id="1")),
         "parking.lots[0]: levels: duplicate level id in ['1', '1']"),
        (_broken(lambda lot: lot["levels"][0]["rows"][0].update(aisle=["j", "p"])),
         "parking.lots[0].levels[0]: rows[0].aisle: [j, p] is not one of the aisles"),
        (_broken(lambda lot: lot["lifts"][0]["stops"].update({"3": "s2"})),
         "parking.lots[0]: lifts[0] (lift).stops.3: unknown level '3' (levels: 1, 2)"),
        (_broken(lambda lot: lot["levels"][0]["nodes"].update(far=[99, 1])),
         "parking.lots[0].levels[0]: nodes.far: [99, 1] lies outside the drawing (60 x 40 m)"),
    ],
)
def test_a_map_that_does_not_hold_together_is_refused_naming_file_and_key(
    tmp_path: Path, lot: dict[str, Any], expected: str
) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"site": {"name": "Test"}, "parking": {"lots": [lot]}}, allow_unicode=True),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(site, env={})
    assert str(refused.value).startswith(f"{site}: {expected}")


def test_duplicate_lot_maps_are_refused(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"site": {"name": "Test"}, "parking": {"lots": [TEST_LOT, TEST_LOT]}}),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="parking: duplicate lot id 't'"):
        load_config(site, env={})
