"""``ops-center replay``: run a video file through the detector, zones, counting lines, parking spaces and
no-parking areas, as fast as it goes.

Stores the zone events and alarms (with annotated snapshots) like a live camera would, and prints
each alarm, line crossing and space change, then the crossings per line and direction. Replaying the
same file with the same geometry again stores nothing twice. On a terminal a progress bar on
stderr shows frames, frames per second and time left.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from detectors.model import PersonDetector
from detectors.pipeline import Pipeline, detector_classes
from detectors.publisher import Publisher
from detectors.replay import replay, replay_camera, replay_run_key
from detectors.sources import FrameSource
from ops_center.config import LineConfig, ModelConfig, NoParkingConfig, SpaceConfig, ZoneConfig
from ops_center.errors import InputError
from ops_center.geometry import Segment, parse_polygon, parse_segment
from ops_center.parking_points import read_parking_points, spaces_in_frame
from ops_center.records import AlarmRecord, CrossingRecord, SpaceRecord
from ops_center.store.db import open_store
from ops_cli.alarms import alarm_json
from ops_cli.options import add_config_options, identifier, site_config, whole_number
from ops_cli.progress import Progress
from ops_cli.startup import starting_up

STORE_WAIT_S = 120.0  # after the last frame, how long the store may take to receive what is still queued

MAX_MIN_FRAMES = 1000
DESCRIPTION = (
    "Run a video file through the detector, danger zones, counting lines, parking spaces and no-parking areas as "
    "fast as it goes, and store the zone events and alarms (with annotated snapshots) as a live camera would; print "
    "each alarm, line crossing and space change, then the crossings per line and direction. Replaying the same file "
    "with the same geometry again stores nothing twice."
)
SIDES = ("above", "below", "left", "right")
M = TypeVar("M", ZoneConfig, NoParkingConfig)
S = TypeVar("S", ZoneConfig, NoParkingConfig, LineConfig)
P = TypeVar("P")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``replay`` subcommand."""
    p = sub.add_parser("replay", help="process a video file: zone alarms and line crossings",
                       description=DESCRIPTION)
    p.add_argument("video", type=Path, metavar="VIDEO", help="a video file OpenCV can read")
    p.add_argument("--zone", action="append", default=[], metavar='"x,y x,y x,y ..."',
                   help="a danger zone: at least 3 points, fractions 0..1 of the frame (repeat for more zones)")
    p.add_argument("--zone-name", action="append", default=[], metavar="NAME",
                   help="the name of each --zone, in the same order (default zone1, zone2, ...)")
    p.add_argument("--line", action="append", default=[], metavar='"x1,y1 x2,y2"',
                   help="a counting line: 2 points, fractions 0..1 of the frame (repeat for more lines)")
    p.add_argument("--line-name", action="append", default=[], metavar="NAME",
                   help="the name of each --line, in the same order (default line1, line2, ...)")
    p.add_argument("--line-in", action="append", default=[], choices=SIDES, metavar="SIDE",
                   help="the 'in' side of each --line, in the same order: above, below, left or right "
                        "(default: below, or right for a vertical line)")
    p.add_argument("--spaces", type=Path, metavar="FILE.json",
                   help="parking spaces in the JSON format of Ultralytics' ParkingPtsSelection: a list of "
                        '{"points": [[x, y] x 4]} in the video\'s pixels, each with an optional "id"')
    p.add_argument("--no-parking", action="append", default=[], metavar='"x,y x,y x,y ..."',
                   help="a no-parking area (a fire lane, an entrance): at least 3 points, fractions 0..1 of the "
                        "frame; a vehicle standing in it longer than --max-stand-s raises an alarm (repeat for more)")
    p.add_argument("--no-parking-name", action="append", default=[], metavar="NAME",
                   help="the name of each --no-parking area, in the same order (default no-parking1, no-parking2, ...)")
    p.add_argument("--max-stand-s", type=float, default=300.0, metavar="SECONDS",
                   help="how long a vehicle may stand in a --no-parking area before the alarm (default 300)")
    p.add_argument("--model", metavar="PATH",
                   help="YOLO weights (overrides the site's model.path and $OPS_MODEL; default yolov8n.pt)")
    p.add_argument("--min-frames", type=whole_number(1, MAX_MIN_FRAMES), default=3, metavar="N",
                   help=f"consecutive in-zone frames before an entry counts, frames on the far side of a line "
                        f"before a crossing counts, frames with (without) a vehicle before a space is taken (free) "
                        f"or a stay in a no-parking area begins (ends), "
                        f"1 to {MAX_MIN_FRAMES} (default 3)")
    p.add_argument("--confidence", type=float, metavar="C",
                   help="the detector's confidence threshold, between 0 and 1 (overrides the site's model.confidence)")
    p.add_argument("--camera", type=identifier, metavar="ID",
                   help="camera id to store under (default: replay-<file name>)")
    add_config_options(p)
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per alarm, crossing and space change on stdout, then one with the "
                        "line totals")
    p.set_defaults(run=run)


