"""Who may do what: roles, actions and one permission table (pure: no I/O).

Every route and every callback asks ``can(role, action)`` on the server; pages may hide what a role
cannot do, but hiding is never the check. Acting on one alarm has a second rule on top of the
table (a guard acts only on his own dispatches), enforced by ``ops_center.alarm_actions.act``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ops_center.errors import InputError, OpsError
from ops_center.lifecycle import Status


class Role(StrEnum):
    """A role of a person (operator, guard, manager, admin, resident), of a machine (worker, sensor),
    or the anonymous visitor of a site that publishes its residents' page (public)."""

    OPERATOR = "operator"
    GUARD = "guard"
    MANAGER = "manager"
    ADMIN = "admin"
    RESIDENT = "resident"
    WORKER = "worker"
    SENSOR = "sensor"
    PUBLIC = "public"


USER_ROLES: tuple[Role, ...] = (Role.OPERATOR, Role.GUARD, Role.MANAGER, Role.ADMIN, Role.RESIDENT)
TOKEN_ROLES: tuple[Role, ...] = (Role.WORKER, Role.SENSOR)


class Action(StrEnum):
    """Something a route or a callback does on behalf of a user or a token."""

    VIEW_WALL = "wall.view"
    VIEW_CONSOLE = "console.view"
    VIEW_GUARD_PAGE = "guard_page.view"
    VIEW_ANALYTICS = "analytics.view"
    VIEW_REPORTS = "reports.view"
    EXPORT_CSV = "analytics.export"
    ALARM_ACKNOWLEDGE = "alarm.acknowledge"
    ALARM_DISPATCH = "alarm.dispatch"
    ALARM_ON_SCENE = "alarm.on_scene"
    ALARM_RESOLVE = "alarm.resolve"
    ALARM_FALSE_ALARM = "alarm.false_alarm"
    ALARM_NOTE = "alarm.note"
    MANAGE_USERS = "users.manage"
    MANAGE_TOKENS = "tokens.manage"
    MANAGE_CAMERAS = "cameras.manage"
    MANAGE_NOTICES = "notices.manage"
    VIEW_RESIDENTS = "residents.view"
    FIND_SPACE = "parking.find_space"  # the walking route to a space number: maps only, no store data
    FIND_CAR = "parking.find_car"  # also by plate: where a given car is parked
    INGEST_CAMERA = "ingest.camera"
    INGEST_SENSOR = "ingest.sensor"


_ALARM_WORK = frozenset(
    {
        Action.ALARM_ACKNOWLEDGE,
        Action.ALARM_DISPATCH,
        Action.ALARM_ON_SCENE,
        Action.ALARM_RESOLVE,
        Action.ALARM_FALSE_ALARM,
        Action.ALARM_NOTE,
    }
)

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.OPERATOR: _ALARM_WORK
    | {Action.VIEW_WALL, Action.VIEW_CONSOLE, Action.VIEW_ANALYTICS, Action.VIEW_REPORTS, Action.VIEW_RESIDENTS,
       Action.FIND_SPACE, Action.FIND_CAR},
    Role.GUARD: frozenset(
        {Action.VIEW_GUARD_PAGE, Action.ALARM_ON_SCENE, Action.ALARM_RESOLVE, Action.ALARM_NOTE}
    ),
    Role.MANAGER: frozenset({Action.VIEW_WALL, Action.VIEW_ANALYTICS, Action.VIEW_REPORTS, Action.EXPORT_CSV,
                             Action.VIEW_RESIDENTS, Action.FIND_SPACE, Action.FIND_CAR}),
    Role.ADMIN: frozenset(Action) - {Action.INGEST_CAMERA, Action.INGEST_SENSOR},
    Role.RESIDENT: frozenset({Action.VIEW_RESIDENTS, Action.FIND_SPACE, Action.FIND_CAR}),
    Role.WORKER: frozenset({Action.INGEST_CAMERA}),
    Role.SENSOR: frozenset({Action.INGEST_SENSOR}),
    Role.PUBLIC: frozenset({Action.VIEW_RESIDENTS, Action.FIND_SPACE}),
}

ALARM_ACTIONS: dict[Status, Action] = {
    Status.ACKNOWLEDGED: Action.ALARM_ACKNOWLEDGE,
    Status.DISPATCHED: Action.ALARM_DISPATCH,
    Status.ON_SCENE: Action.ALARM_ON_SCENE,
    Status.RESOLVED: Action.ALARM_RESOLVE,
    Status.FALSE_ALARM: Action.ALARM_FALSE_ALARM,
}


class PermissionDenied(OpsError):
    """The acting user or token may not do this."""


@dataclass(frozen=True)
class Principal:
    """Whoever acts: a logged-in user (guards carry their roster id) or an API token."""

    name: str
    role: Role
    guard_id: str | None = None


VISITOR = Principal(name="visitor", role=Role.PUBLIC)
"""The anonymous visitor of a site that publishes its residents' page (``residents.public``)."""


def can(role: str, action: str) -> bool:
    """True when ``role`` may perform ``action``; unknown roles and actions may do nothing."""
    try:
        return Action(action) in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def require(principal: Principal, action: Action) -> None:
    """Raise ``PermissionDenied`` naming who and what, unless the permission table allows it."""
    if not can(principal.role, action):
        raise PermissionDenied(f"{principal.name} ({principal.role.value}) may not {action.value}")


def parse_role(value: str, allowed: tuple[Role, ...], where: str) -> Role:
    """``value`` as one of the ``allowed`` roles, or an ``InputError`` naming ``where`` and the choices."""
    if value in allowed:
        return Role(value)
    raise InputError(f"{where}: unknown role {value!r}; choose one of: {', '.join(r.value for r in allowed)}")
