"""The residents' page without a browser: its figures on a real store (SQLite and PostgreSQL), read
once per interval whatever the crowd, the notices admins post, and over real HTTP what an anonymous
visitor gets with the page published and without, what the page and its answers never hold, and
the per-address limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from sqlalchemy import event, select

from ops_center.auth import PermissionDenied, Principal, Role
from ops_center.config import ResidentsConfig, SiteConfig, load_config
from ops_center.errors import InputError
from ops_center.notices import list_notices, post_notice, remove_notice
from ops_center.queries import ReadContext
from ops_center.queries.parking import lot_status
from ops_center.queries.residents import ResidentsFigures, residents_view
from ops_center.simulator import seed
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Guard, ParkingLevel, ParkingSpace
from ops_center.store.types import utcnow
from tests.builders import alarm_record, store_alarm
from tests.services import ensure_redis, unreachable_redis_url
from tests.wall_harness import CAMERA_ID, WallServer, add_user, callback_body, callback_outputs, http_login, site_config

ADMIN = Principal("root", Role.ADMIN)
RESIDENT = Principal("zhang", Role.RESIDENT)
POSTER = Principal("admin-zhou", Role.ADMIN)
HTML = {"Accept": "text/html"}
DEMO_PARKING = load_config(Path(__file__).resolve().parents[1] / "config" / "demo.yaml").parking  # its lot maps
CONFIG_NAMES = (site_config().cameras[0].name, CAMERA_ID)  # from the site file, not the store


def _seeded(url: str) -> Store:
    store = open_store(url)
    seed(store, utcnow(), history_days=1)
    return store


def _statements(store: Store) -> list[str]:
    """Every SQL statement the store's engine runs from now on (appended as they run)."""
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_the_figures_are_each_levels_free_spaces_the_roads_and_the_notices_shown(store_url: str) -> None:
    store = _seeded(store_url)
    now = utcnow()
    with store.session() as s:
        shown = post_notice(s, ADMIN, "Water off 停水", "Building 3, Tuesday 9-12.\n3号楼周二9-12点停水。", 7, now)
        removed = post_notice(s, ADMIN, "Removed", "gone", 7, now)
        remove_notice(s, ADMIN, removed.id, now)
        post_notice(s, ADMIN, "Expired", "old", 1, now - timedelta(days=2))
    config = site_config()
    read = ReadContext.for_site(config)
    with store.session() as s:
        view = residents_view(s, read, config)
        spaces = s.execute(select(ParkingLevel.lot_id, ParkingLevel.name, ParkingSpace.occupied)
                           .join(ParkingSpace, ParkingSpace.level_id == ParkingLevel.id)).all()
        lots = lot_status(s, read)
    free: dict[tuple[str, str], int] = {}
    for lot_id, level, occupied in spaces:
        free[(lot_id, level)] = free.get((lot_id, level), 0) + (not occupied)
    assert [item.lot for item in view.lots] == lots and len(lots) == 3
    assert {(item.lot.lot_id, level.name): level.free for item in view.lots for level in item.levels} == free
    assert all(level.updated.at is not None for item in view.lots for level in item.levels)
    assert [r.road for r in view.roads] == config.traffic.roads
    assert [(n.title, n.body) for n in view.notices] == [(shown.title, shown.body)]
    store.dispose()


