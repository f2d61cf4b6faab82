"""Cameras panel: each camera's health from its worker's heartbeat, and its latest live frame."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, union
from sqlalchemy.orm import Session

from ops_center.queries.common import ReadContext, Stamp
from ops_center.store.models import Camera, CameraFrame, CameraHeartbeat
from ops_center.vocabulary import CameraHealthState, CameraState, ModelStatus

CAMERAS_SHOWN = 32


@dataclass(frozen=True)
class CameraHealth:
    """One camera as the wall shows it: state, processed frame rate, age of heartbeat and frame."""

    camera_id: str
    name: str
    place: str
    state: CameraHealthState
    message: str
    fps_processed: float
    heartbeat: Stamp
    last_frame: Stamp
    has_frame: bool
    store_reachable: bool = True
    alarms_waiting: int = 0

    @property
    def needs_attention(self) -> bool:
        """True when the camera does not deliver what it should (its alarms included)."""
        return self.state not in (CameraHealthState.ONLINE, CameraHealthState.STARTING) or not self.store_reachable


def camera_state(
    status: CameraState | None,
    model_status: ModelStatus | None,
    heartbeat_age_s: float | None,
    offline_after_s: float,
) -> CameraHealthState:
    """Classify a camera from its latest heartbeat (None when it never reported) and its age."""
    if status is None or heartbeat_age_s is None or heartbeat_age_s > offline_after_s:
        return CameraHealthState.OFFLINE
    if status in (CameraState.OFFLINE, CameraState.STOPPED):
        return CameraHealthState.OFFLINE
    if status == CameraState.RECONNECTING:
        return CameraHealthState.RECONNECTING
    if model_status == ModelStatus.UNAVAILABLE:
        return CameraHealthState.DETECTOR_UNAVAILABLE
    if status == CameraState.STARTING or model_status == ModelStatus.LOADING:
        return CameraHealthState.STARTING
    return CameraHealthState.ONLINE


def camera_health(
    session: Session, ctx: ReadContext, offline_after_s: float, limit: int = CAMERAS_SHOWN
) -> list[CameraHealth]:
    """The known cameras (configured and enabled, or reporting), the first ``limit`` by id."""
    ids = union(select(Camera.id.label("id")), select(CameraHeartbeat.camera_id.label("id"))).subquery()
    stmt = (
        select(ids.c.id, Camera, CameraHeartbeat, CameraFrame.captured_at)
        .outerjoin(Camera, Camera.id == ids.c.id)
        .outerjoin(CameraHeartbeat, CameraHeartbeat.camera_id == ids.c.id)
        .outerjoin(CameraFrame, CameraFrame.camera_id == ids.c.id)
        .where(or_(Camera.enabled.is_(None), Camera.enabled.is_(True)))
        .order_by(ids.c.id)
        .limit(limit)
    )
    out = []
    for camera_id, camera, beat, frame_at in session.execute(stmt):
        heartbeat = ctx.stamp(beat.updated_at if beat else None, "cameras")
        out.append(
            CameraHealth(
                camera_id=camera_id,
                name=camera.name if camera else camera_id,
                place=camera.place if camera else "",
                state=camera_state(
                    beat.status if beat else None,
                    beat.model_status if beat else None,
                    heartbeat.age_s,
                    offline_after_s,
                ),
                message=beat.message if beat else "",
                fps_processed=beat.fps_processed if beat else 0.0,
                heartbeat=heartbeat,
                last_frame=ctx.stamp(frame_at or (beat.last_frame_at if beat else None), "cameras"),
                has_frame=frame_at is not None,
                store_reachable=beat.store_reachable if beat else True,
                alarms_waiting=beat.alarms_waiting if beat else 0,
            )
        )
    return out


def latest_frame_jpeg(session: Session, camera_id: str) -> bytes | None:
    """The latest annotated frame of a camera as JPEG, or None."""
    return session.scalar(select(CameraFrame.jpeg).where(CameraFrame.camera_id == camera_id))
