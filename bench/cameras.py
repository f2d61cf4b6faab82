"""Benchmark: how many cameras one machine sustains, beside plain Ultralytics loops measured in the same run.

    python -m bench.cameras [--counts 1 2 4 8] [--still-s 30] [--seconds S] [--shared] [--sides gated ...]
                            [--model PATH]

Footage: still-heavy, made at run time from a shared clip (``bench.still_footage``: the clip's empty
background with sensor noise, its real people entering once between two still parts of ``--still-s``
seconds each), looped. Each camera loops it from another point, its entry spread evenly over the
loop: independent cameras see their people at different times (on a shore at night, one person a
minute is a busy night). A side is measured over one loop (``--seconds``), so every camera's window
holds its one entry.
For each number of cameras N, each side running N processes at once for ``--seconds``:
- ``plain``: N plain Ultralytics ``predict`` loops over the clip's frames, as fast as they go, each
  with the host's cores shared among them as inference threads and no spin-waiting: the floor;
- ``ungated``: N real camera workers (``CameraWorker``: feed, pipeline, publisher to a SQLite store),
  motion gating off, as fast as they go; target: at least 0.9 of ``plain``'s frames a second;
- ``gated``: N camera workers at 5 frames a second with motion gating; they sustain 5 frames a
  second when each processes at least 4.5; target: 4 times the cameras ``ungated`` sustains in the
  same run (ungated cameras run as fast as they go and sustain 5 a second at 4.5 too);
- with ``--shared``, the same two with one shared detector process serving the N cameras.
Each side also gives the CPU its processes spent (cores: CPU seconds a second, every thread of the
process; not the shared detector's) and per processed frame: on a loaded machine the frame rates
say how much CPU the cameras got, these what they did with it. (A starved gated camera infers a
larger share of its frames: its periodic check comes due on every frame it gets to.)
It prints the machine's load before and after: the machines here are shared.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "False")

from bench.still_footage import sampled_frames, shifted, still_heavy
from detectors.model import PersonModel, host_cpus, inference_threads
from ops_center.config import (
    CameraConfig,
    ModelConfig,
    MotionConfig,
    SiteConfig,
    SiteInfo,
    StoreConfig,
    ZoneConfig,
)

SHARED = Path(os.environ.get("OPS_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
SOURCE = "danger_zone_worker_zone_intel_480x270.gif"
ZONE = ZoneConfig(name="lower", polygon=((0, 0.5), (1, 0.5), (1, 1), (0, 1)), cooldown_s=5.0)
ASKED_FPS = 5.0
SUSTAINED = 0.9 * ASKED_FPS
SIDES = ("plain", "ungated", "gated", "ungated-shared", "gated-shared")


def _make_clips(model_path: str, folder: Path, cameras: int, still_s: float) -> None:
    """Write the still-heavy clip, then one per camera looped from another point (in a child process: the parent
    never runs inference before it forks)."""
    model = PersonModel(ModelConfig(path=model_path), threads=host_cpus())
    made = still_heavy(SHARED / "media" / SOURCE, folder / "still.mp4", model, fps=_source_fps(), still_s=still_s)
    for i in range(cameras):
        shifted(made, _clip(folder, i), lead_s=i * 2 * still_s / cameras)


def _clip(folder: Path, camera: int) -> Path:
    return folder / f"still-{camera}.mp4"


def _source_fps() -> float:
    import cv2

    cap = cv2.VideoCapture(str(SHARED / "media" / SOURCE))
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return fps


def _plain_loop(model_path: str, clip: str, threads: int, sync: Any) -> None:
    """A plain Ultralytics loop: predict on the clip's frames, round and round, as fast as it goes."""
    from detectors.model import load_yolo, set_threads

    frames = sampled_frames(Path(clip), 1000.0)
    model = load_yolo(model_path)
    model.predict(frames[0], verbose=False)
    set_threads(model, threads)
    done = 0
    cpu_at_go: float | None = None
    sync.ready.put(1)
    while not sync.end.is_set():
        model.predict(frames[done % len(frames)], classes=[0], conf=0.35, verbose=False)
        if sync.go.is_set():
            cpu_at_go = time.process_time() if cpu_at_go is None else cpu_at_go
            done += 1
    sync.out.put(("plain", done, done, time.process_time() - (cpu_at_go or time.process_time())))


