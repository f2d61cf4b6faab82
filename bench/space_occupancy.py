"""Benchmark: parking-space occupancy per frame with 200 spaces on one camera, beside the detector's own time.

    python -m bench.space_occupancy [--clip FILE] [--spaces N] [--repeat N] [--model PATH]

Each frame of the clip goes through the detector (YOLO + ByteTrack, persons and vehicles, as a
camera watching spaces runs it), then its detections through ``ParkingSpaces`` with N spaces
laid over the frame as a grid of small quadrilaterals (200 by default: a large outdoor lot on one
camera). Both times are summed apart; the occupancy step is run ``--repeat`` times per frame so its
small time is measured well. It prints both per frame and the share the spaces add.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "False")

from detectors.model import PersonDetector
from detectors.sources import FrameSource
from detectors.spaces import VEHICLES, ParkingSpaces
from ops_center.config import ModelConfig, SpaceConfig

SHARED = Path(os.environ.get("OPS_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
CLIP = "parking_lot_cctv_day_576x320_4s.mp4"


def grid_of_spaces(count: int) -> list[SpaceConfig]:
    """``count`` slanted quadrilaterals tiling the frame in rows, like marked bays seen at an angle."""
    columns = math.ceil(math.sqrt(count * 2))
    rows = math.ceil(count / columns)
    w, h = 1.0 / columns, 1.0 / rows
    spaces = []
    for i in range(count):
        r, c = divmod(i, columns)
        x, y = c * w, r * h
        skew = 0.2 * w
        spaces.append(SpaceConfig(
            id=f"S-{i + 1:03d}",
            polygon=((x + skew, y), (x + w, y), (x + w - skew, y + h), (x, y + h)),
        ))
    return spaces


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", default=CLIP, help=f"a file in {SHARED / 'media'} (default: %(default)s)")
    parser.add_argument("--spaces", type=int, default=200, help="spaces on the camera (default 200)")
    parser.add_argument("--repeat", type=int, default=20, help="occupancy steps per frame (default 20)")
    parser.add_argument("--model", default=os.environ.get("OPS_MODEL") or str(SHARED / "models" / "yolov8n_int8.onnx"))
    args = parser.parse_args()
    detector = PersonDetector(ModelConfig(path=args.model, confidence=0.15), classes=[0, *sorted(VEHICLES)])
    spaces = grid_of_spaces(args.spaces)
    watchers = [ParkingSpaces(spaces) for _ in range(args.repeat)]  # each keeps its own state, as one camera would
    source = FrameSource(str(SHARED / "media" / args.clip))
    frames = vehicles = changes = 0
    detect_s = spaces_s = 0.0
    while (frame := source.read()) is not None:
        started = time.perf_counter()
        detections = detector.track(frame.image)
        detect_s += time.perf_counter() - started
        started = time.perf_counter()
        for watcher in watchers:
            changes += len(watcher.update(detections, frame.t_s))
        spaces_s += (time.perf_counter() - started) / args.repeat
        frames += 1
        vehicles += sum(d.class_id in VEHICLES for d in detections)
    print(f"\n{args.clip}: {frames} frames, {vehicles / frames:.1f} vehicles per frame, {args.spaces} spaces, "
          f"{changes // args.repeat} space changes")
    print(f"{'step':34} {'ms per frame':>12}")
    print(f"{'detector (YOLO + ByteTrack)':34} {1000 * detect_s / frames:12.2f}")
    print(f"{'occupancy of ' + str(args.spaces) + ' spaces':34} {1000 * spaces_s / frames:12.3f}")
    print(f"the spaces add {100 * spaces_s / detect_s:.2f} % to the detector's time")


if __name__ == "__main__":
    main()
