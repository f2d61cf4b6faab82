"""Replaying a video file through the pipeline as fast as it goes (the ``replay`` command and the benchmark)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from detectors.pipeline import FrameResult, Pipeline
from detectors.publisher import Publisher
from detectors.sources import Frame, FrameSource
from ops_center.config import CameraConfig, LineConfig, NoParkingConfig, SpaceConfig, ZoneConfig
from ops_center.records import AlarmRecord, CrossingRecord, SpaceRecord, stable_id


@dataclass(frozen=True, slots=True)
class ReplayStats:
    """What a replay did and how long it took."""

    frames: int
    events: int
    alarms: int
    crossings: int
    space_changes: int
    seconds: float

    @property
    def fps(self) -> float:
        """Frames processed per second, decoding and storing included."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def replay_frames(source: FrameSource, pipeline: Pipeline, publisher: Publisher) -> Iterator[tuple[Frame, FrameResult]]:
    """Process every frame of ``source`` from first to last, publishing events and alarms as they come.

    Yields each frame with what it produced; the publisher's writer sends them on (``close()`` waits for it).
    """
    while (frame := source.read()) is not None:
        result = pipeline.process(frame)
        publisher.publish(result.events, result.alarms, [*result.crossings, *result.space_changes])
        yield frame, result


def replay(
    source: FrameSource,
    pipeline: Pipeline,
    publisher: Publisher,
    on_alarm: Callable[[AlarmRecord], None] | None = None,
    on_crossing: Callable[[CrossingRecord], None] | None = None,
    on_space: Callable[[SpaceRecord], None] | None = None,
    on_frame: Callable[[Frame], None] | None = None,
) -> ReplayStats:
    """Replay the whole of ``source``; the callbacks see each alarm, crossing and space change as it comes,
    and each frame done."""
    frames = events = alarms = crossings = space_changes = 0
    started = time.perf_counter()
    for frame, result in replay_frames(source, pipeline, publisher):
        frames += 1
        events += len(result.events)
        alarms += len(result.alarms)
        crossings += len(result.crossings)
        space_changes += len(result.space_changes)
        for alarm in result.alarms:
            if on_alarm is not None:
                on_alarm(alarm)
        for crossing in result.crossings:
            if on_crossing is not None:
                on_crossing(crossing)
        for change in result.space_changes:
            if on_space is not None:
                on_space(change)
        if on_frame is not None:
            on_frame(frame)
    return ReplayStats(frames, events, alarms, crossings, space_changes, time.perf_counter() - started)


def replay_camera(
    video: Path,
    zones: Sequence[ZoneConfig],
    camera_id: str | None = None,
    lines: Sequence[LineConfig] = (),
    spaces: Sequence[SpaceConfig] = (),
    no_parking: Sequence[NoParkingConfig] = (),
) -> CameraConfig:
    """The camera a replayed file stands for: id from the file name unless given, its zones, lines, spaces and
    no-parking areas."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", video.stem.lower()).strip("-_") or "video"
    return CameraConfig(
        id=camera_id or f"replay-{slug}"[:64], name=video.name, source=str(video), fps=0, zones=list(zones),
        lines=list(lines), spaces=list(spaces), no_parking=list(no_parking),
    )


def replay_run_key(video: Path, camera: CameraConfig) -> str:
    """The same file (path, size, modification time) watched by the same zones, lines, spaces and no-parking
    areas gives the same key."""
    stat = video.stat()
    watched = (*camera.zones, *camera.lines, *camera.spaces, *camera.no_parking)
    rules = json.dumps([r.model_dump(mode="json") for r in watched], sort_keys=True)
    return stable_id("replay", video.resolve(), stat.st_size, stat.st_mtime_ns, rules)
