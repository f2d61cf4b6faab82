"""Person detection with Ultralytics YOLO, and ByteTrack tracking per camera.

``PersonModel`` is the loaded model: frames in, person boxes out (Ultralytics' predictor, its
inference threads set for the host). ``PersonTracker`` is one camera's ByteTrack, run on those
boxes the way ``model.track`` runs it, so the model can serve several cameras while each keeps its
own tracks. ``PersonDetector`` is both for one camera: ``track(image)`` -> tracked persons.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detectors.detection import PERSON, Detection
from ops_center.config import ModelConfig
from ops_center.errors import ModelUnavailable

log = logging.getLogger(__name__)

# one person box from the model: x1, y1, x2, y2 (pixels of the frame), confidence, class
BOX_COLUMNS = 6


def host_cpus() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def inference_threads(config: ModelConfig, detectors_on_host: int, cpus: int | None = None) -> int:
    """Threads for one detector: ``model.threads`` when set, else the host's cores shared among its detectors."""
    if config.threads is not None:
        return config.threads
    return max(1, (cpus or host_cpus()) // max(1, detectors_on_host))


class PersonModel:
    """A loaded YOLO model that finds persons in BGR frames, with ``threads`` inference threads."""

    def __init__(self, config: ModelConfig, threads: int) -> None:
        """Load and set the threads; raise ``ModelUnavailable`` naming the path when it cannot. The first
        ``predict`` also warms the model up (Ultralytics' own warm-up)."""
        self.config = config
        self.threads = threads
        self.model = load_yolo(config.path)
        try:  # sets the predictor up and opens the weights, inferring nothing (the generator is never run)
            self.model.predict(np.zeros((64, 64, 3), np.uint8), imgsz=config.imgsz, verbose=False, stream=True)
        except Exception as exc:  # ultralytics opens the weights lazily: a broken file fails here
            raise ModelUnavailable(f"cannot load model {config.path}: {_first_line(exc)}") from None
        set_threads(self.model, threads)  # before the first inference, which warms up the session it runs on

    def predict(self, images: Sequence[np.ndarray], classes: Sequence[int] = (PERSON,)) -> list[np.ndarray]:
        """Boxes of the COCO ``classes`` in each image (``BOX_COLUMNS`` columns, pixels), one inference for all."""
        cfg = self.config
        results = self.model.predict(list(images), classes=list(classes), conf=cfg.confidence, imgsz=cfg.imgsz,
                                     verbose=False)
        return [r.boxes.data.cpu().numpy() for r in results]


def set_threads(model: Any, threads: int) -> None:
    """Run ``model`` (an Ultralytics ``YOLO`` already set up by one predict) on ``threads`` threads, no spin-waiting.

    Torch (pre- and post-processing, ``.pt`` models) gets ``torch.set_num_threads``. An ONNX Runtime
    session is built again by Ultralytics' own ONNX backend with our ``SessionOptions`` (the
    backend takes them, but ``AutoBackend`` does not pass any): ``threads`` intra-op threads, one
    inter-op thread, and threads that sleep instead of spinning while they wait for work.
    """
    import torch

    torch.set_num_threads(threads)
    backend = getattr(model.predictor.model, "backend", None)
    if backend is None or getattr(backend, "format", None) != "onnx" or not hasattr(backend, "session_options"):
        return
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    backend.session_options = options
    backend.load_model(model.ckpt_path or model.model_name)


def session_options(model: Any) -> Any:
    """The ONNX Runtime ``SessionOptions`` of ``model``'s live session (``None`` for other formats)."""
    backend = getattr(model.predictor.model, "backend", None)
    session = getattr(backend, "session", None)
    return session.get_session_options() if session is not None else None


class PersonTracker:
    """One camera's ByteTrack (or the tracker ``config.tracker`` names), fed with ``PersonModel`` boxes."""

    def __init__(self, config: ModelConfig) -> None:
        from ultralytics.trackers.track import TRACKER_MAP
        from ultralytics.utils import YAML, IterableSimpleNamespace
        from ultralytics.utils.checks import check_yaml

        self.config = config
        settings = IterableSimpleNamespace(**YAML.load(check_yaml(config.tracker)))
        if settings.tracker_type not in ("bytetrack", "botsort"):
            raise ModelUnavailable(f"tracker {config.tracker}: only bytetrack and botsort run outside model.track")
        self._tracker: Any = TRACKER_MAP[settings.tracker_type](args=settings)
        self.seen: list[Detection] = []  # every object the last frame's boxes show, tracked or not yet


    def update(self, boxes: np.ndarray, image: np.ndarray) -> list[Detection]:
        """Tracked persons after one frame's ``boxes``, as ``model.track`` would report them."""
        import torch
        from ultralytics.engine.results import Boxes

        shape = image.shape[:2]
        found = Boxes(torch.as_tensor(boxes).reshape(-1, BOX_COLUMNS), shape)
        self.seen = to_detections(found, self.config.min_box_area)
        tracks = self._tracker.update(found.cpu().numpy(), image)
        if len(tracks) == 0:
            return []
        return to_detections(Boxes(torch.as_tensor(tracks[:, :-1]), shape), self.config.min_box_area)


class PersonDetector:
    """A ``PersonModel`` and a ``PersonTracker`` for one camera (or one replay): persons, or ``classes``."""

    def __init__(self, config: ModelConfig, classes: Sequence[int] = (PERSON,), *, threads: int | None = None) -> None:
        """``threads``: inference threads (default: ``inference_threads`` for one detector on the host)."""
        self.classes = tuple(classes)
        self.person_model = PersonModel(config, threads or inference_threads(config, 1))
        self.model = self.person_model.model
        self.tracker = PersonTracker(config)

    def track(self, image: np.ndarray) -> list[Detection]:
        """Tracked objects in ``image``, boxes relative to the frame, filtered by confidence and area."""
        return self.tracker.update(self.person_model.predict([image], self.classes)[0], image)

    def seen(self) -> list[Detection]:
        """Every object the last frame showed, tracks not yet confirmed too (untracked: no track id)."""
        return self.tracker.seen


def to_detections(boxes: Any, min_box_area: float = 0.0) -> list[Detection]:
    """Ultralytics ``Boxes`` as ``Detection``s (relative coordinates), dropping boxes under ``min_box_area``."""
    if boxes is None or len(boxes) == 0:
        return []
    ids = boxes.id.int().tolist() if boxes.id is not None else [None] * len(boxes)
    out = []
    for xyxy, conf, cls, tid in zip(boxes.xyxyn.tolist(), boxes.conf.tolist(), boxes.cls.int().tolist(), ids, strict=True):
        det = Detection(box=(xyxy[0], xyxy[1], xyxy[2], xyxy[3]), confidence=conf, track_id=tid, class_id=cls)
        if det.area >= min_box_area:
            out.append(det)
    return out


def load_yolo(path: str) -> Any:
    """An Ultralytics ``YOLO`` for ``path`` (a local file, or a weights name it would download)."""
    from ultralytics import YOLO  # deferred: importing ultralytics takes seconds

    _quiet_ultralytics()
    if _looks_like_path(path) and not Path(path).exists():
        raise ModelUnavailable(f"model file not found: {path}")
    try:
        return YOLO(path, task="detect")
    except (ConnectionError, OSError) as exc:
        raise ModelUnavailable(
            f"cannot load model {path}: not a local file and it could not be downloaded "
            f"(offline? name a local model file, e.g. OPS_MODEL=../shared/models/yolov8n_int8.onnx): {_first_line(exc)}"
        ) from None
    except Exception as exc:
        raise ModelUnavailable(f"cannot load model {path}: {_first_line(exc)}") from None


def _looks_like_path(path: str) -> bool:
    """True for a path to a file; false for a bare weights name such as ``yolov8n.pt``."""
    return "/" in path or "\\" in path or Path(path).suffix not in (".pt", ".yaml")


def _quiet_ultralytics() -> None:
    """Send Ultralytics' log to stderr, errors only: stdout belongs to the CLI's output."""
    from ultralytics.utils import LOGGER

    LOGGER.setLevel(logging.ERROR)
    for handler in LOGGER.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].strip(" ❌️") if text else type(exc).__name__
