"""Parking-space occupancy from hand-made detections, and spaces drawn with Ultralytics' tool read back."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from detectors.detection import PERSON, Detection
from detectors.spaces import ParkingSpaces
from ops_center.config import SpaceConfig, load_config
from ops_center.errors import ConfigError
from ops_center.parking_points import read_parking_points, spaces_in_frame

CAR, TRUCK, BICYCLE = 2, 7, 1
# two spaces side by side in the lower half of the frame
LEFT = SpaceConfig(id="A-B1-001", polygon=((0.1, 0.5), (0.3, 0.5), (0.3, 0.9), (0.1, 0.9)))
RIGHT = SpaceConfig(id="A-B1-002", polygon=((0.3, 0.5), (0.5, 0.5), (0.5, 0.9), (0.3, 0.9)))


def vehicle(x: float, y: float, class_id: int = CAR) -> Detection:
    """A box centred on (x, y)."""
    return Detection(box=(x - 0.08, y - 0.1, x + 0.08, y + 0.1), confidence=0.8, track_id=None, class_id=class_id)


def run(spaces: ParkingSpaces, frames: list[list[Detection]]) -> list[tuple[str, bool, int]]:
    """(space, occupied, frame) for each change, at one frame per second."""
    return [(c.space, c.occupied, i) for i, dets in enumerate(frames) for c in spaces.update(dets, float(i))]


def test_a_car_parking_takes_its_space_after_min_frames_and_leaving_frees_it() -> None:
    frames = [[]] * 2 + [[vehicle(0.2, 0.7)]] * 10 + [[]] * 5
    assert run(ParkingSpaces([LEFT, RIGHT]), frames) == [("A-B1-001", True, 4), ("A-B1-001", False, 14)]


def test_every_space_starts_free_and_trucks_buses_and_motorcycles_count_too() -> None:
    spaces = ParkingSpaces([LEFT, RIGHT])
    assert spaces.occupied() == {"A-B1-001": False, "A-B1-002": False}
    assert run(spaces, [[vehicle(0.2, 0.7, TRUCK), vehicle(0.4, 0.7, 3)]] * 3) == [
        ("A-B1-001", True, 2), ("A-B1-002", True, 2)]


def test_flicker_shorter_than_min_frames_changes_nothing() -> None:
    frames = ([[vehicle(0.2, 0.7)]] * 2 + [[]]) * 6  # a false detection that comes and goes
    assert run(ParkingSpaces([LEFT]), frames) == []


def test_a_person_or_a_bicycle_is_not_a_car() -> None:
    person = Detection(box=(0.15, 0.4, 0.25, 0.8), confidence=0.9, track_id=3, class_id=PERSON)
    frames = [[person, vehicle(0.2, 0.7, BICYCLE)]] * 10
    assert run(ParkingSpaces([LEFT]), frames) == []


def test_a_parked_car_missed_for_a_frame_or_two_stays_parked() -> None:
    # the infrared night: the detector loses the car now and then, never for min_frames in a row
    car = [vehicle(0.2, 0.7)]
    frames = [car] * 3 + [[], car, [], [], car, car, [], [], car, [], car] * 3
    assert run(ParkingSpaces([LEFT]), frames) == [("A-B1-001", True, 2)]


def test_a_car_driving_past_takes_no_space_and_a_box_centre_decides() -> None:
    # driving across both spaces, one frame each; then a car whose box overlaps the left space but centres right
    frames = [[vehicle(x, 0.7)] for x in (0.05, 0.2, 0.35, 0.45, 0.6)] + [[vehicle(0.32, 0.7)]] * 3
    assert run(ParkingSpaces([LEFT, RIGHT]), frames) == [("A-B1-002", True, 7)]


def test_spaces_drawn_with_ultralytics_tool_are_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is written by ParkingPtsSelection's own save code (its window left out)."""
    from ultralytics.solutions.parking_management import ParkingPtsSelection

    drawn = [[(29, 80), (58, 80), (58, 144), (29, 144)], [(58, 80), (87, 80), (87, 144), (58, 144)]]
    canvas = SimpleNamespace(winfo_width=lambda: 288, winfo_height=lambda: 160)  # the picture shown at half size
    tool = SimpleNamespace(imgw=576, imgh=320, canvas=canvas, rg_data=drawn,
                           messagebox=SimpleNamespace(showinfo=lambda *a: None))
    monkeypatch.chdir(tmp_path)
    ParkingPtsSelection.save_to_json(tool)  # type: ignore[arg-type]
    spaces = spaces_in_frame(read_parking_points(tmp_path / "bounding_boxes.json"), (576, 320))
    assert [s.id for s in spaces] == ["1", "2"]  # no ids in the file: their 1-based positions
    assert spaces[0].polygon == ((58 / 576, 0.5), (116 / 576, 0.5), (116 / 576, 0.9), (58 / 576, 0.9))
    assert spaces[1].polygon[1] == (174 / 576, 0.5)


def test_ids_are_kept_and_bad_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "spaces.json"
    path.write_text(json.dumps([{"id": "A-B1-001", "points": [[0, 0], [10, 0], [10, 10], [0, 10]]}]))
    (space,) = spaces_in_frame(read_parking_points(path), (20, 10))
    assert (space.id, space.polygon) == ("A-B1-001", ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)))
    with pytest.raises(ValueError, match=r"space A-B1-001: point \(10,0\) is outside the 8x8 frame"):
        spaces_in_frame(read_parking_points(path), (8, 8))
    cases = {
        "{": "not valid JSON",
        "{}": "expected a list of spaces",
        '[{"points": [[0, 0], [1, 0], [1, 1]]}]': "space 1: 'points' needs 4 [x, y] pairs",
        '[{"points": [[0, 0], [1, 0], [1, 1], ["a", 1]]}]': "space 1: point ['a', 1] is not a pair of numbers",
        '[{"points": [[0, 0], [1, 0], [1, 1], [0, 1]], "name": "x"}]': "space 1: unknown key 'name'",
        '[{"id": 7, "points": [[0,0],[1,0],[1,1],[0,1]]}, {"id": "7", "points": [[0,0],[1,0],[1,1],[0,1]]}]':
            "duplicate space id '7'",
    }
    for text, expected in cases.items():
        path.write_text(text)
        with pytest.raises(ValueError) as err:
            read_parking_points(path)
        assert str(err.value).startswith(str(path)) and expected in str(err.value), text


def test_a_camera_takes_its_spaces_from_a_file_beside_the_site_file(tmp_path: Path) -> None:
    (tmp_path / "lot.json").write_text(json.dumps([{"points": [[0, 0], [10, 0], [10, 10], [0, 10]]}]))
    site = tmp_path / "site.yaml"
    site.write_text("site: {name: T}\ncameras:\n  - {id: lot, name: Lot, source: x.mp4, spaces_file: lot.json}\n")
    assert load_config(site).cameras[0].spaces_file == tmp_path / "lot.json"
    (tmp_path / "lot.json").write_text("[]")
    with pytest.raises(ConfigError, match=r"site.yaml: cameras\[0\]\.spaces_file: .*lot.json: expected a list"):
        load_config(site)
