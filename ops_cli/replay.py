"""``ops-center replay``: run a video file through the detector and zones, as fast as it goes.

Stores the zone events and alarms (with annotated snapshots) like a live camera would. Replaying
the same file with the same zones again stores nothing twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from detectors.model import PersonDetector
from detectors.pipeline import Pipeline
from detectors.publisher import Publisher
from detectors.replay import replay, replay_camera, replay_run_key
from detectors.sources import FrameSource
from ops_center.config import ZoneConfig
from ops_center.errors import InputError
from ops_center.geometry import parse_polygon
from ops_center.records import AlarmRecord
from ops_center.store.db import open_store
from ops_cli.alarms import alarm_json
from ops_cli.options import add_config_options, identifier, site_config, whole_number

STORE_WAIT_S = 120.0  # after the last frame, how long the store may take to receive what is still queued

MAX_MIN_FRAMES = 1000
DESCRIPTION = (
    "Run a video file through the detector and zones as fast as it goes, and store the zone events and alarms "
    "(with annotated snapshots) as a live camera would. Replaying the same file with the same zones again "
    "stores nothing twice."
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``replay`` subcommand."""
    p = sub.add_parser("replay", help="process a video file and store its zone alarms", description=DESCRIPTION)
    p.add_argument("video", type=Path, metavar="VIDEO", help="a video file OpenCV can read")
    p.add_argument("--zone", action="append", required=True, metavar='"x,y x,y x,y ..."',
                   help="a danger zone: at least 3 points, fractions 0..1 of the frame (repeat for more zones)")
    p.add_argument("--zone-name", action="append", default=[], metavar="NAME",
                   help="the name of each --zone, in the same order (default zone1, zone2, ...)")
    p.add_argument("--model", metavar="PATH",
                   help="YOLO weights (overrides the site's model.path and $OPS_MODEL; default yolov8n.pt)")
    p.add_argument("--min-frames", type=whole_number(1, MAX_MIN_FRAMES), default=3, metavar="N",
                   help=f"consecutive in-zone frames before an entry counts, 1 to {MAX_MIN_FRAMES} (default 3)")
    p.add_argument("--camera", type=identifier, metavar="ID",
                   help="camera id to store under (default: replay-<file name>)")
    add_config_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object per alarm on stdout")
    p.set_defaults(run=run)


def zones_from_args(polygons: list[str], names: list[str], min_frames: int) -> list[ZoneConfig]:
    """Validated zones from the ``--zone`` / ``--zone-name`` / ``--min-frames`` arguments."""
    if len(names) > len(polygons):
        raise InputError(f"--zone-name given {len(names)} times but --zone only {len(polygons)} times")
    zones = []
    for i, text in enumerate(polygons):
        try:
            polygon = parse_polygon(text)
        except ValueError as exc:
            raise InputError(f"--zone {text!r}: {exc}") from None
        name = names[i] if i < len(names) else f"zone{i + 1}"
        try:
            zones.append(ZoneConfig(name=name, polygon=polygon, min_frames=min_frames))
        except ValidationError:
            raise InputError(f"--zone-name {name!r}: use lower-case letters, digits, '-' and '_'") from None
    return zones


def run(args: argparse.Namespace) -> int:
    """Replay the video; exit 0 when every record reached the store."""
    config = site_config(args)
    zones = zones_from_args(args.zone, args.zone_name, args.min_frames)
    source = FrameSource(str(args.video))
    camera = replay_camera(args.video, zones, args.camera)
    detector = PersonDetector(config.model)
    root = config.data_dir
    url = config.store_url
    open_store(url).dispose()  # an unreachable store is an error before any work, not records left behind
    publisher = Publisher(url, root / "outbox" / f"{camera.id}.sqlite")
    publisher.sync_cameras([camera])
    pipeline = Pipeline(camera, detector, replay_run_key(args.video, zones), root / "snapshots",
                        tz=ZoneInfo(config.site.timezone))

    def show(alarm: AlarmRecord) -> None:
        if args.json:
            print(json.dumps(alarm_json(alarm), ensure_ascii=False), flush=True)
        else:
            print(f"alarm {alarm.id}: frame {alarm.frame_index} (t={alarm.t_s:.2f} s), zone {alarm.zone_name}, "
                  f"track #{alarm.track_id}, snapshot {alarm.snapshot_path}", flush=True)

    try:
        stats = replay(source, pipeline, publisher, on_alarm=show)
    finally:
        source.close()
        waiting = publisher.close(timeout_s=STORE_WAIT_S)
    print(f"{args.video}: {stats.frames} frames in {stats.seconds:.1f} s ({stats.fps:.1f} fps), "
          f"{stats.events} zone events, {stats.alarms} alarms -> {camera.id}", file=sys.stderr)
    if waiting:
        print(f"error: the store became unreachable; {waiting} records wait in {publisher.outbox.path} "
              "and are sent by the next replay of this camera", file=sys.stderr)
        return 1
    return 0
