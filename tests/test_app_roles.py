"""Roles on the real app over real HTTP: every page, media route and Dash callback of ``create_app``
for anonymous, guard, manager, operator, admin and resident, on SQLite and on PostgreSQL.

Callbacks are posted to ``/_dash-update-component`` the way the browser posts them, built from the
app's own ``/_dash-dependencies`` so that a callback added later without a role check fails here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from layouts.pages import PAGES
from layouts.pages.console import KEEP_CLOSED_S
from ops_center.alarm_actions import audit_trail, transition
from ops_center.auth import Action, can
from ops_center.opening_hours import Week
from ops_center.queries.periods import Preset, preset
from ops_center.records import FrameRecord
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Alarm, Footfall, Guard, Merchant
from ops_center.store.types import utcnow
from ops_center.vocabulary import BusinessFormat
from tests.builders import alarm_record, store_alarm
from tests.conftest import MEDIA
from tests.wall_harness import (
    CAMERA_ID,
    ZONE,
    WallServer,
    add_user,
    callback_body,
    callback_outputs,
    http_login,
    site_config,
)

USERS = {  # name: (password, role, roster guard)
    "op1": ("operator pass 1", "operator", None),
    "wang": ("guard pass 0001", "guard", "g1"),
    "li": ("guard pass 0002", "guard", "g2"),
    "boss": ("manager pass 1", "manager", None),
    "root": ("admin pass 0001", "admin", None),
    "zhang": ("resident pass 1", "resident", None),
}
SNAPSHOT = MEDIA / "fixture_towncentre_frame_640x360.jpg"
ROLE_OF = {name: role for name, (_, role, _) in USERS.items()}
# The first output of each server callback -> the action it needs (None: any logged-in user).
CALLBACK_ACTIONS: dict[str, Action | None] = {
    "page": None,
    "header-shift": None,
    "panel-security": Action.VIEW_WALL,
    "alarm-list": Action.VIEW_WALL,
    "alarm-shown": Action.ALARM_ACKNOWLEDGE,
    "console-selected": Action.VIEW_CONSOLE,
    "console-alarms": Action.VIEW_CONSOLE,
    "console-message": Action.VIEW_CONSOLE,
    "guard-me": Action.VIEW_GUARD_PAGE,
    "guard-message": Action.VIEW_GUARD_PAGE,
    "report-body": Action.VIEW_REPORTS,
    "report-download": Action.EXPORT_CSV,
    "lots-body": Action.VIEW_WALL,
    "findcar-result": Action.FIND_SPACE,
    "analytics-body": Action.VIEW_ANALYTICS,
    "analytics-sort": Action.VIEW_ANALYTICS,
    "analytics-download": Action.EXPORT_CSV,
    "editor-state": Action.MANAGE_CAMERAS,
    "editor-graph": Action.MANAGE_CAMERAS,
    "residents-body": Action.VIEW_RESIDENTS,
    "notice-message": Action.MANAGE_NOTICES,
}


@dataclass
class Site:
    url: str
    store: Store
    callbacks: dict[str, dict[str, Any]]  # first output id -> its entry in /_dash-dependencies

    def client(self, user: str) -> requests.Session:
        return http_login(self.url, user, USERS[user][0])


@pytest.fixture
def site(store_url: str) -> Iterator[Site]:
    store = open_store(store_url)
    now = utcnow()
    with store.session() as s:
        writes.sync_cameras(s, site_config().cameras)
        for guard_id, name in (("g1", "Wang Wei"), ("g2", "Li Na")):
            s.add(Guard(id=guard_id, name=name, radio_channel="CH2", post="Lake path", status="on_patrol", updated_at=now))
    for name, (password, role, guard_id) in USERS.items():
        add_user(store, name, password, role, guard_id)
    server = WallServer(site_config("en"), store).start()
    deps = http_login(server.url, "root", USERS["root"][0]).get(f"{server.url}/_dash-dependencies").json()
    callbacks = {callback_outputs(d["output"])[0]["id"]: d for d in deps if not d.get("clientside_function")}
    yield Site(server.url, store, callbacks)
    server.stop()
    store.dispose()


def _callback(site: Site, client: requests.Session, first_output: str, values: dict[str, Any] | None = None,
              changed: list[str] | None = None) -> requests.Response:
    """Post one callback as the browser does; ``values`` maps ``id.property`` to a value (else None)."""
    body = callback_body(site.callbacks[first_output], values, changed)
    return client.post(f"{site.url}/_dash-update-component", json=body)


def _alarm(
    site: Site, n: int, status: str = "new", guard_id: str | None = None, snapshot: bytes | None = None
) -> str:
    record = alarm_record(n, run="roles", raised_at=datetime.now(UTC), camera_id=CAMERA_ID, zone_name=ZONE,
                          snapshot_jpeg=snapshot, snapshot_size=(640, 360) if snapshot else None)
    return store_alarm(site.store, record, status=status, guard_id=guard_id)


def _trail(site: Site, alarm_id: str) -> list[tuple[str, str]]:
    with site.store.session() as s:
        return [(t.to_status, t.actor) for t in audit_trail(s, alarm_id)]


def test_every_page_media_route_and_callback_answers_by_role(site: Site) -> None:
    assert set(site.callbacks) == set(CALLBACK_ACTIONS), "every server callback has its expected role check here"
    alarm_id = _alarm(site, 1)
    anonymous = requests.Session()
    media = [f"/snapshots/{alarm_id}.jpg", f"/frames/{CAMERA_ID}.jpg"]
    for path in [*(page.path for page in PAGES), *media, "/_dash-layout", "/_dash-dependencies"]:
        assert anonymous.get(f"{site.url}{path}").status_code == 401, path
    for first_output in CALLBACK_ACTIONS:
        assert _callback(site, anonymous, first_output).status_code == 401, first_output

    wrong = []
    for user, role in ROLE_OF.items():
        client = site.client(user)
        for page in PAGES:
            expected = 200 if can(role, page.action) else 403
            if (got := client.get(f"{site.url}{page.path}").status_code) != expected:
                wrong.append((user, page.path, got, expected))
        for path in media:  # no snapshot stored, no frame yet: not found, but a guard may not even ask
            expected = 403 if role in ("guard", "resident") else 404
            if (got := client.get(f"{site.url}{path}").status_code) != expected:
                wrong.append((user, path, got, expected))
        for first_output, action in CALLBACK_ACTIONS.items():
            got = _callback(site, client, first_output).status_code
            allowed = action is None or can(role, action)
            if (got in (200, 204)) != allowed or (not allowed and got != 403):
                wrong.append((user, first_output, got, "200/204" if allowed else 403))
    assert wrong == []
    assert _trail(site, alarm_id) == [("new", "camera:lake-east")], "no role check acted on the alarm"


def test_a_guard_sees_the_snapshots_of_his_own_dispatches_and_no_camera(site: Site) -> None:
    jpeg = SNAPSHOT.read_bytes()
    with site.store.session() as s:
        writes.save_frame(s, FrameRecord(camera_id=CAMERA_ID, jpeg=jpeg, width=640, height=360, captured_at=utcnow()))
    mine = _alarm(site, 20, "dispatched", "g1", snapshot=jpeg)
    theirs = _alarm(site, 21, "dispatched", "g2", snapshot=jpeg)
    guard, operator = site.client("wang"), site.client("op1")
    assert guard.get(f"{site.url}/snapshots/{mine}.jpg").content == jpeg
    assert guard.get(f"{site.url}/snapshots/{theirs}.jpg").status_code == 403
    assert guard.get(f"{site.url}/frames/{CAMERA_ID}.jpg").status_code == 403
    assert [operator.get(f"{site.url}{path}").status_code
            for path in (f"/snapshots/{mine}.jpg", f"/snapshots/{theirs}.jpg", f"/frames/{CAMERA_ID}.jpg")] == [200] * 3


def test_a_browser_is_sent_to_its_own_page_and_the_router_refuses_foreign_ones(site: Site) -> None:
    guard = site.client("wang")
    html = {"Accept": "text/html"}
    landing = guard.get(f"{site.url}/", headers=html, allow_redirects=False)
    assert (landing.status_code, landing.headers["Location"]) == (302, "/guard")
    routed = _callback(site, guard, "page", {"url.pathname": "/console", "lang.value": "en"}, ["url.pathname"])
    assert routed.status_code == 200 and "page-forbidden" in routed.text and "console-alarms" not in routed.text
    manager = site.client("boss")
    assert manager.get(f"{site.url}/console", headers=html, allow_redirects=False).headers["Location"] == "/"


def test_acknowledging_from_the_popup_needs_the_role_and_records_the_user(site: Site) -> None:
    alarm_id = _alarm(site, 2)
    ack = {"ack-button.n_clicks": 1, "alarm-shown.data": {"id": alarm_id}, "lang.value": "en", "url.pathname": "/"}
    refused = _callback(site, site.client("boss"), "alarm-shown", ack, ["ack-button.n_clicks"])
    assert refused.status_code == 403 and "may not alarm.acknowledge" in refused.text
    with site.store.session() as s:
        assert s.get(Alarm, alarm_id).status == "new"
    assert _callback(site, site.client("op1"), "alarm-shown", ack, ["ack-button.n_clicks"]).status_code == 200
    assert _trail(site, alarm_id)[-1] == ("acknowledged", "op1")


def _step(site: Site, user: str, button: str, alarm_id: str, **fields: Any) -> requests.Response:
    values = {f"{button}.n_clicks": 1, "console-current.data": alarm_id, "lang.value": "en",
              **{f"{key}.value": value for key, value in fields.items()}}
    return _callback(site, site.client(user), "console-message", values, [f"{button}.n_clicks"])


def test_a_note_longer_than_the_field_allows_is_refused_on_the_server(site: Site) -> None:
    alarm_id = _alarm(site, 30, "acknowledged")
    assert _step(site, "op1", "c-note-add", alarm_id, **{"c-note": "x" * 10_000}).status_code == 400
    crafted = _step(site, "op1", "c-note-add", alarm_id, **{"c-note": "x" * 501})
    assert crafted.status_code == 200 and "at most 500 characters, not 501" in crafted.text
    assert _step(site, "op1", "c-note-add", alarm_id, **{"c-note": "y" * 500}).status_code == 200
    with site.store.session() as s:
        notes = [step.note for step in audit_trail(s, alarm_id) if step.note]
    assert notes[-1] == "y" * 500 and all(len(note) <= 500 for note in notes)


def _crafted_bodies(site: Site) -> dict[str, Any]:
    """Bodies no page sends, for every server callback: each names its callback and its fault."""
    bodies: dict[str, Any] = {"not an object": [1], "a string": "x", "an unknown output": {
        "output": "nope.children", "outputs": {"id": "nope", "property": "children"}, "inputs": [], "state": []}}
    for name, dep in site.callbacks.items():
        body = callback_body(dep)
        bodies[f"{name}: no inputs"] = {**body, "inputs": []}
        bodies[f"{name}: inputs a string"] = {**body, "inputs": "x"}
        bodies[f"{name}: no outputs"] = {k: v for k, v in body.items() if k != "outputs"}
        bodies[f"{name}: foreign input"] = {**body, "inputs": [{"id": "x", "property": "y", "value": 1}] * len(body["inputs"])}
        if body["state"]:
            bodies[f"{name}: no state"] = {k: v for k, v in body.items() if k != "state"}
        for shape, value in (("a dict", {"a": [1]}), ("a list", [1, "a"]), ("huge text", "z" * 3000), ("-1", -1)):
            bodies[f"{name}: every value {shape}"] = {
                **body,
                "inputs": [{**d, "value": value} if isinstance(d, dict) else d for d in body["inputs"]],
                "state": [{**d, "value": value} if isinstance(d, dict) else d for d in body["state"]],
                "changedPropIds": [f"{d['id']}.{d['property']}" for d in body["inputs"] if isinstance(d, dict)],
            }
    return bodies


def test_crafted_callback_bodies_and_component_paths_are_4xx_never_500(site: Site) -> None:
    admin = site.client("root")  # may run every callback: only the body's faults are tested
    answers = {what: admin.post(f"{site.url}/_dash-update-component", json=body).status_code
               for what, body in _crafted_bodies(site).items()}
    answers["not JSON"] = admin.post(f"{site.url}/_dash-update-component", data="{x",
                                     headers={"Content-Type": "application/json"}).status_code
    assert {what: code for what, code in answers.items() if code >= 500} == {}
    envelope = [what for what in answers if "every value" not in what]
    assert {what: answers[what] for what in envelope if answers[what] != 400} == {}
    suites = ["dash/nope.js", "nope/x.js", "dash/x", "dash/dcc/..%2f..%2f__init__.py", "dash/deps/react@18.v3_0_0m1.js",
              "plotly/x.js", "dash/dcc/x.map", "dash/dcc/x.css"]
    assert {p: admin.get(f"{site.url}/_dash-component-suites/{p}").status_code for p in suites} == dict.fromkeys(suites, 404)


def test_the_console_dispatches_as_the_operator_and_refuses_the_manager(site: Site) -> None:
    alarm_id = _alarm(site, 3, "acknowledged")
    refused = _step(site, "boss", "c-dispatch", alarm_id, **{"c-guard": "g1"})
    assert refused.status_code == 403 and "may not console.view" in refused.text
    no_guard = _step(site, "op1", "c-dispatch", alarm_id)
    assert no_guard.status_code == 200 and "Missing or wrong input" in no_guard.text and "guard_id" in no_guard.text
    done = _step(site, "op1", "c-dispatch", alarm_id, **{"c-guard": "g1", "c-note": "radio CH2"})
    assert done.status_code == 200 and "dispatched: op1" in done.text
    with site.store.session() as s:
        alarm, guard = s.get(Alarm, alarm_id), s.get(Guard, "g1")
        assert (alarm.status, alarm.guard_id, guard.status) == ("dispatched", "g1", "dispatched")
        assert audit_trail(s, alarm_id)[-1].note == "radio CH2"


def test_illegal_steps_and_missing_reasons_come_back_as_messages(site: Site) -> None:
    alarm_id = _alarm(site, 4, "on_scene", guard_id="g1")
    again = _step(site, "op1", "c-ack", alarm_id)
    assert again.status_code == 200 and "Not possible in this state" in again.text
    assert "cannot go from on_scene to acknowledged" in again.text and "Traceback" not in again.text
    no_reason = _step(site, "root", "c-false", alarm_id)
    assert no_reason.status_code == 200 and "needs a reason code" in no_reason.text
    assert "Missing or wrong input" in no_reason.text and "Not possible in this state" not in no_reason.text
    assert _step(site, "root", "c-false", alarm_id, **{"c-reason": "staff"}).status_code == 200
    assert _trail(site, alarm_id)[-1] == ("false_alarm", "root")


def _console(site: Site, selected: str | None, message_for: str | None = None) -> dict[str, Any]:
    """The console's refresh as the operator sees it: what is in view, and what became of the message."""
    values = {"lang.value": "en", "console-selected.data": selected, "console-message-for.data": message_for}
    answer = _callback(site, site.client("op1"), "console-alarms", values, ["data-tick.n_intervals"])
    assert answer.status_code == 200, answer.text
    response = answer.json()["response"]
    message = next((v for k, v in response.items() if k.startswith("console-message@") or k == "console-message"), None)
    return {"current": response["console-current"]["data"], "message": message}


