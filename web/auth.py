"""Login on every page and every data route: signed session cookies, argon2 passwords, API tokens.

``install_auth`` puts a gate in front of every Flask route of the Dash server (pages, Dash's own
``/_dash-*`` data routes, assets, media): a person logs in at ``/login`` and carries a session
cookie signed with the secret from the environment; a worker or sensor sends
``Authorization: Bearer <token>``, accepted under ``/api/`` only. Pages named in ``page_actions``
also need that permission; callbacks call ``require_action`` on the server before they act. A site
that publishes its residents' page lets anonymous requests for the paths ``public_paths`` accepts
through as ``VISITOR``, whose role may open that page and nothing else.
"""

from __future__ import annotations

import hmac
import html
import os
import secrets
from collections.abc import Callable, Mapping
from urllib.parse import urlencode, urlsplit

import flask
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from ops_center.auth import (
    SESSION_IDLE,
    VISITOR,
    Action,
    Principal,
    authenticate,
    can,
    end_session,
    load_principal,
    prepare_login_checks,
    session_user,
    start_session,
    verify_token,
)
from ops_center.errors import ConfigError
from ops_center.store.db import Store
from ops_center.store.types import utcnow
from web.throttle import BUSY_RETRY_S, password_check_slot, throttled_login

SECRET_ENV = "OPS_SECRET_KEY"
MIN_SECRET_LENGTH = 32
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
TOKEN_PATH_PREFIX = "/api/"
SESSION_KEY = "sid"  # the cookie holds only the server-side session's id (ops_center.auth.sessions)
CSRF_KEY = "csrf_token"  # the login form's token: in the form and in the (signed) cookie before login


def secret_key_from_env(env: Mapping[str, str] | None = None) -> str:
    """The session-signing secret from ``OPS_SECRET_KEY``, or a ``ConfigError`` saying how to set it."""
    value = (os.environ if env is None else env).get(SECRET_ENV, "")
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"environment variable {SECRET_ENV} must hold a secret of at least {MIN_SECRET_LENGTH} characters "
            "(make one: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return value


def install_auth(
    server: flask.Flask,
    store: Store,
    secret_key: str,
    *,
    page_actions: Mapping[str, Action] | None = None,
    secure_cookie: bool = False,
    public_paths: Callable[[str], bool] | None = None,
    limits_storage: str = "memory://",
) -> None:
    """Require a login (or, under ``/api/``, a token) for every route of ``server``.

    ``page_actions`` maps a page path (``/console``; it also covers ``/console/...``) to the action
    a user needs to open it. Anonymous page requests are redirected to the login form; anonymous
    data requests get 401, and a user without the permission gets 403 (a browser loading a page he
    may not open is sent to the first page of ``page_actions`` he may open instead). Sessions live on
    the server (``ops_center.auth.sessions``); ``secure_cookie`` makes browsers send the cookie over
    HTTPS only (a site behind an HTTPS proxy). An anonymous request for a path that ``public_paths``
    accepts is made by ``VISITOR`` (a published residents' page and what it loads); any other still
    needs a login. Failed sign-ins are counted in ``limits_storage`` (``web.throttle``).
    """
    secret_key_from_env({SECRET_ENV: secret_key})  # same length rule as the environment
    prepare_login_checks()
    server.secret_key = secret_key
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookie,
        PERMANENT_SESSION_LIFETIME=SESSION_IDLE,
    )
    pages = dict(page_actions or {})

    def gate() -> Response | tuple[Response, int] | None:
        if flask.request.path in (LOGIN_PATH, LOGOUT_PATH):
            return None
        principal = _principal_of_request(store)
        if principal is None and public_paths is not None and public_paths(flask.request.path):
            principal = VISITOR
        wants_page = flask.request.method == "GET" and "text/html" in flask.request.headers.get("Accept", "")
        if principal is None:
            if wants_page:
                return flask.redirect(f"{LOGIN_PATH}?{urlencode({'next': flask.request.full_path.rstrip('?')})}")
            return flask.jsonify(error="login required"), 401
        flask.g.principal = principal
        action = page_action(flask.request.path, pages)
        if action is not None and not can(principal.role, action):
            home = next((page for page, needed in pages.items() if can(principal.role, needed)), None)
            if wants_page and home is not None:  # a guard who opens the wall lands on his own page
                return flask.redirect(home)
            return flask.jsonify(error=f"{principal.name} ({principal.role.value}) may not {action.value}"), 403
        return None

    server.before_request(gate)

    def login() -> Response:
        return _login(store, pages)

    def too_many(retry_after_s: int) -> flask.Response:
        next_path = safe_next(flask.request.form.get("next"), pages)
        wait = f"请 {retry_after_s} 秒后再试。Try again in {retry_after_s} s."
        message = f"尝试次数过多，{wait} Too many failed sign-ins."
        return flask.make_response(_login_page(next_path, message), 429, {"Retry-After": str(retry_after_s)})

    throttled = throttled_login(server, login, too_many, limits_storage)
    server.add_url_rule(LOGIN_PATH, "ops_login", throttled, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT_PATH, "ops_logout", lambda: _logout(store), methods=["GET", "POST"])


