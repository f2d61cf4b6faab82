"""Benchmark: how long ``ops-center replay`` takes to start, next to a plain script with the same model.

    python -m bench.replay_startup [--runs N] [--model PATH] [--clip FILE]

Both run as fresh processes on the same clip of ``--frames`` frames (default 1, cut at run time
from the street fixture, so what is timed is starting up): the replay with a danger zone, its store
(a new SQLite file each run, migrated) and its JSON output; the plain script imports Ultralytics,
loads the same model and tracks the same frames (ByteTrack, as the replay does). The two
alternate, so both see the same load; the medians and their difference are printed. Target: the
replay within 1 s of the plain script.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

SHARED = Path(os.environ.get("OPS_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
CLIP = SHARED / "media" / "fixture_towncentre_640x360_24f.mp4"
MODEL = SHARED / "models" / "yolov8n_int8.onnx"
TARGET_S = 1.0
PLAIN = """
import sys
import cv2
from ultralytics import YOLO
model = YOLO(sys.argv[1], task="detect")
capture = cv2.VideoCapture(sys.argv[2])
while True:
    ok, frame = capture.read()
    if not ok:
        break
    model.track(frame, persist=True, tracker="bytetrack.yaml", classes=[0], conf=0.35, verbose=False)
"""


def timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds ``command`` takes from start to exit (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def cut(clip: Path, frames: int, out: Path) -> str:
    """The first ``frames`` frames of ``clip`` as a new video file ``out``."""
    capture = cv2.VideoCapture(str(clip))
    writer = None
    for _ in range(frames):
        ok, frame = capture.read()
        if not ok:
            break
        if writer is None:
            height, width = frame.shape[:2]
            writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), 25.0, (width, height))
        writer.write(frame)
    capture.release()
    if writer is None:
        raise SystemExit(f"cannot read a frame from {clip}")
    writer.release()
    return str(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", default=str(MODEL))
    parser.add_argument("--clip", default=str(CLIP))
    parser.add_argument("--frames", type=int, default=1, help="frames of the clip to run (default 1)")
    args = parser.parse_args()
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "False"}
    plain, replay = [], []
    with tempfile.TemporaryDirectory(prefix="ops-bench-startup-") as tmp:
        clip = cut(Path(args.clip), args.frames, Path(tmp) / "clip.mp4")
        for run in range(args.runs + 1):  # the first pair warms the disk cache and is left out
            p = timed([sys.executable, "-c", PLAIN, args.model, clip], env)
            data = Path(tmp) / f"run{run}"
            r = timed([sys.executable, "-m", "ops_cli.main", "replay", clip, "--zone", "0,0.5 1,0.5 1,1 0,1",
                       "--model", args.model, "--db", f"sqlite:///{data}.db", "--data-dir", str(data), "--json"], env)
            if run:
                plain.append(p)
                replay.append(r)
    load = os.getloadavg()[0]
    p50, r50 = statistics.median(plain), statistics.median(replay)
    print(f"{args.frames} frame(s) of {Path(args.clip).name}, {args.runs} runs each, alternating "
          f"(load {load:.1f} on {os.cpu_count()} cores)")
    print(f"  plain script (import, load, track): median {p50:.2f} s  ({', '.join(f'{t:.2f}' for t in plain)})")
    print(f"  ops-center replay --json:            median {r50:.2f} s  ({', '.join(f'{t:.2f}' for t in replay)})")
    verdict = "within" if r50 - p50 <= TARGET_S else "OVER"
    print(f"  replay - plain: {r50 - p50:+.2f} s ({verdict} the {TARGET_S:g} s target); ratio {r50 / p50:.2f}")


if __name__ == "__main__":
    main()
