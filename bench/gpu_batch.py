"""Benchmark (GPU): the shared detector's batch size against frames/s, for 1 to 32 cameras.

    python -m bench.gpu_batch [--model PATH.pt] [--cameras 1 2 4 8 16 32] [--seconds S]

Two tables, each against a baseline measured in the same run:
1. ``PersonModel.predict`` (the call the shared detector makes) on B frames at once, B = 1 ... 32:
   frames/s, milliseconds per inference, and how many cameras at 5 frames/s that rate serves,
   against B = 1 (one inference per frame, as a camera with its own detector runs).
2. The product's path: one ``DetectorServer`` (batches up to ``--max-batch`` waiting frames) and N
   camera processes, each sending its frames through ``RemoteModel`` as fast as they are answered:
   frames/s in all, the mean batch the server formed, and the rate per camera, against N = 1.

The model setting on a GPU site names PyTorch weights (``yolov8n.pt`` downloads by itself). Offline,
the only weights at hand are the shared int8 ONNX file, which ONNX Runtime runs on the CPU; without
``--model`` this converts it into a float PyTorch checkpoint of the same network (Ultralytics'
``yolov8n.yaml``, every convolution's weights dequantized from the ONNX file by name, BatchNorm
already folded in as the export left it) and checks that both find the same people in a shared
frame before it times anything. Needs CUDA, and the ``onnx`` package for the conversion.
"""

from __future__ import annotations

import argparse
import ast
import math
import multiprocessing as mp
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "False")

from bench.still_footage import sampled_frames
from detectors.model import PersonModel
from detectors.shared import DetectorServer, RemoteModel
from ops_center.config import ModelConfig

SHARED = Path(os.environ.get("OPS_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
ONNX = SHARED / "models" / "yolov8n_int8.onnx"
CLIP = SHARED / "media" / "fixture_towncentre_640x360_24f.mp4"  # the size a camera's detect stream has
FRAME = SHARED / "media" / "fixture_towncentre_frame_640x360.jpg"
ASKED_FPS = 5.0
BATCHES = (1, 2, 4, 8, 16, 32)


def convert(onnx_path: Path, out: Path) -> Path:
    """Write a float PyTorch checkpoint of the YOLOv8n network in ``onnx_path`` (dynamically
    quantized: int8 weights with a scale and zero point per tensor, float biases) to ``out``."""
    import torch
    from ultralytics import YOLO

    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise SystemExit("converting the shared ONNX model needs the onnx package (pip install onnx), "
                         "or name PyTorch weights with --model yolov8n.pt") from None

    graph = onnx.load(str(onnx_path))
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.graph.initializer}
    meta = {p.key: p.value for p in graph.metadata_props}
    network: Any = YOLO("yolov8n.yaml", task="detect").model
    model = network.fuse()  # the export folded BatchNorm into the convolutions
    state = model.state_dict()
    loaded = 0
    for name in state:
        kind = name.rpartition(".")[2]
        if kind == "weight" and f"{name}_quantized" in tensors:
            q = tensors[f"{name}_quantized"].astype(np.float32)
            state[name] = torch.from_numpy((q - float(tensors[f"{name}_zero_point"])) * float(tensors[f"{name}_scale"]))
            loaded += 1
        elif kind == "bias" and name in tensors:
            state[name] = torch.from_numpy(tensors[name].astype(np.float32))
            loaded += 1
    model.load_state_dict(state)
    model.names = ast.literal_eval(meta["names"])
    print(f"converted {onnx_path.name}: {loaded} weight and bias tensors of {len(state)} into {out.name}")
    torch.save({"model": model, "train_args": {"task": "detect", "imgsz": 640}}, out)
    return out


def agreement(pt_path: Path, onnx_path: Path, frame: np.ndarray) -> tuple[int, int, float]:
    """People found by the two models in ``frame`` (the ONNX one on the CPU), and the mean IoU of
    each ONNX box with its best match among the PyTorch model's."""
    config = ModelConfig(path=str(onnx_path))
    onnx_boxes = PersonModel(config, threads=4).predict([frame])[0][:, :4]
    pt_boxes = PersonModel(config.model_copy(update={"path": str(pt_path)}), threads=4).predict([frame])[0][:, :4]
    ious = [max((_iou(a, b) for b in pt_boxes), default=0.0) for a in onnx_boxes]
    return len(onnx_boxes), len(pt_boxes), statistics.fmean(ious) if ious else 0.0


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return float(inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter))


