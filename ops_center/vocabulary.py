"""The words the domains share: fire signal states, guard statuses, the simulator's source name.

One place for each list, so ingestion, the simulator, the queries and the pages agree.
"""

from __future__ import annotations

from enum import StrEnum

FIRE_STATES: tuple[str, ...] = ("normal", "alarm", "pre_alarm", "supervisory", "trouble", "disabled")
"""Fire-panel signal states: supervisory = a protection feature impaired, trouble = a fault."""


class GuardStatus(StrEnum):
    """Where a guard on the roster is."""

    ON_PATROL = "on_patrol"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    OFF_DUTY = "off_duty"


GUARD_STATUSES: tuple[str, ...] = (
    GuardStatus.DISPATCHED,
    GuardStatus.ON_SCENE,
    GuardStatus.ON_PATROL,
    GuardStatus.OFF_DUTY,
)
"""Guard statuses in the order the wall lists them: busy guards first."""

SIMULATOR_SOURCE = "sim"
"""The source name the demo simulator writes into footfall and parking counts (reserved)."""
