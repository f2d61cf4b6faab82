"""Frame sources through OpenCV: video files (once or looped), RTSP/HTTP streams, webcams, synthetic.

``FrameSource`` reads frames one after another. A file that is missing or cannot be decoded is a
``SourceUnavailable`` at once; a live source (stream, webcam) that drops or cannot be opened is
retried with exponential backoff, and its ``state`` says so (``CameraState``: online / reconnecting /
offline).
``LiveFeed`` reads a source on its own thread and hands out its newest frame, so a live camera
never waits for the detector and the worker always processes the latest picture. It grabs every
frame but decodes only those a consumer asks for: a camera delivering 25 frames a second to a
worker that processes 5 costs 5 decodes, not 25.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from detectors.backoff import Backoff
from ops_center.errors import SourceUnavailable
from ops_center.store.types import utcnow
from ops_center.store.writes import redact_source, source_kind
from ops_center.vocabulary import CameraState

log = logging.getLogger(__name__)

STREAM_TIMEOUT_MS = 5000
DEFAULT_FPS = 25.0

# FFmpeg's and OpenCV's own messages ("moov atom not found") would add lines to our one-line errors;
# the source reports what went wrong itself. Set OPENCV_FFMPEG_LOGLEVEL=24 to see them again.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


@dataclass(frozen=True, slots=True)
class Frame:
    """One picture from a source.

    ``index`` counts frames since the source was opened (it keeps counting across loops and
    reconnects); ``t_s`` is seconds into the video for files, seconds since opening for live sources.
    """

    image: np.ndarray
    index: int
    t_s: float
    captured_at: datetime


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` a source uses (the synthetic camera mimics it)."""

    def isOpened(self) -> bool: ...  # OpenCV's name
    def read(self) -> tuple[bool, Any]: ...
    def grab(self) -> bool: ...
    def retrieve(self) -> tuple[bool, Any]: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


