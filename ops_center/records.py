"""Plain records that travel from a camera worker (or a sensor) to the store.

They serialise to JSON, so a worker can keep them in its outbox while the store is down and post
them again later: each carries a stable id, and the store keeps the first copy of each id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ops_center.vocabulary import AlarmKind, CameraState, ModelStatus, Severity

_NAMESPACE = uuid.UUID("6f1c9c1e-3d7e-4b2a-9a55-0c0de0ca11ed")

# How often the wall asks for each camera's live frame; a worker sends one no more often than that.
LIVE_FRAME_PERIOD_S = 0.4


def stable_id(*parts: object) -> str:
    """A UUID derived from ``parts``: the same parts always give the same id."""
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(p) for p in parts)))


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, ser_json_bytes="base64", val_json_bytes="base64"
    )


class EventRecord(_Record):
    """A detection event: a person entered or left a zone, or an alarm was raised."""

    id: str
    camera_id: str
    zone_name: str | None = None
    kind: Literal["zone_enter", "zone_alarm", "zone_exit"]
    track_id: int | None = None
    occurred_at: AwareDatetime
    frame_index: int | None = None
    t_s: float | None = None
    confidence: float | None = None
    box: tuple[float, float, float, float] | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class AlarmRecord(_Record):
    """A new operator alarm, with its evidence snapshot (JPEG bytes, base64 in JSON)."""

    id: str
    kind: AlarmKind
    severity: Severity
    title: str
    raised_at: AwareDatetime
    camera_id: str | None = None
    zone_name: str | None = None
    place: str = ""
    source_event_id: str | None = None
    track_id: int | None = None
    frame_index: int | None = None
    t_s: float | None = None
    snapshot_path: str | None = None
    snapshot_jpeg: bytes | None = Field(default=None, repr=False)
    snapshot_size: tuple[int, int] | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class HeartbeatRecord(_Record):
    """A camera worker's health: frames read and processed per second, last frame, model status."""

    camera_id: str
    status: CameraState
    model_status: ModelStatus
    message: str = ""
    fps_read: float = 0.0
    fps_processed: float = 0.0
    frames_read: int = 0
    frames_processed: int = 0
    frames_inferred: int = Field(0, description="processed frames the detector ran on (the rest: motion gating)")
    last_frame_at: datetime | None = None
    started_at: AwareDatetime
    updated_at: AwareDatetime
    host: str = ""
    pid: int | None = None
    store_reachable: bool = True
    alarms_waiting: int = 0


class FrameRecord(_Record):
    """The latest annotated frame of a camera, JPEG-encoded, for the live tiles."""

    camera_id: str
    jpeg: bytes = Field(repr=False)
    width: int
    height: int
    captured_at: AwareDatetime


class CrossingRecord(_Record):
    """A person crossed a counting line: one count in or out for the line's merchant (or entrance)."""

    id: str
    camera_id: str
    line_name: str
    merchant_id: str | None = None
    direction: Literal["in", "out"]
    track_id: int
    occurred_at: AwareDatetime
    frame_index: int | None = None
    t_s: float | None = None


class SpaceRecord(_Record):
    """A parking space seen by a camera became taken or free."""

    id: str
    camera_id: str
    space_id: str
    occupied: bool
    occurred_at: AwareDatetime
    frame_index: int | None = None
    t_s: float | None = None
