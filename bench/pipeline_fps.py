"""Benchmark: the whole replay pipeline's frames per second next to a plain Ultralytics ``model.track`` loop.

    python -m bench.pipeline_fps [--clips FILE ...] [--repeat N] [--min-frames N] [--model PATH] [--profile]

Per clip, the replay path (decode + YOLO + ByteTrack + zones + events + alarms with snapshots +
store writes to a SQLite file, the very generator ``ops-center replay`` runs, motion gating off)
and a plain ``model.track`` (the same tracker, ByteTrack, and the same thresholds and inference
threads) on each frame that the replay decoded, interleaved frame by frame: the machine may be
shared, and this way both sides run under the same load. Each side's time is summed apart.
It prints both rates, their ratio (target: the pipeline keeps at least 0.95 of the plain loop's
rate) and, with ``--profile``, where the pipeline spends its time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "False")

from detectors.model import PersonDetector, host_cpus, load_yolo, set_threads
from detectors.pipeline import Pipeline
from detectors.publisher import Publisher
from detectors.replay import replay_camera, replay_frames
from detectors.sources import FrameSource
from ops_center.config import ModelConfig, MotionConfig, ZoneConfig
from ops_center.records import stable_id

SHARED = Path(os.environ.get("OPS_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
CLIPS = ["lake_proxy_beach_shore_360x180_4s.mp4", "fixture_towncentre_640x360_24f.mp4"]
# a zone over the lower half of the frame: people walk there in both clips, so events, alarms,
# snapshots and store writes are all part of the measured path (a short cooldown: several alarms)
ZONE = ZoneConfig(name="lower", polygon=((0, 0.5), (1, 0.5), (1, 1), (0, 1)), cooldown_s=0.5)
TARGET = 0.95


def measure(clip: Path, config: ModelConfig, plain_model: Any, workdir: Path) -> tuple[int, float, float, int, int]:
    """(frames, plain track seconds, pipeline seconds, events, alarms) for one pass over ``clip``."""
    camera = replay_camera(clip, [ZONE]).model_copy(update={"motion": MotionConfig(enabled=False)})
    detector = PersonDetector(config)  # loaded and warmed up outside the timed part, like the plain model
    pipeline = Pipeline(camera, detector, stable_id("bench", clip, time.time()), workdir / "snapshots")
    publisher = Publisher(f"sqlite:///{workdir / 'ops.db'}", workdir / "outbox" / f"{camera.id}.sqlite")
    publisher.sync_cameras([camera])
    steps = replay_frames(FrameSource(str(clip)), pipeline, publisher)
    frames = events = alarms = 0
    plain_s = pipe_s = 0.0
    while True:
        started = time.perf_counter()
        step = next(steps, None)
        pipe_s += time.perf_counter() - started
        if step is None:
            break
        frame, result = step
        started = time.perf_counter()
        plain_model.track(frame.image, persist=True, classes=[0], conf=config.confidence, imgsz=config.imgsz,
                          tracker=config.tracker, verbose=False)
        plain_s += time.perf_counter() - started
        frames += 1
        events += len(result.events)
        alarms += len(result.alarms)
    publisher.close()
    return frames, plain_s, pipe_s, events, alarms


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", nargs="+", default=CLIPS, help=f"files in {SHARED / 'media'} (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=2, help="passes over each clip (default 2)")
    parser.add_argument("--min-frames", type=int, default=100,
                        help="more passes over short clips until this many frames were measured (default 100)")
    parser.add_argument("--model", default=os.environ.get("OPS_MODEL") or str(SHARED / "models" / "yolov8n_int8.onnx"))
    parser.add_argument("--profile", action="store_true", help="print the pipeline's top functions by cumulative time")
    args = parser.parse_args()
    config = ModelConfig(path=args.model)
    plain_model = load_yolo(config.path)  # loaded, set up for tracking and warmed up once, then given our threads
    plain_model.track(np.zeros((64, 64, 3), np.uint8), persist=True, classes=[0], conf=config.confidence,
                      imgsz=config.imgsz, tracker=config.tracker, verbose=False)
    set_threads(plain_model, host_cpus())  # (a first track call builds a new predictor: tune it after that)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ops-bench-") as tmp:
        for name in args.clips:
            clip = SHARED / "media" / name
            totals = [0, 0.0, 0.0]
            run = 0
            while run < args.repeat or totals[0] < args.min_frames:
                frames, plain_s, pipe_s, events, alarms = measure(clip, config, plain_model, Path(tmp))
                totals = [totals[0] + frames, totals[1] + plain_s, totals[2] + pipe_s]
                run += 1
                print(f"  {name} pass {run}: plain {frames / plain_s:.2f} fps, pipeline {frames / pipe_s:.2f} fps "
                      f"({events} events, {alarms} alarms)", flush=True)
            rows.append((name, totals[0], totals[0] / totals[1], totals[0] / totals[2]))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(measure, SHARED / "media" / args.clips[0], config, plain_model, Path(tmp))
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"detectors/|trackers/|onnxruntime_pybind", 30)
    print()
    print(f"model {args.model}, imgsz {config.imgsz}, {host_cpus()} inference threads each; each frame: pipeline "
          f"step, then plain model.track on it; load average {os.getloadavg()[0]:.1f}")
    print(f"{'clip':42} {'frames':>6} {'plain track fps':>18} {'pipeline fps':>13} {'ratio':>6}")
    for name, n, plain_fps, pipe_fps in rows:
        ratio = pipe_fps / plain_fps
        verdict = "ok" if ratio >= TARGET else f"below {TARGET}"
        print(f"{name:42} {n:6d} {plain_fps:18.2f} {pipe_fps:13.2f} {ratio:6.2f}  {verdict}")


if __name__ == "__main__":
    main()
