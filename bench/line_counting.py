"""Benchmark: our counting line next to Ultralytics' ``ObjectCounter`` and supervision's ``LineZone``.

    python -m bench.line_counting [--clip FILE] [--line "x1,y1 x2,y2"] [--in-side SIDE] [--model PATH]

Same model, same frames, same run: the clip is decoded for each of
- ours: the per-frame pipeline that ``ops-center replay`` runs (YOLO + ByteTrack + ``CountingLine``,
  feet as the anchor, ``min_frames`` 3);
- Ultralytics: ``ultralytics.solutions.ObjectCounter`` with the line as its region (its own model
  instance and tracker; box centres as the anchor, each track counted once at most);
- supervision: the model's own ByteTrack tracks (``model.track``) through ``sv.LineZone`` with the
  bottom-centre as the anchor.
The sides take the clip one after the other, not frame by frame in turn: Ultralytics' trackers
share one track-id counter per process, which a tracker starting up resets, so interleaved they
would hand one another's ids out twice. Each side's time per frame is summed apart. The
printed table gives each one's in and out counts and frames per second; for the default clip and
line, the count by eye from ``tests/test_line_replay.py`` is printed beside them.

supervision is a peer to compare against, not a dependency of Ops Center: ``pip install supervision``
to run this benchmark.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "False")

import numpy as np

from detectors.detection import PERSON
from detectors.model import PersonDetector, load_yolo
from detectors.pipeline import Pipeline
from detectors.replay import replay_camera
from detectors.sources import Frame, FrameSource
from ops_center.config import LineConfig, ModelConfig
from ops_center.geometry import Segment, parse_segment, signed_distance
from ops_center.store.types import utcnow

SHARED = Path(os.environ.get("OPS_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
CLIP = "footfall_mall_entrance_640x360_15s.mp4"
LINE = "0.37,0.74 0.72,0.74"
IN_SIDE = "below"
BY_EYE = {"in": 6, "out": 4}  # tests/test_line_replay.py: the default clip and line, counted by looking at the frames

Step = Callable[[np.ndarray], None]


class Side:
    """One way of counting: a step per frame, its summed time, its counts so far."""

    def __init__(
        self, name: str, anchor: str, step: Step, counts: Callable[[], tuple[int, int]], warm_up: Step | None = None
    ) -> None:
        """``warm_up``: runs the model once on a picture (no tracking), so loading it is not timed."""
        self.name, self.anchor, self._step, self.counts = name, anchor, step, counts
        self.warm_up = warm_up or (lambda image: None)
        self.seconds = 0.0

    def step(self, image: np.ndarray) -> None:
        started = time.perf_counter()
        self._step(image)
        self.seconds += time.perf_counter() - started


def ours(clip: Path, line: LineConfig, config: ModelConfig, workdir: Path) -> Side:
    """The replay pipeline with one counting line (its detector warms up when it loads)."""
    camera = replay_camera(clip, [], lines=[line])
    pipeline = Pipeline(camera, PersonDetector(config), "bench", workdir)
    counts = {"in": 0, "out": 0}
    index = 0

    def step(image: np.ndarray) -> None:
        nonlocal index
        for crossing in pipeline.process(Frame(image, index, index / 30.0, utcnow())).crossings:
            counts[crossing.direction] += 1
        index += 1

    return Side("ours (CountingLine)", "feet", step, lambda: (counts["in"], counts["out"]))


def ultralytics_counter(line: LineConfig, config: ModelConfig, size: tuple[int, int]) -> Side:
    """``ObjectCounter`` with the line, in pixels, as its region."""
    from ultralytics.solutions import ObjectCounter

    w, h = size
    (x1, y1), (x2, y2) = line.points
    counter = ObjectCounter(
        model=config.path, region=[(x1 * w, y1 * h), (x2 * w, y2 * h)], classes=[PERSON], conf=config.confidence,
        imgsz=config.imgsz, tracker=config.tracker, show=False, verbose=False,
    )
    # ObjectCounter counts moving down (a horizontal line) or right (a vertical one) as "in"
    swapped = line.in_side in ("above", "left")

    def counts() -> tuple[int, int]:
        return (counter.out_count, counter.in_count) if swapped else (counter.in_count, counter.out_count)

    def step(image: np.ndarray) -> None:
        counter.process(image)

    def warm_up(image: np.ndarray) -> None:
        counter.model.predict(image, verbose=False)

    return Side("Ultralytics ObjectCounter", "box centre", step, counts, warm_up)


def supervision_line_zone(line: LineConfig, config: ModelConfig, size: tuple[int, int]) -> Side:
    """``sv.LineZone`` on the model's ByteTrack tracks."""
    import supervision as sv

    model = load_yolo(config.path)
    w, h = size
    start, end = _in_on_the_left(line.points, line.in_side)
    zone = sv.LineZone(
        start=sv.Point(start[0] * w, start[1] * h), end=sv.Point(end[0] * w, end[1] * h),
        triggering_anchors=[sv.Position.BOTTOM_CENTER],
    )

    def step(image: np.ndarray) -> None:
        result = model.track(image, persist=True, classes=[PERSON], conf=config.confidence, imgsz=config.imgsz,
                             tracker=config.tracker, verbose=False)[0]
        zone.trigger(sv.Detections.from_ultralytics(result))

    return Side("supervision LineZone", "feet", step, lambda: (zone.in_count, zone.out_count),
                lambda image: model.predict(image, verbose=False))


