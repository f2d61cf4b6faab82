"""The words the domains share: the closed sets (string enums) the store, the records, the queries
and the pages spell alike, and the simulator's source name.

One place for each set, so ingestion, the workers, the simulator, the queries and the pages agree;
the pages name every member in both languages (``layouts.i18n.TERMS``). The alarm lifecycle's
``Status`` lives with its transition table in ``ops_center.lifecycle``.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How loud an alarm is, in rising order; escalation raises an unacknowledged one a step."""

    WARNING = "warning"
    CRITICAL = "critical"
    EMERGENCY = "emergency"

    def raised(self) -> Severity:
        """One step up (warning -> critical -> emergency); the top stays the top."""
        ladder = list(Severity)
        return ladder[min(ladder.index(self) + 1, len(ladder) - 1)]

    def at_least(self) -> tuple[Severity, ...]:
        """This severity and every louder one."""
        ladder = list(Severity)
        return tuple(ladder[ladder.index(self):])


class AlarmKind(StrEnum):
    """What raised an operator alarm."""

    DANGER_ZONE = "danger_zone"
    NO_PARKING = "no_parking"
    CAMERA_OFFLINE = "camera_offline"
    WORKER_SILENT = "worker_silent"
    FIRE = "fire"


class CameraState(StrEnum):
    """What a camera worker reports about its source in each heartbeat."""

    STARTING = "starting"
    ONLINE = "online"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    STOPPED = "stopped"


class ModelStatus(StrEnum):
    """Whether a camera worker's detector runs."""

    LOADING = "loading"
    OK = "ok"
    UNAVAILABLE = "unavailable"


class CameraHealthState(StrEnum):
    """A camera as the wall shows it, from its latest heartbeat and that heartbeat's age."""

    ONLINE = "online"
    STARTING = "starting"
    RECONNECTING = "reconnecting"
    DETECTOR_UNAVAILABLE = "detector_unavailable"
    OFFLINE = "offline"


class FireState(StrEnum):
    """Fire-panel signal states: supervisory = a protection feature impaired, trouble = a fault."""

    NORMAL = "normal"
    ALARM = "alarm"
    PRE_ALARM = "pre_alarm"
    SUPERVISORY = "supervisory"
    TROUBLE = "trouble"
    DISABLED = "disabled"


class Congestion(StrEnum):
    """How busy an access road is, from free to jammed: a traffic reading's 0..4, in that order."""

    FREE = "free"
    LIGHT = "light"
    MODERATE = "moderate"
    HEAVY = "heavy"
    JAMMED = "jammed"

    @classmethod
    def of(cls, reading: int) -> Congestion:
        """The level of a reading's congestion figure (0 free .. 4 jammed; outside that, the nearer end)."""
        ladder = list(cls)
        return ladder[max(0, min(reading, len(ladder) - 1))]


class GuardStatus(StrEnum):
    """Where a guard on the roster is."""

    ON_PATROL = "on_patrol"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    OFF_DUTY = "off_duty"


class BusinessFormat(StrEnum):
    """What a merchant does, as leasing and footfall analytics compare shops (业态); a site's finer
    category (bakery, hotpot, pharmacy) stays the merchant's free-text ``category``."""

    CATERING = "catering"
    RETAIL = "retail"
    SERVICES = "services"
    EDUCATION = "education"
    ENTERTAINMENT = "entertainment"
    FITNESS = "fitness"
    HEALTH = "health"
    FINANCE = "finance"


GUARD_STATUSES: tuple[GuardStatus, ...] = (
    GuardStatus.DISPATCHED,
    GuardStatus.ON_SCENE,
    GuardStatus.ON_PATROL,
    GuardStatus.OFF_DUTY,
)
"""Guard statuses in the order the wall lists them: busy guards first."""

SIMULATOR_SOURCE = "sim"
"""The source name the demo simulator writes into footfall and parking counts (reserved)."""
CAMERA_COUNT_SOURCE = "camera"
"""The source of the parking counts that spaces watched by cameras add (any other is a gate counter)."""