def current_principal() -> Principal | None:
    """Who makes the current request (set by the gate), or ``None`` outside a request."""
    return flask.g.get("principal") if flask.has_request_context() else None


def require_action(action: Action) -> Principal:
    """The current user when the permission table lets him do ``action``; else HTTP 403."""
    principal = current_principal()
    if principal is None or not can(principal.role, action):
        who = f"{principal.name} ({principal.role.value})" if principal else "nobody"
        raise Forbidden(f"{who} may not {action.value}")
    return principal


def page_action(path: str, pages: Mapping[str, Action]) -> Action | None:
    """The action needed for ``path``: its own entry, else the longest page it lies under (``/`` only
    covers itself)."""
    path = path.rstrip("/") or "/"
    for page in sorted(pages, key=len, reverse=True):
        if path == page or (page != "/" and path.startswith(page.rstrip("/") + "/")):
            return pages[page]
    return None


def _principal_of_request(store: Store) -> Principal | None:
    header = flask.request.headers.get("Authorization", "")
    with store.session() as session:
        if header.startswith("Bearer ") and flask.request.path.startswith(TOKEN_PATH_PREFIX):
            return verify_token(session, header.removeprefix("Bearer ").strip())
        session_id = flask.session.get(SESSION_KEY)
        username = session_user(session, session_id, utcnow()) if isinstance(session_id, str) else None
        return load_principal(session, username) if username is not None else None


def safe_next(target: str | None, pages: Mapping[str, Action]) -> str:
    """``target`` when it is a path of one of this app's ``pages`` (or below one), else ``/``.

    Refused: anything with whitespace or control characters (browsers drop a tab or a newline, so
    ``/\t/evil.example`` would become ``//evil.example``), a backslash, no leading slash or two of
    them, and paths that name no page.
    """
    if (
        not target
        or any(c.isspace() or not c.isprintable() or c == "\\" for c in target)
        or not target.startswith("/")
        or target.startswith("//")
        or page_action(urlsplit(target).path, pages) is None
    ):
        return "/"
    return target


def _login(store: Store, pages: Mapping[str, Action]) -> Response:
    if flask.request.method == "GET":
        return flask.make_response(_login_page(safe_next(flask.request.args.get("next"), pages)))
    form = flask.request.form
    next_path = safe_next(form.get("next"), pages)
    expected = flask.session.get(CSRF_KEY)
    if not isinstance(expected, str) or not hmac.compare_digest(expected, form.get(CSRF_KEY, "")):
        expired = "登录表单已过期，请重新登录。The sign-in form has expired; please sign in again."
        return flask.make_response(_login_page(next_path, expired), 400)
    with password_check_slot() as free:
        if not free:
            busy = "服务器繁忙，请稍后再试。The server is busy; try again in a few seconds."
            return flask.make_response(_login_page(next_path, busy), 503, {"Retry-After": str(BUSY_RETRY_S)})
        with store.session() as session:
            principal = authenticate(session, form.get("username", "").strip(), form.get("password", ""))
            session_id = start_session(session, principal.name, utcnow()) if principal is not None else None
    if session_id is None:
        return flask.make_response(_login_page(next_path, "用户名或密码错误。Wrong user name or password."), 401)
    flask.session.clear()
    flask.session[SESSION_KEY] = session_id
    flask.session.permanent = True
    return flask.redirect(next_path)


def _logout(store: Store) -> Response:
    session_id = flask.session.get(SESSION_KEY)
    if isinstance(session_id, str):
        with store.session() as session:
            end_session(session, session_id)
    flask.session.clear()
    return flask.redirect(LOGIN_PATH)


def _login_page(next_path: str, error: str = "") -> str:
    """The sign-in form, carrying this browser's CSRF token (made on its first visit)."""
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    token = flask.session.setdefault(CSRF_KEY, secrets.token_urlsafe(32))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ops Center · 登录 Sign in</title>
<style>
body {{ background:#0b1220; color:#e6edf7; font:18px system-ui, sans-serif; display:flex; min-height:100vh;
       align-items:center; justify-content:center; margin:0 }}
form {{ background:#131c2e; padding:2rem; border-radius:12px; width:min(22rem, 90vw) }}
label, input, button {{ display:block; width:100%; box-sizing:border-box }}
input {{ margin:.3rem 0 1rem; padding:.7rem; font-size:1.1rem; border-radius:8px; border:1px solid #2a3a58 }}
button {{ padding:.8rem; font-size:1.1rem; border:0; border-radius:8px; background:#2f6fed; color:#fff }}
.error {{ color:#ff6b6b }}
</style></head>
<body><form method="post" action="{LOGIN_PATH}">
<h1>运营中心 Ops Center</h1>{message}
<input type="hidden" name="next" value="{html.escape(next_path)}">
<input type="hidden" name="{CSRF_KEY}" value="{html.escape(token)}">
<label for="username">用户名 User name</label>
<input id="username" name="username" autocomplete="username" autofocus required>
<label for="password">密码 Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login" type="submit">登录 Sign in</button>
</form></body></html>"""
