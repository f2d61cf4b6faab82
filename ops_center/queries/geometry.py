"""What the zone editor reads: the size of a camera's latest frame and the audit trail of its geometry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ops_center.camera_geometry import Kind, changes
from ops_center.store.models import CameraFrame, GeometryChange

CHANGES_SHOWN = 10


@dataclass(frozen=True)
class GeometryChangeRow:
    """One save of the editor: who, when, and what it added, changed or removed (kind, name, verb)."""

    at: datetime
    actor: str
    changes: tuple[tuple[Kind, str, str], ...]


def frame_size(session: Session, camera_id: str) -> tuple[int, int] | None:
    """The width and height of the camera's latest live frame, or None before its first."""
    row = session.execute(select(CameraFrame.width, CameraFrame.height).where(CameraFrame.camera_id == camera_id)).first()
    return None if row is None else (row.width, row.height)


def geometry_changes(session: Session, camera_id: str, limit: int = CHANGES_SHOWN) -> list[GeometryChangeRow]:
    """The camera's latest saves in the editor, newest first."""
    rows = session.scalars(select(GeometryChange).where(GeometryChange.camera_id == camera_id)
                           .order_by(GeometryChange.id.desc()).limit(limit))
    return [GeometryChangeRow(r.at, r.actor, tuple(changes(r.before, r.after))) for r in rows]
