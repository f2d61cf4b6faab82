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
from ops_center.auth.tokens import create_token, list_tokens, revoke_token, verify_token
from ops_center.auth.users import (
    authenticate,
    create_user,
    generate_password,
    list_users,
    load_principal,
    set_active,
    set_password,
)

__all__ = [
    "ALARM_ACTIONS",
    "PERMISSIONS",
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
    "generate_password",
    "list_tokens",
    "list_users",
    "load_principal",
    "require",
    "revoke_token",
    "set_active",
    "set_password",
    "verify_token",
]
