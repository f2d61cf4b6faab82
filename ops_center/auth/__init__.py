"""Users, roles, API tokens and the permission table every route and callback asks."""

from ops_center.auth.permissions import (
    ALARM_ACTIONS,
    PERMISSIONS,
    TOKEN_ROLES,
    USER_ROLES,
    Action,
    PermissionDenied,
    Principal,
    Role,
    can,
    require,
)
from ops_center.auth.sessions import (
    SESSION_IDLE,
    SESSION_MAX_AGE,
    end_session,
    end_sessions,
    session_user,
    start_session,
)
from ops_center.auth.tokens import create_token, list_tokens, revoke_token, verify_token
from ops_center.auth.users import (
    authenticate,
    create_user,
    generate_password,
    list_users,
    load_principal,
    log_out_everywhere,
    set_active,
    set_password,
)

__all__ = [
    "ALARM_ACTIONS",
    "PERMISSIONS",
    "SESSION_IDLE",
    "SESSION_MAX_AGE",
    "TOKEN_ROLES",
    "USER_ROLES",
    "Action",
    "PermissionDenied",
    "Principal",
    "Role",
    "authenticate",
    "can",
    "create_token",
    "create_user",
    "end_session",
    "end_sessions",
    "generate_password",
    "list_tokens",
    "list_users",
    "load_principal",
    "log_out_everywhere",
    "require",
    "revoke_token",
    "session_user",
    "set_active",
    "set_password",
    "start_session",
    "verify_token",
]