def _camera(site: SiteConfig, camera_id: str, sync: Any) -> None:
    """A real camera worker; reports the frames it processed and inferred, and the CPU its process spent (all its
    threads), between ``go`` and ``end``."""
    from detectors.worker import CameraWorker

    worker = CameraWorker(site, camera_id)
    counts: dict[str, tuple[int, int, float]] = {}

    def watch() -> None:
        while worker.frames_inferred == 0:  # the model is loaded (or the shared detector answers)
            time.sleep(0.1)
        sync.ready.put(1)
        sync.go.wait()
        counts["start"] = (worker.frames_processed, worker.frames_inferred, time.process_time())
        sync.end.wait()
        counts["end"] = (worker.frames_processed, worker.frames_inferred, time.process_time())
        worker.stop()

    threading.Thread(target=watch, daemon=True).start()
    worker.run()
    (p0, i0, c0), (p1, i1, c1) = counts.get("start", (0, 0, 0.0)), counts.get("end", (0, 0, 0.0))
    sync.out.put((camera_id, p1 - p0, i1 - i0, c1 - c0))

def _detector(site: SiteConfig, stop: Any) -> None:
    from detectors.shared import DetectorServer, detector_address

    model = PersonModel(site.model, inference_threads(site.model, 1))
    DetectorServer(model, detector_address(site.data_dir), site.model.max_batch).serve(stop.is_set)


class _Sync:
    """What the parent and the N processes of one side share: ready, go and end, and the results."""

    def __init__(self, ctx: Any) -> None:
        self.ready, self.out = ctx.Queue(), ctx.Queue()
        self.go, self.end = ctx.Event(), ctx.Event()


@dataclass(frozen=True, slots=True)
class Side:
    """One side's figures over the measured seconds, all its N processes together."""

    processed: float  # frames a second
    inferred: float  # frames the detector ran on, a second
    sustained: int  # cameras that processed at least SUSTAINED frames a second
    cores: float | None  # CPU seconds a second (None with a shared detector, whose process is not counted)

    @property
    def cpu_ms_per_frame(self) -> float | None:
        return 1000 * self.cores / self.processed if self.cores is not None and self.processed else None