def _in_on_the_left(segment: Segment, in_side: str) -> Segment:
    """The segment's points in the order that puts its "in" side on the left, where ``LineZone`` counts "in"."""
    (x1, y1), (x2, y2) = segment
    dx, dy = {"above": (0, -1), "below": (0, 1), "left": (-1, 0), "right": (1, 0)}[in_side]
    left = signed_distance((x1 + x2) / 2 + dx, (y1 + y2) / 2 + dy, segment) > 0
    return segment if left else (segment[1], segment[0])


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", default=CLIP, help=f"a file in {SHARED / 'media'} (default: %(default)s)")
    parser.add_argument("--line", default=LINE, help='the counting line, "x1,y1 x2,y2" (default: %(default)s)')
    parser.add_argument("--in-side", default=IN_SIDE, choices=("above", "below", "left", "right"))
    parser.add_argument("--model", default=os.environ.get("OPS_MODEL") or str(SHARED / "models" / "yolov8n_int8.onnx"))
    args = parser.parse_args()
    clip = SHARED / "media" / args.clip
    line = LineConfig(name="line", points=parse_segment(args.line), in_side=args.in_side)
    config = ModelConfig(path=args.model)
    size = FrameSource(str(clip)).size
    makers = [
        lambda workdir: ours(clip, line, config, workdir),
        lambda workdir: ultralytics_counter(line, config, size),
        lambda workdir: supervision_line_zone(line, config, size),
    ]
    sides = []
    with tempfile.TemporaryDirectory(prefix="ops-bench-") as tmp:
        for make in makers:
            side = make(Path(tmp))
            side.warm_up(np.zeros((size[1], size[0], 3), np.uint8))  # trackers start on the clip's first frame
            source = FrameSource(str(clip))
            frames = 0
            while (frame := source.read()) is not None:
                side.step(frame.image.copy())  # ObjectCounter draws on the frame it is given
                frames += 1
            source.close()
            sides.append(side)
    print(f"\n{args.clip}, {frames} frames, line {args.line} (in: {args.in_side}), model {args.model}")
    if (args.clip, args.line, args.in_side) == (CLIP, LINE, IN_SIDE):
        print(f"{'by eye':28} {'feet':10} {BY_EYE['in']:>4} {BY_EYE['out']:>4}")
    print(f"{'method':28} {'anchor':10} {'in':>4} {'out':>4} {'frames/s':>9}")
    for side in sides:
        n_in, n_out = side.counts()
        print(f"{side.name:28} {side.anchor:10} {n_in:4d} {n_out:4d} {frames / side.seconds:9.2f}")


if __name__ == "__main__":
    main()
