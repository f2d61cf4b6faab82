"""Person detection with Ultralytics YOLO and ByteTrack tracking, one model instance per camera.

The tracker's state lives in the model instance (``persist=True``), so each camera (and each
replay) loads its own ``PersonDetector``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np

from detectors.detection import PERSON, Detection
from ops_center.config import ModelConfig
from ops_center.errors import ModelUnavailable

log = logging.getLogger(__name__)


class PersonDetector:
    """A loaded YOLO model that finds and tracks persons in BGR frames."""

    def __init__(self, config: ModelConfig) -> None:
        """Load and warm up the model; raise ``ModelUnavailable`` naming the path when it cannot."""
        self.config = config
        self.model = load_yolo(config.path)
        try:
            self.model.predict(np.zeros((64, 64, 3), np.uint8), imgsz=config.imgsz, verbose=False)
        except Exception as exc:  # ultralytics opens the weights lazily: a broken file fails here
            raise ModelUnavailable(f"cannot load model {config.path}: {_first_line(exc)}") from None

    def track(self, image: np.ndarray) -> list[Detection]:
        """Tracked persons in ``image``, boxes relative to the frame, filtered by confidence and area."""
        cfg = self.config
        result = self.model.track(
            image,
            persist=True,
            classes=[PERSON],
            conf=cfg.confidence,
            imgsz=cfg.imgsz,
            tracker=cfg.tracker,
            verbose=False,
        )[0]
        return to_detections(result.boxes, cfg.min_box_area)


def to_detections(boxes: Any, min_box_area: float = 0.0) -> list[Detection]:
    """Ultralytics ``Boxes`` as ``Detection``s (relative coordinates), dropping boxes under ``min_box_area``."""
    if boxes is None or len(boxes) == 0:
        return []
    ids = boxes.id.int().tolist() if boxes.id is not None else [None] * len(boxes)
    out = []
    for xyxy, conf, cls, tid in zip(boxes.xyxyn.tolist(), boxes.conf.tolist(), boxes.cls.int().tolist(), ids):
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
