"""The duty shift on at a given local time (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from ops_center.config import Shift


def current_shift(shifts: Sequence[Shift], local_time: time) -> Shift:
    """The shift with the latest start at or before ``local_time``; before the first start of the
    day, the shift that started last the evening before."""
    ordered = sorted(shifts, key=lambda s: s.start)
    started = [s for s in ordered if s.start <= local_time]
    return started[-1] if started else ordered[-1]