def shapes_from_args(option: str, texts: list[str], parse: Callable[[str], P], build: Callable[[int, str, P], S],
                     per_shape: Mapping[str, tuple[str, list[str]]]) -> list[S]:
    """Validated shapes of one kind from the command line: ``option`` (``--zone``, ``--line``...) once
    per shape, read by ``parse``; ``build(i, name, points)`` makes shape ``i``'s config. ``per_shape``
    maps a config field to the option that gives it per shape and its values (``"name"`` to
    ``option-name``, default: the option's word and a number), each given at most as often as
    ``option``, in the same order. A value the config refuses is named by its option."""
    for flag, values in per_shape.values():
        if len(values) > len(texts):
            raise InputError(f"{flag} given {len(values)} times but {option} only {len(texts)} times")
    names = per_shape["name"][1]
    shapes = []
    for i, text in enumerate(texts):
        try:
            points = parse(text)
        except ValueError as exc:
            raise InputError(f"{option} {text!r}: {exc}") from None
        name = names[i] if i < len(names) else f"{option.removeprefix('--')}{i + 1}"
        try:
            shapes.append(build(i, name, points))
        except ValidationError as exc:
            errors = exc.errors()
            error = next((e for e in errors if e["loc"] == ("name",)), errors[0])
            field = str(error["loc"][0]) if error["loc"] else ""
            if field == "name":
                raise InputError(f"{option}-name {name!r}: use lower-case letters, digits, '-' and '_'") from None
            given = f"{per_shape[field][0]} {error['input']}" if field in per_shape else f"{option} {text!r}"
            raise InputError(f"{given}: {error['msg'].removeprefix('Value error, ')}") from None
    return shapes


def polygons_from_args(option: str, model: type[M], polygons: list[str], names: list[str], **rules: Any) -> list[M]:
    """Validated named polygons of one kind from ``option`` (``--zone``, ``--no-parking``) and ``option-name``,
    each with the same ``rules`` (``min_frames``...)."""
    return shapes_from_args(option, polygons, parse_polygon,
                            lambda _i, name, polygon: model(name=name, polygon=polygon, **rules),
                            {"name": (f"{option}-name", names)})


def lines_from_args(segments: list[str], names: list[str], sides: list[str], min_frames: int) -> list[LineConfig]:
    """Validated counting lines from the ``--line`` / ``--line-name`` / ``--line-in`` / ``--min-frames`` arguments
    (the in side by default below, or right of a vertical line)."""

    def line(i: int, name: str, points: Segment) -> LineConfig:
        vertical = points[0][0] == points[1][0]
        side = sides[i] if i < len(sides) else ("right" if vertical else "below")
        return LineConfig(name=name, points=points, in_side=side, min_frames=min_frames)

    return shapes_from_args("--line", segments, parse_segment, line,
                            {"name": ("--line-name", names), "in_side": ("--line-in", sides)})


def max_stand(seconds: float) -> float:
    """``--max-stand-s``, checked."""
    if not (math.isfinite(seconds) and seconds > 0):
        raise InputError(f"--max-stand-s {seconds:g}: must be a number of seconds above 0")
    return seconds


def model_settings(model: ModelConfig, confidence: float | None) -> ModelConfig:
    """The site's model settings with ``--confidence`` applied."""
    if confidence is None:
        return model
    if not 0 < confidence < 1:
        raise InputError(f"--confidence {confidence:g}: must be between 0 and 1")
    return model.model_copy(update={"confidence": confidence})


def spaces_from_file(path: Path | None, size: tuple[int, int], min_frames: int) -> list[SpaceConfig]:
    """The ``--spaces`` file's spaces in fractions of the video's frame."""
    if path is None:
        return []
    try:
        drawn = read_parking_points(path)
    except ValueError as exc:  # names the file itself
        raise InputError(f"--spaces {exc}") from None
    try:
        return spaces_in_frame(drawn, size, min_frames)
    except ValueError as exc:
        raise InputError(f"--spaces {path}: {exc}") from None


def space_json(change: SpaceRecord) -> dict[str, object]:
    """A space change as ``replay --json`` prints it."""
    return {"space": change.space_id, "occupied": change.occupied, "frame": change.frame_index, "t_s": change.t_s}