def test_the_figures_are_read_once_per_interval_however_many_ask(sqlite_url: str) -> None:
    store = _seeded(sqlite_url)
    clock = [1000.0]
    figures = ResidentsFigures(store, site_config(), every_s=15, clock=lambda: clock[0])
    seen = _statements(store)
    first = figures.get()
    one_read = len(seen)
    assert one_read > 0

    def crowd() -> None:
        for _ in range(100):
            assert figures.get() is first

    threads = [threading.Thread(target=crowd) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == one_read, "800 visitors within the interval cost no read"
    clock[0] += 15
    assert figures.get() is not first and len(seen) == 2 * one_read
    store.dispose()


def test_notices_are_posted_and_removed_by_admins_only_with_who_and_when(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    now = utcnow()
    with store.session() as s:
        with pytest.raises(PermissionDenied, match=r"zhang \(resident\) may not notices\.manage"):
            post_notice(s, RESIDENT, "Hello", "text", 7, now)
        refused = {
            "empty title": ("  ", "text", 7),
            "long title": ("x" * 101, "text", 7),
            "control in title": ("a\x1bb", "text", 7),
            "newline in title": ("a\nb", "text", 7),
            "control in body": ("Title", "line\x07", 7),
            "long body": ("Title", "y" * 1001, 7),
            "no days": ("Title", "text", 0),
            "too many days": ("Title", "text", 91),
        }
        messages = {}
        for what, (title, body, days) in refused.items():
            with pytest.raises(InputError) as caught:
                post_notice(s, ADMIN, title, body, days, now)
            messages[what] = str(caught.value)
        notice = post_notice(s, ADMIN, "Lift service", "Lift 2 stops\nfrom 9 to 11.", 3, now)
        with pytest.raises(PermissionDenied):
            remove_notice(s, RESIDENT, notice.id, now)
        with pytest.raises(InputError, match="no such notice"):
            remove_notice(s, ADMIN, 999, now)
        later = now + timedelta(minutes=5)
        gone = remove_notice(s, Principal("admin2", Role.ADMIN), notice.id, later)
        assert list_notices(s, later) == []
        assert list_notices(s, later, include_past=True) == [gone]
    assert messages["long title"] == "title: at most 100 characters, not 101"
    assert messages["control in title"].startswith("title: control character '\\x1b' at position 1")
    assert messages["newline in title"].startswith("title: control character '\\n'")
    assert messages["control in body"].startswith("body: control character '\\x07'")
    assert messages["too many days"] == "days: a whole number of days from 1 to 90, not 91"
    assert (gone.posted_by, gone.posted_at, gone.removed_by, gone.removed_at) == ("root", now, "admin2", later)
    store.dispose()


# --- over HTTP, on the real app -----------------------------------------------------------------

PASSWORDS = {"zhang": "resident pass 1", "op1": "operator pass 1", "root": "admin pass 0001"}


@dataclass
class Site:
    url: str
    store: Store
    callbacks: dict[str, dict[str, Any]]
    secrets: list[str]  # what the store holds that the residents' page must never show

    def post(self, client: requests.Session, first_output: str, values: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> requests.Response:
        body = callback_body(self.callbacks[first_output], {"lang.value": "en", **(values or {})})
        return client.post(f"{self.url}/_dash-update-component", json=body, headers=headers)


def _config(limits_storage: str = "memory://", **residents: Any) -> SiteConfig:
    """The harness's site with these ``residents`` settings, behind one proxy (``X-Forwarded-For`` names
    the client), counting requests in ``limits_storage``."""
    base = site_config("en")
    dashboard = base.dashboard.model_copy(update={"proxy_hops": 1, "limits_storage": limits_storage})
    return base.model_copy(update={"residents": ResidentsConfig(**residents), "parking": DEMO_PARKING,
                                   "dashboard": dashboard})


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _seeded(f"sqlite:///{tmp_path_factory.mktemp('residents') / 'ops.db'}")
    with store.session() as s:
        writes.sync_cameras(s, site_config().cameras)
        post_notice(s, POSTER, "Water off 停水", "Building 3, Tuesday 9-12.", 7, utcnow())
        for space in s.scalars(select(ParkingSpace).where(ParkingSpace.occupied).limit(20)):
            space.plate = f"沪A{space.id[-3:]}X7"
    store_alarm(store, alarm_record(1, run="residents", camera_id=CAMERA_ID))
    add_user(store, "zhang", PASSWORDS["zhang"], "resident")
    add_user(store, "op1", PASSWORDS["op1"], "operator")
    add_user(store, "root", PASSWORDS["root"], "admin")
    yield store
    store.dispose()


def _site(store: Store, config: SiteConfig) -> Iterator[Site]:
    server = WallServer(config, store).start()
    deps = http_login(server.url, "root", PASSWORDS["root"]).get(f"{server.url}/_dash-dependencies").json()
    callbacks = {callback_outputs(d["output"])[0]["id"]: d for d in deps if not d.get("clientside_function")}
    with store.session() as s:
        plates = list(s.scalars(select(ParkingSpace.plate).where(ParkingSpace.plate.is_not(None))))
        guards = list(s.scalars(select(Guard.name)))
    camera = config.cameras[0]
    secrets = [*plates, *guards, camera.name, camera.place, CAMERA_ID, POSTER.name, "lake-edge", "Lake (drowning danger)"]
    assert plates and guards
    try:
        yield Site(server.url, store, callbacks, secrets)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def published(seeded_store: Store) -> Iterator[Site]:
    yield from _site(seeded_store, _config(public=True, refresh_s=600))


@pytest.fixture(scope="module")
def private(seeded_store: Store) -> Iterator[Site]:
    yield from _site(seeded_store, _config(refresh_s=600))


def _shows_nothing_else(site: Site, text: str) -> list[str]:
    return [secret for secret in site.secrets if secret in text]


def test_a_published_page_opens_to_anyone_and_nothing_else_does(published: Site) -> None:
    anonymous = requests.Session()
    page = anonymous.get(f"{published.url}/residents", headers=HTML, allow_redirects=False)
    assert page.status_code == 200 and "_dash-config" in page.text
    assert [s for s in _shows_nothing_else(published, page.text) if s not in CONFIG_NAMES] == []
    assert anonymous.get(f"{published.url}/_dash-layout").status_code == 200
    for path in ("/", "/console", "/alarms", "/notices", "/guard", "/report"):
        landing = anonymous.get(f"{published.url}{path}", headers=HTML, allow_redirects=False)
        assert (landing.status_code, landing.headers["Location"].split("?")[0]) == (302, "/login"), path
    for path in (f"/frames/{CAMERA_ID}.jpg", "/api/v1/traffic"):
        assert anonymous.get(f"{published.url}{path}").status_code == 401, path
    figures = published.post(anonymous, "residents-body")
    assert figures.status_code == 200
    text = figures.text
    assert "North Garage" in text and "B2" in text and "Lake Bridge" in text and "Water off" in text
    assert _shows_nothing_else(published, text) == []
    routed = published.post(anonymous, "page", {"url.pathname": "/residents"})
    assert routed.status_code == 200 and "residents-body" in routed.text and "residents-find-car" in routed.text
    assert "page-forbidden" in published.post(anonymous, "page", {"url.pathname": "/console"}).text
    header = published.post(anonymous, "header-shift", {"url.pathname": "/residents"})
    assert header.status_code == 200 and "login-link" in header.text and "nav-wall" not in header.text
    assert "nav-residents" in header.text and "Unacknowledged" not in header.text
    refused = {first: published.post(anonymous, first).status_code for first in published.callbacks
               if first not in ("residents-body", "page", "header-shift", "findcar-result")}
    assert refused and set(refused.values()) == {403}, refused


def test_an_anonymous_visitor_finds_a_space_but_never_a_plate(published: Site) -> None:
    anonymous = requests.Session()
    assert anonymous.get(f"{published.url}/find-car", headers=HTML, allow_redirects=False).status_code == 200
    with published.store.session() as s:
        space, plate = s.execute(select(ParkingSpace.id, ParkingSpace.plate).where(ParkingSpace.plate.is_not(None))
                                 .order_by(ParkingSpace.id).limit(1)).one()
    search = {"findcar-go.n_clicks": 1, "findcar-from.value": None, "findcar-code.value": None}
    routed = published.post(anonymous, "findcar-result", {**search, "findcar-query.value": space})
    assert routed.status_code == 200 and "findcar-route" in routed.text and space in routed.text
    assert plate not in routed.text
    by_plate = published.post(anonymous, "findcar-result", {**search, "findcar-query.value": plate})
    assert by_plate.status_code == 200 and "Sign in to search by plate" in by_plate.text and space not in by_plate.text
    resident = http_login(published.url, "zhang", PASSWORDS["zhang"])
    found = published.post(resident, "findcar-result", {**search, "findcar-query.value": plate})
    assert found.status_code == 200 and space in found.text and "findcar-route" in found.text


def test_the_published_pages_html_names_no_camera(published: Site) -> None:
    page = requests.get(f"{published.url}/residents", headers=HTML, allow_redirects=False)
    assert [s for s in _shows_nothing_else(published, page.text) if s in CONFIG_NAMES] == []


def test_without_publishing_anonymous_gets_the_login_form(private: Site) -> None:
    anonymous = requests.Session()
    landing = anonymous.get(f"{private.url}/residents", headers=HTML, allow_redirects=False)
    assert (landing.status_code, landing.headers["Location"]) == (302, "/login?next=%2Fresidents")
    assert private.post(anonymous, "residents-body").status_code == 401
    assert anonymous.get(f"{private.url}/_dash-layout").status_code == 401
    resident = http_login(private.url, "zhang", PASSWORDS["zhang"])
    assert resident.get(f"{private.url}/", headers=HTML, allow_redirects=False).headers["Location"] == "/residents"
    shown = private.post(resident, "residents-body")
    assert shown.status_code == 200 and "North Garage" in shown.text and _shows_nothing_else(private, shown.text) == []
    for first in ("panel-security", "alarm-list", "console-alarms", "report-body", "notice-message"):
        assert private.post(resident, first).status_code == 403, first


def test_a_crowd_costs_the_store_one_read_per_interval(published: Site) -> None:
    assert published.post(requests.Session(), "residents-body").status_code == 200  # read now, or earlier
    seen = _statements(published.store)
    clients = [requests.Session() for _ in range(4)]
    answers = [published.post(client, "residents-body").status_code for _ in range(10) for client in clients]
    assert answers == [200] * 40
    assert seen == [], "the figures were read once, and are kept for 600 s"


def test_servers_sharing_redis_count_an_address_together(seeded_store: Store) -> None:
    """Two of gunicorn's workers (here two wall servers from one site file) hold a crowd to the page's
    limit together."""
    ensure_redis()
    shared = "redis://127.0.0.1:6379/14"
    redis.Redis.from_url(shared).flushdb()
    config = _config(shared, public=True, requests_per_minute=5)
    crowd = {"X-Forwarded-For": "203.0.113.9"}
    for first in _site(seeded_store, config):
        for second in _site(seeded_store, config):
            codes = [site.post(requests.Session(), "residents-body", headers=crowd).status_code
                     for site in (first, second, first, second, first, second)]
            assert codes == [200] * 5 + [429]
            assert first.post(requests.Session(), "residents-body", headers=crowd).status_code == 429


def test_the_page_serves_uncounted_and_says_so_while_redis_is_down(
    seeded_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    down = unreachable_redis_url()
    for site in _site(seeded_store, _config(down, public=True, requests_per_minute=2)):
        crowd = {"X-Forwarded-For": "203.0.113.10"}
        assert [site.post(requests.Session(), "residents-body", headers=crowd).status_code
                for _ in range(4)] == [200] * 4
    lines = [r.getMessage() for r in caplog.records if "requests pass uncounted, the rate-limit storage" in r.getMessage()]
    assert len(lines) == 1 and "redis://127.0.0.1:" in lines[0]  # once a minute, not once a request


def test_an_address_past_its_limit_gets_429_with_retry_after(seeded_store: Store) -> None:
    for site in _site(seeded_store, _config(public=True, requests_per_minute=5)):
        one, other = requests.Session(), requests.Session()
        crowd = {"X-Forwarded-For": "203.0.113.7"}
        codes = [site.post(one, "residents-body", headers=crowd).status_code for _ in range(5)]
        refused = site.post(one, "residents-body", headers=crowd)
        page = one.get(f"{site.url}/residents", headers={**HTML, **crowd})
        assert codes == [200] * 5 and refused.status_code == 429 and page.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert "Too many requests" in refused.json()["error"] and "请求过于频繁" in refused.json()["error"]
        assert "请求过于频繁" in page.text and 'id="too-many"' in page.text
        assert site.post(other, "residents-body", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
        assert site.post(one, "header-shift", {"url.pathname": "/residents"}, headers=crowd).status_code == 200