class FrameSource:
    """Frames from one camera source (see ``ops_center.config.CameraConfig.source``)."""

    def __init__(
        self,
        spec: str,
        *,
        loop: bool = False,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self.kind = source_kind(spec)
        self.loop = loop
        self.state = CameraState.OFFLINE
        self.message = ""
        self.finished = False
        self.fps = 0.0
        self.size = (0, 0)
        self.frame_count: int | None = None  # a file's frames as its container states them (may be off a little)
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._cap: Capture | None = None
        self._index = 0
        self._pending: np.ndarray | None = None
        self._skipped: tuple[int, np.ndarray | None] | None = None  # the frame ``skip`` moved past, undecoded
        self._opened_at = clock()
        self._retry_at = 0.0
        if self.is_file:
            self._open_file()
        else:
            self._connect()

    @property
    def is_file(self) -> bool:
        """True for a video file (it ends, or loops); false for streams, webcams and synthetic cameras."""
        return self.kind == "file"

    @property
    def name(self) -> str:
        """The source as it may be shown or logged (no credentials)."""
        return redact_source(self.spec)

    def read(self) -> Frame | None:
        """The next frame; ``None`` when there is none now (reconnecting) or any more (``finished``)."""
        if not self._grab():
            return None
        frame = self._frame(self._index, self._retrieve())
        if frame is not None:
            self._index += 1
        return frame

    def skip(self) -> bool:
        """Move past the next frame without decoding it; false when there is none now or any more.

        Until the next ``read`` or ``skip``, ``decode_skipped`` can still decode it."""
        if not self._grab():
            return False
        self._skipped, self._pending = (self._index, self._pending), None
        self._index += 1
        return True

    def decode_skipped(self) -> Frame | None:
        """The frame the last ``skip`` moved past, decoded now; ``None`` once another frame was read or skipped."""
        if self._skipped is None:
            return None
        (index, image), self._skipped = self._skipped, None
        if image is None and self._cap is not None:
            image = self._decode()
        return self._frame(index, image)

    def _frame(self, index: int, image: np.ndarray | None) -> Frame | None:
        if image is None:
            return None
        t_s = index / self.fps if self.is_file else self._clock() - self._opened_at
        return Frame(image=image, index=index, t_s=t_s, captured_at=utcnow())

    def close(self) -> None:
        """Release the capture; the source reads nothing more."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self.finished = True
        self.state = CameraState.OFFLINE

    def _grab(self) -> bool:
        """Take the next frame from the capture, undecoded (or keep the one decoded at opening)."""
        self._skipped = None
        if self.finished:
            return False
        if self._cap is None and (self._clock() < self._retry_at or not self._connect()):
            return False
        if self._pending is not None:
            return True
        assert self._cap is not None
        if self._cap.grab():
            return True
        self._stopped()
        if self.loop and self._cap is not None:  # a looped file, opened again at its start
            return self._grab()
        return False

    def _retrieve(self) -> np.ndarray | None:
        """Decode the frame ``_grab`` took."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending
        image = self._decode()
        if image is None:
            self._stopped()
        return image

    def _decode(self) -> np.ndarray | None:
        """Decode the frame the capture grabbed last; ``None`` when it gives none."""
        assert self._cap is not None
        ok, image = self._cap.retrieve()
        return image if ok and image is not None else None

    def _stopped(self) -> None:
        """The capture gave no frame: a stream drops, a looped file starts again, a file ends."""
        assert self._cap is not None
        if not self.is_file:
            self._drop("stream stopped delivering frames")
        elif self.loop:
            self._cap.release()
            self._open_file()
        else:
            self.close()
            self.message = "end of file"

    def _open_file(self) -> None:
        path = Path(self.spec)
        if not path.exists():
            raise SourceUnavailable(f"video file not found: {self.spec}")
        if not path.is_file():
            raise SourceUnavailable(f"video source {self.spec} is not a file")
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            cap.release()
            raise SourceUnavailable(f"cannot open video file {self.spec}: not a video OpenCV can decode")
        ok, image = cap.read()
        if not ok or image is None:
            cap.release()
            raise SourceUnavailable(f"video file {self.spec} has no readable frame (corrupt or empty)")
        self._cap = cap
        self._pending = image
        self._online(cap, image)

    def _connect(self) -> bool:
        """Try to open a live source; on failure schedule the next try with backoff."""
        cap = self._open_live()
        if cap.isOpened():
            ok, image = cap.read()
            if ok and image is not None:
                self._cap = cap
                self._pending = image
                self._backoff.reset()
                self._online(cap, image)
                return True
        cap.release()
        self._drop("cannot open the stream")
        return False

    def _open_live(self) -> Capture:
        if self.kind == "webcam":
            return cv2.VideoCapture(_webcam_index(self.spec))
        if self.kind == "synthetic":
            return _synthetic(self.spec)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, STREAM_TIMEOUT_MS, cv2.CAP_PROP_READ_TIMEOUT_MSEC, STREAM_TIMEOUT_MS]
        return cv2.VideoCapture(self.spec, cv2.CAP_FFMPEG, params)

    def _online(self, cap: Capture, image: np.ndarray) -> None:
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and math.isfinite(fps) and 0 < fps <= 240 else DEFAULT_FPS
        self.size = (image.shape[1], image.shape[0])
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT) if self.is_file else 0
        self.frame_count = int(count) if count and math.isfinite(count) and count > 0 else None
        self.state = CameraState.ONLINE
        self.message = ""

    def _drop(self, why: str) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        delay = self._backoff.next_delay()
        self._retry_at = self._clock() + delay
        self.state = CameraState.RECONNECTING
        self.message = f"{why}: {self.name}; retrying in {delay:g} s"


def _webcam_index(spec: str) -> int:
    _, _, number = spec.partition(":")
    try:
        return int(number)
    except ValueError:
        raise SourceUnavailable(f"webcam source {spec!r}: expected webcam:N, N the device number") from None


SYNTHETIC_CAMERAS = ("lakeside", "shop-door")