def crossing_json(crossing: CrossingRecord) -> dict[str, object]:
    """A crossing as ``replay --json`` prints it."""
    return {"line": crossing.line_name, "direction": crossing.direction, "track_id": crossing.track_id,
            "frame": crossing.frame_index, "t_s": crossing.t_s}


def run(args: argparse.Namespace) -> int:
    """Replay the video; exit 0 when every record reached the store."""
    config = site_config(args)
    zones = polygons_from_args("--zone", ZoneConfig, args.zone, args.zone_name, min_frames=args.min_frames)
    lines = lines_from_args(args.line, args.line_name, args.line_in, args.min_frames)
    no_parking = polygons_from_args("--no-parking", NoParkingConfig, args.no_parking, args.no_parking_name,
                                    max_stand_s=max_stand(args.max_stand_s), min_frames=args.min_frames)
    model = model_settings(config.model, args.confidence)
    if not zones and not lines and not no_parking and args.spaces is None:
        raise InputError("nothing to look for: give at least one --zone, --line, --spaces or --no-parking")
    source = FrameSource(str(args.video))
    try:
        spaces = spaces_from_file(args.spaces, source.size, args.min_frames)
    except InputError:
        source.close()
        raise
    try:
        camera = replay_camera(args.video, zones, args.camera, lines=lines, spaces=spaces, no_parking=no_parking)
    except ValidationError as exc:  # the one rule across options: a zone and an area may not share a name
        source.close()
        raise InputError(f"--zone-name, --no-parking-name: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    with starting_up():
        detector = PersonDetector(model, classes=detector_classes(camera))
    root = config.data_dir
    url = config.store_url
    open_store(url).dispose()  # an unreachable store is an error before any work, not records left behind
    publisher = Publisher(url, root / "outbox" / f"{camera.id}.sqlite")
    publisher.sync_cameras([camera])
    pipeline = Pipeline(camera, detector, replay_run_key(args.video, camera), root / "snapshots",
                        tz=ZoneInfo(config.site.timezone))
    totals = {line.name: {"in": 0, "out": 0} for line in lines}
    quiet = not sys.stderr.isatty() or (args.json and not sys.stdout.isatty())
    progress = None if quiet else Progress(source.frame_count, sys.stderr)

    def say(text: str) -> None:
        if progress is not None:
            progress.close()
        print(text, flush=True)

    def show_alarm(alarm: AlarmRecord) -> None:
        if args.json:
            say(json.dumps(alarm_json(alarm), ensure_ascii=False))
        else:
            say(f"alarm {alarm.id}: frame {alarm.frame_index} (t={alarm.t_s:.2f} s), zone {alarm.zone_name}, "
                f"track #{alarm.track_id}, snapshot {alarm.snapshot_path}")

    def show_crossing(crossing: CrossingRecord) -> None:
        totals[crossing.line_name][crossing.direction] += 1
        if args.json:
            say(json.dumps(crossing_json(crossing)))
        else:
            say(f"{crossing.direction:3} line {crossing.line_name}: frame {crossing.frame_index} "
                f"(t={crossing.t_s:.2f} s), track #{crossing.track_id}")

    def show_space(change: SpaceRecord) -> None:
        if args.json:
            say(json.dumps(space_json(change)))
        else:
            say(f"space {change.space_id} {'taken' if change.occupied else 'free'}: frame {change.frame_index} "
                f"(t={change.t_s:.2f} s)")

    try:
        stats = replay(source, pipeline, publisher, on_alarm=show_alarm, on_crossing=show_crossing,
                       on_space=show_space, on_frame=None if progress is None else lambda _frame: progress.step())
    finally:
        if progress is not None:
            progress.close()
        source.close()
        waiting = publisher.close(timeout_s=STORE_WAIT_S)
    if lines:
        if args.json:
            print(json.dumps({"totals": totals}), flush=True)
        else:
            for name, counts in totals.items():
                print(f"line {name}: {counts['in']} in, {counts['out']} out", flush=True)
    print(f"{args.video}: {stats.frames} frames in {stats.seconds:.1f} s ({stats.fps:.1f} fps), "
          f"{stats.events} zone events, {stats.alarms} alarms, {stats.crossings} line crossings, "
          f"{stats.space_changes} space changes -> {camera.id}",
          file=sys.stderr)
    if waiting:
        print(f"error: the store became unreachable; {waiting} records wait in {publisher.outbox.path} "
              "and are sent by the next replay of this camera", file=sys.stderr)
        return 1
    return 0