def test_the_console_moves_on_from_a_closed_alarm_and_drops_its_message(site: Site) -> None:
    waiting = _alarm(site, 7)
    long_closed, just_closed = _alarm(site, 8), _alarm(site, 9)
    with site.store.session() as s:
        transition(s, long_closed, "false_alarm", "op1", reason="staff",
                   now=utcnow() - timedelta(seconds=KEEP_CLOSED_S + 5))
        transition(s, just_closed, "false_alarm", "op1", reason="staff")
    # the outcome of a step stays in view a while, with its message
    shown = _console(site, just_closed, message_for=just_closed)
    assert shown["current"] == just_closed and shown["message"] is None
    # then the console shows the alarm still waiting, and the old message goes
    moved = _console(site, long_closed, message_for=long_closed)
    assert moved["current"] == waiting
    assert moved["message"] == {"children": []}
    # an open alarm chosen by the operator stays chosen
    assert _console(site, waiting)["current"] == waiting


def test_a_console_step_keeps_its_alarm_selected_with_the_message(site: Site) -> None:
    first, second = _alarm(site, 10), _alarm(site, 11)  # nobody chose: the console shows the newest new one
    answer = _step(site, "op1", "c-ack", second)
    assert answer.status_code == 200 and "acknowledged: op1" in answer.text
    response = answer.json()["response"]
    assert response["console-message-for"]["data"] == second
    selected = next(v for k, v in response.items() if k.startswith("console-selected"))
    assert selected == {"data": second}
    assert _console(site, second, message_for=second) == {"current": second, "message": None}
    assert _console(site, None)["current"] == first  # where the console would have jumped without it