def run_side(kind: str, n: int, clips: Path, model_path: str, seconds: float, workdir: Path) -> Side:
    """The N processes start, load, and say they are ready; then all are measured over the same ``seconds``."""
    ctx = mp.get_context("fork")
    sync = _Sync(ctx)
    threads = max(1, host_cpus() // n)
    procs = []
    shared = kind.endswith("shared")
    if kind == "plain":
        procs = [ctx.Process(target=_plain_loop, args=(model_path, str(_clip(clips, i)), threads, sync))
                 for i in range(n)]
    else:
        gated = kind.startswith("gated")
        run_dir = workdir / f"{kind}-{n}"
        cameras = [
            CameraConfig(id=f"cam{i}", name=f"cam{i}", source=str(_clip(clips, i)), loop=True, zones=[ZONE],
                         fps=ASKED_FPS if gated else 0, motion=MotionConfig(enabled=gated))
            for i in range(n)
        ]
        site = SiteConfig(
            site=SiteInfo(name="bench"), data_dir=run_dir, store=StoreConfig(url=f"sqlite:///{run_dir / 'ops.db'}"),
            model=ModelConfig(path=model_path, shared=shared), cameras=cameras,
        )
        run_dir.mkdir(parents=True)
        from ops_center.store.db import open_store

        open_store(site.store_url).dispose()  # the schema, once, before the workers race to make it
        if shared:
            procs.append(ctx.Process(target=_detector, args=(site, sync.end)))
        procs += [ctx.Process(target=_camera, args=(site, cam.id, sync)) for cam in cameras]
    for proc in procs:
        proc.start()
    for _ in range(n):
        sync.ready.get(timeout=600)
    sync.go.set()
    time.sleep(seconds)
    sync.end.set()
    results = [sync.out.get(timeout=120) for _ in range(n)]
    for proc in procs:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    return Side(
        processed=sum(r[1] for r in results) / seconds,
        inferred=sum(r[2] for r in results) / seconds,
        sustained=sum(1 for r in results if r[1] / seconds >= SUSTAINED),
        cores=None if shared else sum(r[3] for r in results) / seconds,
    )


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", nargs="+", type=int, default=[1, 2, 4, 8], help="numbers of cameras")
    parser.add_argument("--still-s", type=float, default=30.0,
                        help="seconds of still scene before and after the clip's entry (default 30)")
    parser.add_argument("--seconds", type=float, help="measured seconds per side (default: one loop of the clip)")
    parser.add_argument("--shared", action="store_true", help="also run the cameras on one shared detector")
    parser.add_argument("--sides", nargs="+", choices=SIDES, help="only these sides (default: plain, ungated, gated)")
    parser.add_argument("--model", default=os.environ.get("OPS_MODEL") or str(SHARED / "models" / "yolov8n_int8.onnx"))
    args = parser.parse_args()
    kinds = args.sides or ["plain", "ungated", "gated"] + (["ungated-shared", "gated-shared"] if args.shared else [])
    print(f"load average before: {os.getloadavg()[0]:.1f} on {host_cpus()} cores", flush=True)
    rows: list[tuple[int, str, Side]] = []
    with tempfile.TemporaryDirectory(prefix="ops-bench-cameras-") as tmp:
        clips = Path(tmp)
        maker = mp.get_context("fork").Process(target=_make_clips, args=(args.model, clips, max(args.counts),
                                                                          args.still_s))
        maker.start()
        maker.join()
        loop_s = len(sampled_frames(_clip(clips, 0), 1000.0)) / _source_fps()
        entry_s = loop_s - 2 * args.still_s
        seconds = args.seconds or loop_s
        print(f"still-heavy clips from {SOURCE}: a {loop_s:.1f} s loop, people in view {entry_s:.1f} s of it "
              f"({entry_s / loop_s:.0%}); each side measured over {seconds:.1f} s", flush=True)
        for n in args.counts:
            for kind in kinds:
                side = run_side(kind, n, clips, args.model, seconds, Path(tmp))
                rows.append((n, kind, side))
                print(f"  {n} x {kind:15} processed {side.processed:6.2f}/s, inferred {side.inferred:6.2f}/s, "
                      f"{side.sustained} at >= {SUSTAINED:g}/s, {_cores(side)} cores  (load {os.getloadavg()[0]:.1f})",
                      flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    print(f"{'cameras':>7} {'side':15} {'frames/s':>9} {'inferred/s':>10} {'at 5/s':>6} {'vs plain':>8} {'cores':>6} "
          f"{'cpu ms/frame':>12}")
    plain = {n: side.processed for n, kind, side in rows if kind == "plain"}
    for n, kind, side in rows:
        ratio = f"{side.processed / plain[n]:.2f}" if kind != "plain" and plain.get(n) else ""
        cpu = f"{side.cpu_ms_per_frame:.0f}" if side.cpu_ms_per_frame is not None else ""
        print(f"{n:7d} {kind:15} {side.processed:9.2f} {side.inferred:10.2f} {side.sustained:6d} {ratio:>8} "
              f"{_cores(side):>6} {cpu:>12}")
    capacity = {kind: max((side.sustained for _, k, side in rows if k == kind), default=0) for kind in kinds}
    floor = f"ungated {max(plain.values()) / ASKED_FPS:.1f} (plain loops' best total / 5), " if plain else ""
    print(f"\ncameras sustained at {ASKED_FPS:g} frames/s: {floor}"
          + ", ".join(f"{k} {v}" for k, v in capacity.items() if k != "plain"))
    for gated in ("gated", "gated-shared"):
        ungated = capacity.get("un" + gated)
        if capacity.get(gated) is not None and ungated:
            print(f"{gated} / un{gated}: {capacity[gated] / ungated:.1f} times the cameras (target >= 4)")


def _cores(side: Side) -> str:
    return f"{side.cores:.2f}" if side.cores is not None else "-"


if __name__ == "__main__":
    main()
