"""``ops-center replay``'s shape options (--zone, --line, --no-parking and their per-shape options) read
into configs by one helper: default names and sides, and each refusal named by the option that gave it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ops_center.config import NoParkingConfig, ZoneConfig
from ops_center.errors import InputError
from ops_cli.replay import lines_from_args, polygons_from_args

AREA = "0.1,0.1 0.5,0.1 0.5,0.5"
ACROSS = "0,0.5 1,0.5"  # horizontal
DOWN = "0.5,0 0.5,1"  # vertical


def test_shapes_get_default_names_and_sides_in_order() -> None:
    zones = polygons_from_args("--zone", ZoneConfig, [AREA, AREA], ["shore"], min_frames=4)
    assert [(z.name, z.min_frames) for z in zones] == [("shore", 4), ("zone2", 4)]
    areas = polygons_from_args("--no-parking", NoParkingConfig, [AREA], [], max_stand_s=60.0, min_frames=2)
    assert [(a.name, a.max_stand_s) for a in areas] == [("no-parking1", 60.0)]
    lines = lines_from_args([ACROSS, DOWN, ACROSS], ["door"], ["above"], min_frames=3)
    assert [(line.name, line.in_side) for line in lines] == [("door", "above"), ("line2", "right"), ("line3", "below")]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: polygons_from_args("--zone", ZoneConfig, [AREA], ["a", "b"]),
     "--zone-name given 2 times but --zone only 1 times"),
    (lambda: polygons_from_args("--zone", ZoneConfig, ["0.1,0.1 0.5,0.1"], []),
     "--zone '0.1,0.1 0.5,0.1': a polygon needs at least 3 points, got 2"),
    (lambda: polygons_from_args("--no-parking", NoParkingConfig, [AREA], ["Fire Lane"], max_stand_s=60.0),
     "--no-parking-name 'Fire Lane': use lower-case letters, digits, '-' and '_'"),
    (lambda: lines_from_args([ACROSS], [], ["below", "above"], 3),
     "--line-in given 2 times but --line only 1 times"),
    (lambda: lines_from_args(["0.5,0.5"], [], [], 3), "--line '0.5,0.5': a line needs exactly 2 points, got 1"),
    (lambda: lines_from_args([ACROSS], [], ["left"], 3),
     "--line-in left: 'left' does not fit a horizontal line; use 'above' or 'below'"),
    (lambda: lines_from_args([DOWN], ["Door 1"], ["above"], 3),  # both wrong: the name is named first
     "--line-name 'Door 1': use lower-case letters, digits, '-' and '_'"),
], ids=["names", "polygon", "area name", "sides", "segment", "side", "line name"])
def test_a_refused_shape_option_is_named(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InputError) as refused:
        call()
    assert str(refused.value) == message