def _press(site: Site, user: str, alarm_id: str, target: str) -> requests.Response:
    button = {"alarm": alarm_id, "to": target, "type": "guard-act"}
    values = {"pattern.n_clicks": [{"id": button, "property": "n_clicks", "value": 1}], "lang.value": "en"}
    changed = json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"
    return _callback(site, site.client(user), "guard-message", values, [changed])


def test_a_guard_acts_only_on_his_own_dispatch(site: Site) -> None:
    alarm_id = _alarm(site, 5, "dispatched", guard_id="g1")
    other = _press(site, "li", alarm_id, "on_scene")
    assert other.status_code == 403 and "only act on alarms dispatched to him" in other.text
    assert _press(site, "op1", alarm_id, "on_scene").status_code == 403, "the operator has no guard page"
    assert _trail(site, alarm_id)[-1] == ("dispatched", "setup")
    assert _press(site, "wang", alarm_id, "on_scene").status_code == 200
    assert _press(site, "wang", alarm_id, "resolved").status_code == 200
    assert _trail(site, alarm_id)[-2:] == [("on_scene", "wang"), ("resolved", "wang")]
    with site.store.session() as s:
        assert s.get(Guard, "g1").status == "on_patrol"


def test_only_managers_and_admins_export_the_report(site: Site) -> None:
    alarm_id = _alarm(site, 6, "acknowledged")
    with site.store.session() as s:
        transition(s, alarm_id, "resolved", "op1")
    since = datetime(2000, 1, 1, tzinfo=UTC).isoformat()
    values = {"report-csv.n_clicks": 1, "report-shift.value": f"{since}/{utcnow().isoformat()}", "lang.value": "en"}
    assert _callback(site, site.client("op1"), "report-download", values, ["report-csv.n_clicks"]).status_code == 403
    exported = _callback(site, site.client("boss"), "report-download", values, ["report-csv.n_clicks"])
    assert exported.status_code == 200
    csv_text = exported.json()["response"]["report-download"]["data"]["content"]
    assert csv_text.startswith("\ufeff"), "spreadsheet programs read the Chinese report as UTF-8"
    lines = csv_text[1:].strip().splitlines()
    assert lines[0].startswith("Kind,Zone / guard,Alarms,Resolved")
    assert lines[1].startswith("all,All alarms,1,1,0,0,")
    assert any(line.startswith("zone,Lake (drowning danger),1,1") for line in lines)
    bad = _callback(site, site.client("boss"), "report-body", {"report-shift.value": "yesterday"}, ["report-shift.value"])
    assert bad.status_code == 200 and "report-shift: 'yesterday' is not" in bad.text


