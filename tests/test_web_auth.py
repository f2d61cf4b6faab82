"""The login gate over real HTTP: a small Dash app behind ``install_auth``, served on a free port."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis
import requests
from dash import Dash, Input, Output, html
from werkzeug.serving import make_server

import web.auth
import web.throttle
from ops_center.auth import (
    SESSION_MAX_AGE,
    Action,
    authenticate,
    create_token,
    create_user,
    revoke_token,
    session_user,
    set_active,
    set_password,
    start_session,
)
from ops_center.errors import ConfigError
from ops_center.store.db import Store, open_store
from ops_center.store.models import Guard, User
from ops_cli.main import main as ops_center_cli
from tests.services import ensure_redis, unreachable_redis_url
from tests.wall_harness import login_form_token, post_login
from web.auth import install_auth, page_action, require_action, secret_key_from_env

SECRET = "test-secret-" + "x" * 40
PASSWORDS = {"op1": "operator pass 1", "wang": "guard pass 0001", "boss": "manager pass 1", "root": "admin pass 0001"}
SHARED_COUNTS = "redis://127.0.0.1:6379/15"  # a Redis database of the tests' own, emptied by each test using it
PAGES = {"/": Action.VIEW_WALL, "/console": Action.VIEW_CONSOLE, "/guard": Action.VIEW_GUARD_PAGE}


@dataclass
class Site:
    url: str
    store: Store
    worker_token: str


def _app(store: Store, *, secure_cookie: bool = False, limits_storage: str = "memory://") -> Dash:
    app = Dash(__name__)
    app.layout = html.Div([html.Button("Acknowledge", id="ack"), html.Div(id="out")])

    @app.callback(Output("out", "children"), Input("ack", "n_clicks"), prevent_initial_call=True)
    def acknowledge(_clicks: int) -> str:
        return f"acknowledged by {require_action(Action.ALARM_ACKNOWLEDGE).name}"

    @app.server.route("/api/ping", methods=["POST"])
    def ping() -> dict[str, str]:
        return {"from": require_action(Action.INGEST_CAMERA).name}

    install_auth(app.server, store, SECRET, page_actions=PAGES, secure_cookie=secure_cookie,
                 limits_storage=limits_storage)
    return app


@contextmanager
def _served(store: Store, limits_storage: str = "memory://") -> Iterator[str]:
    """The gated app on a free port (one server process, or one of gunicorn's workers); yields its URL."""
    server = make_server("127.0.0.1", 0, _app(store, limits_storage=limits_storage).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    store = open_store(request.getfixturevalue(f"{request.param}_url"))
    with store.session() as s:
        s.add(Guard(id="g7", name="Wang Wei", radio_channel="3", post="Lake gate", status="on_patrol",
                    updated_at=datetime.now(UTC)))
        s.flush()
        for (name, password), role in zip(PASSWORDS.items(), ("operator", "guard", "manager", "admin"), strict=True):
            create_user(s, name, role, password, guard_id="g7" if role == "guard" else None)
        _, token = create_token(s, "lake-worker", "worker")
    with _served(store) as url:
        yield Site(url, store, token)
    store.dispose()


def _login(site: Site, user: str, password: str | None = None) -> requests.Session:
    client = requests.Session()
    r = post_login(client, site.url, user, password or PASSWORDS[user], "/console")
    assert r.status_code == 302, r.text
    return client


def _click(client: requests.Session, site: Site) -> requests.Response:
    return client.post(f"{site.url}/_dash-update-component", json={
        "output": "out.children", "outputs": {"id": "out", "property": "children"},
        "inputs": [{"id": "ack", "property": "n_clicks", "value": 1}], "changedPropIds": ["ack.n_clicks"],
        "state": [],
    })


def test_anonymous_requests_meet_the_login_form_or_401(site: Site) -> None:
    page = requests.get(f"{site.url}/console?x=1", headers={"Accept": "text/html"}, allow_redirects=False)
    assert (page.status_code, page.headers["Location"]) == (302, "/login?next=%2Fconsole%3Fx%3D1")
    form = requests.get(f"{site.url}{page.headers['Location']}")
    assert form.status_code == 200 and 'name="password"' in form.text and 'value="/console?x=1"' in form.text
    for method, path in [("GET", "/_dash-layout"), ("GET", "/_dash-dependencies"), ("GET", "/api/ping"),
                         ("GET", "/assets/none.css")]:
        assert requests.request(method, f"{site.url}{path}").status_code == 401, path
    assert _click(requests.Session(), site).status_code == 401


@pytest.mark.parametrize(
    ("user", "pages", "may_acknowledge"),
    [
        ("op1", {"/": 200, "/console": 200, "/guard": 403}, True),
        ("wang", {"/": 403, "/console": 403, "/guard": 200}, False),
        ("boss", {"/": 200, "/console": 403, "/guard": 403}, False),
        ("root", {"/": 200, "/console": 200, "/guard": 200}, True),
    ],
)
def test_each_role_reaches_its_pages_and_callbacks(
    site: Site, user: str, pages: dict[str, int], may_acknowledge: bool
) -> None:
    client = _login(site, user)
    assert {p: client.get(f"{site.url}{p}").status_code for p in pages} == pages
    assert client.get(f"{site.url}/_dash-layout").status_code == 200
    clicked = _click(client, site)
    if may_acknowledge:
        assert clicked.status_code == 200 and f"acknowledged by {user}" in clicked.text
    else:
        assert clicked.status_code == 403 and "may not alarm.acknowledge" in clicked.text


def test_wrong_passwords_tampered_cookies_and_logout_end_in_401(site: Site) -> None:
    bad = post_login(requests.Session(), site.url, "op1", "nope")
    assert bad.status_code == 401 and "Wrong user name or password." in bad.text
    client = _login(site, "op1")
    cookie = client.cookies["session"]
    forged = requests.Session()
    forged.cookies.set("session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    assert forged.get(f"{site.url}/_dash-layout").status_code == 401
    client.post(f"{site.url}/logout", allow_redirects=False)
    assert client.get(f"{site.url}/_dash-layout").status_code == 401


def test_a_disabled_user_loses_access_at_once(site: Site) -> None:
    client = _login(site, "op1")
    assert client.get(f"{site.url}/_dash-layout").status_code == 200
    with site.store.session() as s:
        s.get(User, "op1").active = False
    assert client.get(f"{site.url}/_dash-layout").status_code == 401


def _copy(client: requests.Session) -> requests.Session:
    """Another browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = requests.Session()
    thief.cookies.set("session", client.cookies["session"])
    return thief


def _log_out(site: Site, client: requests.Session) -> None:
    client.post(f"{site.url}/logout", allow_redirects=False)


def _new_password(site: Site, _client: requests.Session) -> None:
    with site.store.session() as s:
        set_password(s, "op1", "a new password 2")


def _disable_and_enable(site: Site, _client: requests.Session) -> None:
    for active in (False, True):
        with site.store.session() as s:
            set_active(s, "op1", active)


def _logout_everywhere(site: Site, _client: requests.Session) -> None:
    url = site.store.engine.url.render_as_string(hide_password=False)
    assert ops_center_cli(["users", "logout-everywhere", "op1", "--db", url]) == 0


@pytest.mark.parametrize(("end", "other_browser_stays"), [
    (_log_out, True), (_new_password, False), (_disable_and_enable, False), (_logout_everywhere, False)
], ids=["logout", "passwd", "disable", "logout-everywhere"])
def test_every_copy_of_a_session_cookie_ends_on_the_server(
    site: Site, end: Callable[[Site, requests.Session], None], other_browser_stays: bool
) -> None:
    client = _login(site, "op1")
    thief = _copy(client)
    elsewhere = _login(site, "op1")  # the same user on another screen
    assert thief.get(f"{site.url}/_dash-layout").status_code == 200
    end(site, client)
    assert thief.get(f"{site.url}/_dash-layout").status_code == 401
    assert client.get(f"{site.url}/_dash-layout").status_code == 401
    assert elsewhere.get(f"{site.url}/_dash-layout").status_code == (200 if other_browser_stays else 401)


def test_a_session_ends_a_week_after_its_login_however_busy(store_url: str) -> None:
    store = open_store(store_url)
    with store.session() as s:
        create_user(s, "op1", "operator", PASSWORDS["op1"])
        login = datetime(2026, 11, 1, 8, tzinfo=UTC)
        session_id = start_session(s, "op1", login)
        assert session_user(s, session_id, login + SESSION_MAX_AGE - timedelta(seconds=1)) == "op1"
        assert session_user(s, session_id, login + SESSION_MAX_AGE) is None
        start_session(s, "op1", login + SESSION_MAX_AGE)  # a later login sweeps the old session away
        assert session_user(s, session_id, login) is None
    store.dispose()


@pytest.mark.parametrize("secure", [False, True])
def test_the_session_cookie_is_secure_when_configured(sqlite_url: str, secure: bool) -> None:
    store = open_store(sqlite_url)
    with store.session() as s:
        create_user(s, "op1", "operator", PASSWORDS["op1"])
    client = _app(store, secure_cookie=secure).server.test_client()
    token = login_form_token(client.get("/login").text)
    r = client.post("/login", data={"username": "op1", "password": PASSWORDS["op1"], "csrf_token": token})
    flags = [part.strip().lower() for part in r.headers["Set-Cookie"].split(";")]
    assert ("secure" in flags) is secure and "httponly" in flags and "samesite=lax" in flags
    store.dispose()


def test_tokens_work_under_api_only_and_stop_when_revoked(site: Site) -> None:
    bearer = {"Authorization": f"Bearer {site.worker_token}"}
    assert requests.post(f"{site.url}/api/ping", headers=bearer).json() == {"from": "token:lake-worker"}
    assert requests.get(f"{site.url}/_dash-layout", headers=bearer).status_code == 401
    operator = _login(site, "op1")
    assert operator.post(f"{site.url}/api/ping").status_code == 403
    with site.store.session() as s:
        revoke_token(s, "lake-worker")
    assert requests.post(f"{site.url}/api/ping", headers=bearer).status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil", "", "/\t/evil.example/",
                                    "/\n/evil.example/", "/console\n", "/ /evil.example", "/\\evil.example",
                                    "/\u2028/evil.example", "/nowhere", "/consoles", "javascript:alert(1)"])
@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_login_never_redirects_off_site(site: Site, target: str) -> None:
    form = requests.get(f"{site.url}/login", params={"next": target})
    assert form.status_code == 200 and 'name="next" value="/"' in form.text
    r = post_login(requests.Session(), site.url, "op1", PASSWORDS["op1"], target)
    assert (r.status_code, r.headers["Location"]) == (302, "/")


@pytest.mark.parametrize("target", ["/", "/console", "/console/7?tab=trail", "/guard"])
@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_login_returns_to_a_page_of_the_app(site: Site, target: str) -> None:
    r = post_login(requests.Session(), site.url, "op1", PASSWORDS["op1"], target)
    assert (r.status_code, r.headers["Location"]) == (302, target)


def test_pages_cover_their_sub_paths_and_the_secret_must_be_long() -> None:
    assert [page_action(p, PAGES) for p in ("/", "/console/", "/console/7", "/consoles", "/other")] == [
        Action.VIEW_WALL, Action.VIEW_CONSOLE, Action.VIEW_CONSOLE, None, None]
    with pytest.raises(ConfigError, match="OPS_SECRET_KEY must hold a secret of at least 32"):
        secret_key_from_env({"OPS_SECRET_KEY": "short"})
    assert secret_key_from_env({"OPS_SECRET_KEY": SECRET}) == SECRET


def _guess(site: Site, user: str, password: str = "a wrong guess") -> requests.Response:
    return post_login(requests.Session(), site.url, user, password)


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_failed_sign_ins_are_throttled_per_user_name_before_any_hashing(
    site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    checked = []
    monkeypatch.setattr(web.auth, "authenticate", lambda s, user, pw: checked.append(user) or authenticate(s, user, pw))
    assert [_guess(site, "op1").status_code for _ in range(5)] == [401] * 5
    throttled = _guess(site, "op1", PASSWORDS["op1"])  # even the right password now waits
    assert throttled.status_code == 429 and "Too many failed sign-ins" in throttled.text
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert len(checked) == 5 and "login throttled: user name 'op1' from 127.0.0.1" in caplog.text
    assert _guess(site, "boss", PASSWORDS["boss"]).status_code == 302  # other names are not held up


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_failed_sign_ins_are_throttled_per_client_address(site: Site) -> None:
    assert {_guess(site, f"nobody{i}").status_code for i in range(20)} == {401}
    refused = _guess(site, "op1", PASSWORDS["op1"])
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_servers_sharing_redis_count_failed_sign_ins_together(site: Site) -> None:
    """gunicorn's workers (here two servers) give a guesser 5 tries for a name in all, not 5 each."""
    ensure_redis()
    redis.Redis.from_url(SHARED_COUNTS).flushdb()
    with _served(site.store, SHARED_COUNTS) as first, _served(site.store, SHARED_COUNTS) as second:
        guesses = [post_login(requests.Session(), url, "op1", "a wrong guess").status_code
                   for url in (first, second, first, second, first)]
        assert guesses == [401] * 5
        for url in (first, second):
            refused = post_login(requests.Session(), url, "op1", PASSWORDS["op1"])
            assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert post_login(requests.Session(), second, "boss", PASSWORDS["boss"]).status_code == 302
    assert redis.Redis.from_url(SHARED_COUNTS).keys("*/ops-center/*"), "the counts were kept in Redis"


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_sign_ins_go_on_uncounted_and_logged_while_redis_is_down(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """A dead counter store must not lock the duty room out: sign-ins work, and the log says why
    nothing is counted."""
    down = unreachable_redis_url()
    with _served(site.store, down) as url:
        assert "the rate-limit storage redis://127.0.0.1" in caplog.text and "does not answer" in caplog.text
        assert [post_login(requests.Session(), url, "op1", "a wrong guess").status_code for _ in range(7)] == [401] * 7
        assert post_login(requests.Session(), url, "op1", PASSWORDS["op1"]).status_code == 302


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_a_sign_in_that_finds_every_password_check_busy_is_refused_with_503(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web.throttle, "SLOT_WAIT_S", 0.2)
    held = [web.throttle._checks.acquire(timeout=5) for _ in range(web.throttle.MAX_CONCURRENT_CHECKS)]
    try:
        busy = _guess(site, "op1", PASSWORDS["op1"])
    finally:
        for _ in held:
            web.throttle._checks.release()
    assert busy.status_code == 503 and 1 <= int(busy.headers["Retry-After"]) <= web.throttle.BUSY_RETRY_S
    assert "The server is busy" in busy.text
    assert _guess(site, "op1", PASSWORDS["op1"]).status_code == 302


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_the_login_form_carries_a_token_that_a_sign_in_must_send_back(site: Site) -> None:
    data = {"username": "op1", "password": PASSWORDS["op1"], "next": "/"}
    assert requests.post(f"{site.url}/login", data=data, allow_redirects=False).status_code == 400  # no token
    forger = requests.Session()  # a token from the attacker's own visit, posted from the victim's browser
    data["csrf_token"] = login_form_token(forger.get(f"{site.url}/login").text)
    victim = requests.Session()
    refused = victim.post(f"{site.url}/login", data=data, allow_redirects=False)
    assert refused.status_code == 400 and "The sign-in form has expired" in refused.text
    assert victim.get(f"{site.url}/_dash-layout").status_code == 401  # not signed in as the attacker
    assert forger.post(f"{site.url}/login", data=data, allow_redirects=False).status_code == 302
