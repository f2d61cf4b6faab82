"""One detector per host, shared by its cameras.

``DetectorServer`` (the ``ops-center detector`` process) loads the model once, with the host's
inference threads, and serves the camera workers over a Unix socket in the site's data directory:
a camera sends a frame, the server answers with the boxes Ultralytics' predictor found in it.
Frames from several cameras that wait at the same time go through one ``predict`` call (up to
``max_batch``). Tracking stays in each camera (``SharedDetector`` = ``RemoteModel`` +
``PersonTracker``), so a camera's tracks never mix with another's.

A camera process that dies only closes its connection; the server serves the others. When the
server dies, each camera's next request fails with ``ModelUnavailable`` and the camera carries on
without detections (saying so) and connects again, with backoff, once the supervisor has started
a new server.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Client, Connection, Listener, wait
from pathlib import Path
from typing import Protocol

import numpy as np

from detectors.backoff import Backoff
from detectors.detection import PERSON, Detection
from detectors.model import PersonModel, PersonTracker
from ops_center.config import ModelConfig
from ops_center.errors import ModelUnavailable

log = logging.getLogger(__name__)

SOCKET_NAME = "detector.sock"
REPLY_TIMEOUT_S = 30.0


def detector_address(data_dir: Path) -> str:
    """Where a site's shared detector listens: a Unix socket in its data directory (Linux's abstract
    namespace, named after that directory, where the path is too long for a socket)."""
    path = str(Path(data_dir).resolve() / SOCKET_NAME)
    if len(path.encode()) < 100:
        return path
    return "\0ops-center-detector-" + hashlib.sha1(path.encode()).hexdigest()[:16]


class DetectorServer:
    """Serves a ``PersonModel`` to the cameras that connect to ``address``, batching waiting frames."""

    def __init__(self, model: PersonModel, address: str, max_batch: int = 8) -> None:
        self.model = model
        self.address = address
        self.max_batch = max_batch
        self.batches: list[int] = []  # the size of each inference, for the log and the tests
        self._conns: list[Connection] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        if not address.startswith("\0") and os.path.exists(address):  # left by a server that died
            os.unlink(address)
        self._listener = Listener(address, family="AF_UNIX")

    def serve(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Accept cameras and answer their frames until ``stop()`` is true."""
        threading.Thread(target=self._accept, name="detector-accept", daemon=True).start()
        try:
            while not stop() and not self._stop.is_set():
                with self._lock:
                    conns = list(self._conns)
                if not conns:
                    time.sleep(0.05)
                    continue
                ready = wait(conns, timeout=0.2)
                requests = [r for c in ready if isinstance(c, Connection) and (r := self._receive(c)) is not None]
                for start in range(0, len(requests), self.max_batch):
                    self._answer(requests[start : start + self.max_batch])
        finally:
            self.close()

    def close(self) -> None:
        """Stop accepting and drop every connection."""
        self._stop.set()
        self._listener.close()
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        if not self.address.startswith("\0") and os.path.exists(self.address):
            os.unlink(self.address)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self._listener.accept()
            except OSError:  # closed
                return
            with self._lock:
                self._conns.append(conn)

    def _receive(self, conn: Connection) -> tuple[Connection, np.ndarray, tuple[int, ...]] | None:
        try:
            image, classes = conn.recv()
        except (EOFError, OSError):  # the camera process ended
            with self._lock:
                self._conns.remove(conn)
            conn.close()
            return None
        return conn, image, tuple(classes)

    def _answer(self, requests: list[tuple[Connection, np.ndarray, tuple[int, ...]]]) -> None:
        found, sizes = predict_batch(self.model, [image for _, image, _ in requests], [c for _, _, c in requests])
        self.batches.extend(sizes)
        for (conn, _, _), boxes in zip(requests, found, strict=True):
            with contextlib.suppress(OSError):  # the camera went away while its frame was inferred
                conn.send(boxes)