def test_only_managers_and_admins_export_analytics_and_a_guard_may_not_even_look(site: Site) -> None:
    yesterday = preset(Preset.YESTERDAY, utcnow(), ZoneInfo(site_config().site.timezone))
    with site.store.session() as s:
        s.add(Merchant(id="m1", name="Green Leaf Tea", category="tea", business_format=BusinessFormat.CATERING,
                       area_m2=35.0, hours=Week.every_day("10:00", "22:00")))
        s.flush()
        s.add(Footfall(merchant_id="m1", minute=yesterday.start + timedelta(hours=12), source="cam", count_in=7, count_out=0))
    controls = {"analytics-range.value": "yesterday", "analytics-compare.value": "previous_period",
                "analytics-granularity.value": "hour", "lang.value": "en"}
    button = {"table": "league", "type": "analytics-csv"}
    values = {**controls, "pattern.n_clicks": [{"id": button, "property": "n_clicks", "value": 1}]}
    changed = [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    assert _callback(site, site.client("op1"), "analytics-download", values, changed).status_code == 403
    exported = _callback(site, site.client("boss"), "analytics-download", values, changed)
    assert exported.status_code == 200
    data = exported.json()["response"]["analytics-download"]["data"]
    day = f"{yesterday.start:%Y%m%d}"
    assert data["filename"] == f"merchant-league_{day}_{day}.csv"
    assert data["content"].lstrip("\ufeff").splitlines() == [
        "Merchant id,Merchant,Format,Area (m²),Visitors,Compared with,Change,Open hours,Per open hour,Per m²",
        "m1,Green Leaf Tea,catering,35,7,—,—,12.0,0.6,0.20",
    ]
    shown = _callback(site, site.client("op1"), "analytics-body", controls, ["analytics-range.value"])
    assert shown.status_code == 200 and "Green Leaf Tea" in shown.text and "analytics-csv" not in shown.text
    assert _callback(site, site.client("wang"), "analytics-body", controls, ["analytics-range.value"]).status_code == 403
    bad = _callback(site, site.client("boss"), "analytics-body", {**controls, "analytics-range.value": "forever"},
                    ["analytics-range.value"])
    assert bad.status_code == 200 and "analytics-range: 'forever' is not one of" in bad.text