def _synthetic(spec: str) -> Capture:
    _, _, name = spec.partition(":")
    if name not in SYNTHETIC_CAMERAS:
        known = " and ".join(f"synthetic:{n}" for n in SYNTHETIC_CAMERAS)
        raise SourceUnavailable(f"synthetic source {spec!r}: the synthetic cameras are {known}")
    # lazy: only demo sites need them
    if name == "shop-door":
        from detectors.shopfront import SyntheticShopDoor

        return SyntheticShopDoor()
    from detectors.synthetic import SyntheticLakeside

    return SyntheticLakeside()


class LiveFeed:
    """Reads a source on a background thread; decodes and hands out the newest frame when asked for one.

    Every frame is grabbed (a stream's buffer never fills, a file keeps its pace), but only a frame a
    consumer waits for in ``newest`` is decoded, unless ``every_frame``: a consumer that wants every
    frame the source delivers (it asks at the source's rate or faster) gets each decoded, so the one
    that came while it was busy (an inference longer than a frame's interval) is ready when it asks
    again instead of lost. Files and synthetic cameras are paced to their own frame rate, as a camera
    would deliver them; streams and webcams deliver at their own pace. A paced source waits for each
    frame's time before grabbing it, and a consumer that asks meanwhile gets the frame grabbed last,
    decoded then, instead of waiting for the next one.
    """

    def __init__(self, source: FrameSource, every_frame: bool = False) -> None:
        self.source = source
        self.every_frame = every_frame
        self.frames_read = 0
        self.frames_decoded = 0
        self.failure: str | None = None
        self._latest: Frame | None = None
        self._waiting = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"feed:{source.name}", daemon=True)

    @property
    def finished(self) -> bool:
        """True when the source has ended (a file that does not loop) and every frame was taken."""
        return self.source.finished and not self._thread.is_alive()

    def start(self) -> None:
        """Start reading."""
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and release the source."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self._thread.join(timeout=STREAM_TIMEOUT_MS / 1000 + 1)
        self.source.close()

    def newest(self, after_index: int, timeout_s: float) -> Frame | None:
        """The next frame the source delivers (index above ``after_index``), waiting up to ``timeout_s``.

        A frame decoded for an earlier call that timed out is handed out if nothing newer came since.
        """
        def ready() -> bool:
            return (self._latest is not None and self._latest.index > after_index) or self._stop.is_set()

        with self._cond:
            self._waiting += 1
            self._cond.notify_all()  # a paced reader decodes the frame it grabbed last
            try:
                self._cond.wait_for(lambda: ready() or self.source.finished, timeout=timeout_s)
            finally:
                self._waiting -= 1
            frame = self._latest
        return frame if frame is not None and frame.index > after_index else None

    def _run(self) -> None:
        paced = self.source.is_file or self.source.kind == "synthetic"
        started = time.monotonic()
        while not self._stop.is_set() and not self.source.finished:
            if paced:
                self._await(started + self.frames_read / self.source.fps)
            frame, got = None, False
            with self._cond:
                wanted = self._waiting > 0 or self.every_frame
            try:
                if wanted:
                    frame = self.source.read()
                    got = frame is not None
                else:
                    got = self.source.skip()
            except SourceUnavailable as exc:  # a looped file that vanished or broke mid-run
                self.failure = str(exc)
            except Exception as exc:  # a decoder that crashed: a bug worth its traceback in the log
                log.exception("camera source %s: the frame reader stopped", self.source.name)
                self.failure = f"frame reader failed: {exc}"
            if self.failure is not None:
                self.source.close()
                self.source.message = self.failure
                break
            if not got:
                self._stop.wait(0.05)
                continue
            with self._cond:
                self.frames_read += 1
                if frame is not None:
                    self._latest = frame
                    self.frames_decoded += 1
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _await(self, due: float) -> None:
        """Wait until ``due``; decode the frame skipped last for a consumer that asks meanwhile."""
        with self._cond:
            while not self._stop.is_set() and (left := due - time.monotonic()) > 0:
                if self._waiting and (frame := self.source.decode_skipped()) is not None:
                    self._latest = frame
                    self.frames_decoded += 1
                    self._cond.notify_all()
                self._cond.wait(left)