def predict_batch(
    model: PersonModel, images: Sequence[np.ndarray], classes: Sequence[tuple[int, ...]]
) -> tuple[list[np.ndarray], list[int]]:
    """Boxes for each image (``images[i]`` looked at for ``classes[i]``), in order: one ``predict`` per
    set of classes asked for. Also returns the size of each of those inferences."""
    by_classes: dict[tuple[int, ...], list[int]] = {}
    for i, wanted in enumerate(classes):
        by_classes.setdefault(tuple(wanted), []).append(i)
    found: list[np.ndarray] = [np.empty((0, 0))] * len(images)
    for wanted, indices in by_classes.items():
        for i, boxes in zip(indices, model.predict([images[i] for i in indices], wanted), strict=True):
            found[i] = boxes
    return found, [len(indices) for indices in by_classes.values()]


class RemoteModel:
    """The model of the host's ``DetectorServer``, as a ``PersonModel`` looks to a camera."""

    def __init__(self, config: ModelConfig, address: str, backoff: Backoff | None = None) -> None:
        self.config = config
        self.address = address
        self._conn: Connection | None = None
        self._backoff = backoff or Backoff(initial_s=0.5, max_s=5.0)
        self._retry_at = 0.0

    def predict(self, images: Sequence[np.ndarray], classes: Sequence[int] = (PERSON,)) -> list[np.ndarray]:
        """Boxes for each image, from the shared detector; ``ModelUnavailable`` while it cannot be reached."""
        return [self._one(image, classes) for image in images]

    def close(self) -> None:
        """Drop the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _one(self, image: np.ndarray, classes: Sequence[int]) -> np.ndarray:
        conn = self._connect()
        try:
            conn.send((image, tuple(classes)))
            if not conn.poll(REPLY_TIMEOUT_S):
                raise TimeoutError(f"no answer within {REPLY_TIMEOUT_S:g} s")
            boxes: np.ndarray = conn.recv()
        except (EOFError, OSError, TimeoutError) as exc:
            self.close()
            self._retry_at = time.monotonic() + self._backoff.next_delay()
            raise ModelUnavailable(f"shared detector at {self.address} went away: {exc or type(exc).__name__}") from None
        self._backoff.reset()
        return boxes

    def _connect(self) -> Connection:
        if self._conn is not None:
            return self._conn
        if time.monotonic() < self._retry_at:
            raise ModelUnavailable(f"shared detector at {self.address} not reachable; retrying")
        try:
            self._conn = Client(self.address, family="AF_UNIX")
        except OSError as exc:
            self._retry_at = time.monotonic() + self._backoff.next_delay()
            raise ModelUnavailable(f"shared detector at {self.address} not reachable: {exc.strerror or exc}") from None
        return self._conn


class BoxFinder(Protocol):
    """A model shared by several cameras, as one of them asks it (``RemoteModel``, or the cluster's
    ``detectors.cluster.ServedModel``): boxes for each image, ``ModelUnavailable`` while it is down."""

    def predict(self, images: Sequence[np.ndarray], classes: Sequence[int] = ...) -> list[np.ndarray]: ...


class SharedDetector:
    """A camera's detector on a shared model: the shared model finds, this camera tracks."""

    def __init__(self, config: ModelConfig, remote: BoxFinder, classes: Sequence[int] = (PERSON,)) -> None:
        """``remote``: the shared model, e.g. ``RemoteModel(config, detector_address(data_dir))`` on one host."""
        self.classes = tuple(classes)
        self.remote = remote
        self.tracker = PersonTracker(config)

    def track(self, image: np.ndarray) -> list[Detection]:
        """Tracked objects in ``image``; ``ModelUnavailable`` while the shared detector is down."""
        return self.tracker.update(self.remote.predict([image], self.classes)[0], image)

    def seen(self) -> list[Detection]:
        """Every object the last frame showed, tracks not yet confirmed too (untracked: no track id)."""
        return self.tracker.seen
