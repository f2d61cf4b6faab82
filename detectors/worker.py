"""The per-camera worker loop: frames at the camera's rate -> pipeline -> store.

Alarms (with their annotated snapshot) and zone events go through the publisher's outbox; the live
annotated frame goes to the store as often as the wall asks for one (``LIVE_FRAME_PERIOD_S``, 0.4 s:
a tile annotated and encoded more often is never shown) and a heartbeat every two seconds. The loop
never waits on the store: the publisher's writer thread does the writing, and while the store cannot
be reached the heartbeat (when it gets through) says so, with how many alarms wait.
When the model cannot be loaded the worker says so (log and heartbeat) and keeps publishing the
live frames, so the wall shows the camera as "detector unavailable". ``stop()`` (SIGTERM, Ctrl-C)
ends the loop; the worker then drains its outbox and reports itself "stopped".
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from detectors.annotate import FrameRenderer, encode_jpeg
from detectors.model import PersonDetector, inference_threads
from detectors.pipeline import Detector, Pipeline, detector_classes
from detectors.publisher import Publisher
from detectors.shared import BoxFinder, RemoteModel, SharedDetector, detector_address
from detectors.sources import Frame, FrameSource, LiveFeed
from ops_center.config import SiteConfig
from ops_center.config_watch import SiteFileWatch, geometry_update
from ops_center.errors import ConfigError, ModelUnavailable, SourceUnavailable
from ops_center.parking_points import with_drawn_spaces
from ops_center.records import LIVE_FRAME_PERIOD_S, FrameRecord, HeartbeatRecord
from ops_center.store.types import utcnow
from ops_center.vocabulary import CameraState, ModelStatus

log = logging.getLogger(__name__)

HEARTBEAT_PERIOD_S = 2.0
MAIN_FRAME_WAIT_S = 0.5
DETECTOR_UNAVAILABLE = "detector unavailable"


@dataclass
class _Rates:
    """Frames read and processed per second over the last heartbeat period."""

    frames_read: int = 0
    frames_processed: int = 0
    since: float = field(default_factory=time.monotonic)
    last_frame_at: datetime | None = None

    def take(self, read: int, processed: int) -> tuple[float, float]:
        now = time.monotonic()
        span = max(now - self.since, 1e-6)
        rates = ((read - self.frames_read) / span, (processed - self.frames_processed) / span)
        self.frames_read, self.frames_processed, self.since = read, processed, now
        return rates


def outbox_path(config: SiteConfig, camera_id: str) -> Path:
    """The camera's outbox file under the site's data folder."""
    return config.data_dir / "outbox" / f"{camera_id}.sqlite"


class CameraWorker:
    """Runs one camera of a site until ``stop()`` is called or its (non-looping) file ends."""

    def __init__(
        self,
        config: SiteConfig,
        camera_id: str,
        publisher: Publisher | None = None,
        *,
        watch: SiteFileWatch | None = None,
        shared_model: BoxFinder | None = None,
    ) -> None:
        """``publisher``: where the records go; by default the site's store through the camera's outbox.
        ``watch``: the site file, whose new zones, lines and spaces the worker takes while it runs.
        ``shared_model``: the detector this camera asks (the cluster's); by default the host's when ``model.shared``."""
        self.config = config
        self.watch = watch
        self.camera = config.camera(camera_id)
        self.started_at = utcnow()
        self.tz = ZoneInfo(config.site.timezone)
        self.publisher = publisher or Publisher(config.store_url, outbox_path(config, self.camera.id))
        self.renderer = FrameRenderer(self.camera, self.tz)
        self.model_status = ModelStatus.LOADING
        self.model_message = ""
        self.frames_processed = 0
        self._stop = threading.Event()
        self._rates = _Rates()
        self._feed: LiveFeed | None = None
        self._main: LiveFeed | None = None
        self._pipeline: Pipeline | None = None
        self._main_index = -1
        self._frame_size: tuple[int, int] | None = None
        self._shared_model = shared_model

    @property
    def frames_inferred(self) -> int:
        """Processed frames the detector ran on (the others were gated off: nothing moved)."""
        return self._pipeline.gate.inferred if self._pipeline is not None else 0

    @property
    def stopping(self) -> threading.Event:
        """Set once ``stop()`` has been called."""
        return self._stop

    def stop(self) -> None:
        """Ask the loop to end (safe from a signal handler)."""
        self._stop.set()

    def run(self) -> None:
        """Start the camera, loop until stopped, then flush and report "stopped"."""
        cam = self.camera
        log.info("camera %s (%s): starting", cam.id, cam.name)
        self.publisher.sync_cameras([cam])
        self._heartbeat(CameraState.STARTING)
        try:
            source = FrameSource(cam.source, loop=cam.loop)
            detect_source = FrameSource(cam.detect_source, loop=cam.loop) if cam.detect_source else None
        except SourceUnavailable as exc:
            self._heartbeat(CameraState.OFFLINE, str(exc))
            self.publisher.close()
            raise
        self._frame_size = source.size
        try:
            pipeline = self._pipeline = self._load_pipeline(source.size)
        except ConfigError as exc:  # spaces drawn on another picture than this camera's
            self._heartbeat(CameraState.OFFLINE, str(exc))
            for opened in (source, detect_source):
                if opened is not None:
                    opened.close()
            self.publisher.close()
            raise
        # frames to process come from the detect stream where there is one; pictures to show from the main one
        detected = detect_source or source
        self._feed = LiveFeed(detected, every_frame=0 < detected.fps <= cam.fps)  # every frame is due
        self._main = LiveFeed(source) if detect_source is not None else None
        for feed in (self._feed, self._main):
            if feed is not None:
                feed.start()
        why = "stopped"
        try:
            self._loop(self._feed, pipeline)
            if self._feed.finished:
                why = self._feed.source.message or "source ended"
        finally:
            self._feed.stop()
            if self._main is not None:
                self._main.stop()
            # A reader that failed is an outage, not an end: say "offline" and exit non-zero, so the
            # wall and the escalation check see it and the supervisor starts the worker again.
            self._heartbeat(CameraState.OFFLINE if self._feed.failure else CameraState.STOPPED, why)
            self.publisher.close()
            log.info("camera %s: %s", cam.id, why)
        if self._feed.failure:
            raise SourceUnavailable(f"camera {cam.id}: {self._feed.failure}")

    def _load_pipeline(self, frame_size: tuple[int, int]) -> Pipeline | None:
        camera = with_drawn_spaces(self.camera, frame_size)  # spaces drawn in pixels need the frame's size
        model = self.config.model
        classes = detector_classes(camera)
        detector: Detector
        try:
            if self._shared_model is not None or model.shared:  # a shared detector finds, this camera tracks
                remote = self._shared_model or RemoteModel(model, detector_address(self.config.data_dir))
                detector = SharedDetector(model, remote, classes)
            else:
                cameras_on_host = sum(1 for cam in self.config.cameras if cam.enabled)
                detector = PersonDetector(model, classes, threads=inference_threads(model, cameras_on_host))
        except ModelUnavailable as exc:
            self.model_status, self.model_message = ModelStatus.UNAVAILABLE, str(exc)
            log.error("camera %s: %s; %s, publishing live frames only", self.camera.id, exc, DETECTOR_UNAVAILABLE)
            return None
        self.model_status = ModelStatus.OK
        run_key = f"{self.camera.id}@{self.started_at.isoformat()}"
        return Pipeline(camera, detector, run_key, self.config.data_dir / "snapshots", tz=self.tz)

    def _loop(self, feed: LiveFeed, pipeline: Pipeline | None) -> None:
        period = 1.0 / self.camera.fps if self.camera.fps > 0 else 0.0
        last_index = -1
        next_due = next_live = next_beat = time.monotonic()
        while not self._stop.is_set() and not feed.finished:
            now = time.monotonic()
            if now >= next_beat:
                self._heartbeat(feed.source.state, feed.source.message)
                next_beat = now + HEARTBEAT_PERIOD_S
            if self.watch is not None and (changed := self.watch.poll(now)) is not None:
                self._take_geometry(changed, pipeline)
            if period and now < next_due:
                self._stop.wait(min(next_due, next_beat) - now)
                continue
            frame = feed.newest(last_index, timeout_s=min(0.2, max(0.0, next_beat - now)))
            if frame is None:
                continue
            last_index = frame.index
            next_due = max(next_due + period, now) if period else now
            live = now >= next_live
            if live:
                next_live = now + LIVE_FRAME_PERIOD_S
            self._process(frame, pipeline, live)

    def _take_geometry(self, config: SiteConfig, pipeline: Pipeline | None) -> None:
        """Watch the zones, lines and spaces the changed site file gives this camera, from the next frame on."""
        try:
            camera = geometry_update(self.camera, config.camera(self.camera.id))
            if camera is None:
                return
            drawn = with_drawn_spaces(camera, self._frame_size) if self._frame_size else camera
        except ConfigError as exc:
            log.error("camera %s: the changed site file cannot be used, keeping the running zones: %s",
                      self.camera.id, exc)
            return
        self.camera = camera
        self.renderer = FrameRenderer(camera, self.tz)
        if pipeline is not None:
            pipeline.reconfigure(drawn)
        self.publisher.sync_cameras([camera])
        log.info("camera %s: now watching %d zones, %d lines and %d spaces from the changed site file",
                 camera.id, len(drawn.zones), len(drawn.lines), len(drawn.spaces))

    def _picture(self, frame: Frame) -> np.ndarray:
        """What to show for ``frame``: the main stream's next picture when detecting on another stream."""
        if self._main is None:
            return frame.image
        shown = self._main.newest(self._main_index, timeout_s=MAIN_FRAME_WAIT_S)
        if shown is None:  # the main stream is late or down: show what was detected on
            return frame.image
        self._main_index = shown.index
        return shown.image

    def _process(self, frame: Frame, pipeline: Pipeline | None, live: bool) -> None:
        image = None
        result = None
        if pipeline is not None:
            try:
                result = pipeline.process(frame, want_annotated=live, evidence=lambda: self._picture(frame))
            except ModelUnavailable as exc:  # the shared detector is down: carry on, say so, try again next frame
                if self.model_status is ModelStatus.OK:
                    log.error("camera %s: %s", self.camera.id, exc)
                self.model_status, self.model_message = ModelStatus.UNAVAILABLE, str(exc)
            else:
                self.model_status, self.model_message = ModelStatus.OK, ""
        if result is None:
            if live:
                image = self.renderer.render(self._picture(frame), [], frame.captured_at, banner=DETECTOR_UNAVAILABLE)
        else:
            self.publisher.publish(result.events, result.alarms, [*result.crossings, *result.space_changes])
            for alarm in result.alarms:
                log.warning("ALARM %s: %s, track %s, snapshot %s", alarm.id, alarm.title, alarm.track_id,
                            alarm.snapshot_path)
            image = result.annotated
        self.frames_processed += 1
        self._rates.last_frame_at = frame.captured_at
        if live and image is not None:
            h, w = image.shape[:2]
            jpeg = encode_jpeg(image, 75)
            self.publisher.frame(
                FrameRecord(camera_id=self.camera.id, jpeg=jpeg, width=w, height=h, captured_at=frame.captured_at)
            )

    def _heartbeat(self, status: CameraState, message: str = "") -> None:
        read = self._feed.frames_read if self._feed is not None else 0
        fps_read, fps_processed = self._rates.take(read, self.frames_processed)
        store = self.publisher.status()
        notes = [m for m in (message, self.model_message, store.note) if m]
        now = utcnow()
        self.publisher.heartbeat(
            HeartbeatRecord(
                camera_id=self.camera.id,
                status=status,
                model_status=self.model_status,
                message="; ".join(notes),
                fps_read=round(fps_read, 2),
                fps_processed=round(fps_processed, 2),
                frames_read=read,
                frames_processed=self.frames_processed,
                frames_inferred=self.frames_inferred,
                last_frame_at=self._rates.last_frame_at,
                started_at=self.started_at,
                updated_at=now,
                host=socket.gethostname(),
                pid=os.getpid(),
                store_reachable=store.reachable,
                alarms_waiting=store.alarms_waiting,
            )
        )