def frames_of(clip: Path, n: int) -> list[np.ndarray]:
    """``n`` frames of ``clip``, from its start (again from the start where it is shorter)."""
    frames = sampled_frames(clip, math.inf)  # every frame
    return (frames * (n // len(frames) + 1))[:n]


def batch_rate(model: PersonModel, frames: list[np.ndarray], batch: int, seconds: float) -> tuple[float, float]:
    """(frames/s, ms per inference) of ``model.predict`` on ``batch`` frames at a time."""
    for _ in range(3):
        model.predict(frames[:batch])
    done = calls = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        first = (calls * batch) % (len(frames) - batch + 1)
        model.predict(frames[first : first + batch])
        done += batch
        calls += 1
    elapsed = time.perf_counter() - started
    return done / elapsed, 1000 * elapsed / calls


def _camera(address: str, config: ModelConfig, frames: list[np.ndarray], go: Any, stop: Any, counts: Any, index: int) -> None:
    remote = RemoteModel(config, address)
    go.wait()
    n = 0
    while not stop.is_set():
        remote.predict([frames[n % len(frames)]])
        n += 1
    counts[index] = n
    remote.close()


def served_rate(model: PersonModel, config: ModelConfig, frames: list[np.ndarray], cameras: int, seconds: float,
                workdir: Path) -> tuple[float, float]:
    """(frames/s in all, mean batch) of a ``DetectorServer`` answering ``cameras`` camera processes."""
    address = str(workdir / f"detector-{cameras}.sock")
    server = DetectorServer(model, address, config.max_batch)
    stop_serving = threading.Event()
    serving = threading.Thread(target=server.serve, args=(stop_serving.is_set,), daemon=True)
    serving.start()
    ctx = mp.get_context("fork")
    go, stop, counts = ctx.Event(), ctx.Event(), ctx.Array("l", cameras)
    mine = frames[: max(4, len(frames) // cameras)]
    procs = [ctx.Process(target=_camera, args=(address, config, mine, go, stop, counts, i)) for i in range(cameras)]
    for proc in procs:
        proc.start()
    time.sleep(1.0)  # connected
    go.set()
    time.sleep(1.0)  # warm
    before = len(server.batches)
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - started
    sizes = server.batches[before:]
    for proc in procs:
        proc.join(30)
    stop_serving.set()
    serving.join(5)
    return sum(sizes) / elapsed, statistics.fmean(sizes) if sizes else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="PyTorch weights (default: converted from the shared ONNX file)")
    parser.add_argument("--cameras", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device: the CPU"
    print(f"device: {device}; torch {torch.__version__}")
    with tempfile.TemporaryDirectory(prefix="ops-bench-gpu-") as tmp:
        workdir = Path(tmp)
        pt = Path(args.model) if args.model else convert(ONNX, workdir / "yolov8n_from_onnx.pt")
        frame = cv2.imread(str(FRAME))
        if frame is None:
            raise SystemExit(f"cannot read {FRAME}")
        if not args.model:
            found_onnx, found_pt, iou = agreement(pt, ONNX, frame)
            print(f"agreement on {FRAME.name}: ONNX (CPU) {found_onnx} people, converted {found_pt}, mean best IoU {iou:.2f}")
            if abs(found_onnx - found_pt) > max(1, found_onnx // 5) or iou < 0.8:
                raise SystemExit("the converted model does not find what the ONNX one does: not timing it")
        config = ModelConfig(path=str(pt), max_batch=args.max_batch)
        model = PersonModel(config, threads=4)
        frames = frames_of(CLIP, 64)
        h, w = frames[0].shape[:2]
        print(f"\n1. PersonModel.predict on B frames of {CLIP.name} ({w}x{h}) at once, imgsz {config.imgsz}")
        print(f"{'B':>4} {'frames/s':>9} {'ms/inference':>13} {'cameras at 5/s':>15} {'vs B=1':>7}")
        base = 0.0
        for batch in BATCHES:
            rate, ms = batch_rate(model, frames, batch, args.seconds)
            base = base or rate
            print(f"{batch:>4} {rate:>9.1f} {ms:>13.1f} {int(rate // ASKED_FPS):>15} {rate / base:>7.2f}")
        print(f"\n2. DetectorServer (max batch {args.max_batch}) and N camera processes asking as fast as answered")
        print(f"{'N':>4} {'frames/s':>9} {'mean batch':>11} {'per camera':>11} {'vs N=1':>7}")
        base = 0.0
        for cameras in args.cameras:
            rate, mean_batch = served_rate(model, config, frames, cameras, args.seconds, workdir)
            base = base or rate
            print(f"{cameras:>4} {rate:>9.1f} {mean_batch:>11.1f} {rate / cameras:>11.1f} {rate / base:>7.2f}")

if __name__ == "__main__":
    main()
