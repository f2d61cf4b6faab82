"""Escalation: overdue alarms rise and notify a real HTTP server and the local MQTT broker; camera
outages become one alarm each."""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import select

from ops_center.alarm_actions import audit_trail, transition
from ops_center.config import AlarmPolicy, MqttTarget
from ops_center.escalation import (
    EscalationService,
    due_escalations,
    outage_alarms,
    run_escalation_loop,
)
from ops_center.notify import Notifier
from ops_center.records import HeartbeatRecord
from ops_center.store import writes
from ops_center.store.db import Store, open_store
from ops_center.store.models import Alarm
from ops_center.store.types import utcnow
from ops_center.vocabulary import Severity
from tests.builders import T0, alarm_record, store_alarm
from tests.services import ensure_mosquitto

POLICY = AlarmPolicy(escalate_after_s=30, camera_offline_after_s=30)


# --- pure decisions --------------------------------------------------------------------------


@dataclass
class FakeAlarm:
    id: str
    status: str = "new"
    severity: Severity = Severity.CRITICAL
    raised_at: datetime = T0
    escalated_at: datetime | None = None


@dataclass
class Beat:
    camera_id: str
    status: str
    updated_at: datetime
    started_at: datetime = T0 - timedelta(hours=1)
    last_frame_at: datetime | None = None


def test_only_new_unescalated_alarms_past_the_limit_escalate() -> None:
    alarms = [
        FakeAlarm("due", severity=Severity.WARNING),
        FakeAlarm("acked", status="acknowledged"),
        FakeAlarm("done", escalated_at=T0 + timedelta(seconds=30)),
        FakeAlarm("young", raised_at=T0 + timedelta(seconds=1)),
        FakeAlarm("top", severity=Severity.EMERGENCY),
    ]
    due = due_escalations(alarms, T0 + timedelta(seconds=30), POLICY)
    assert [(e.alarm_id, e.from_severity, e.to_severity) for e in due] == [
        ("due", "warning", "critical"), ("top", "emergency", "emergency")
    ]
    assert due_escalations(alarms, T0 + timedelta(seconds=29.9), POLICY) == []
    assert [s.raised() for s in Severity] == ["critical", "emergency", "emergency"]
    assert Severity.CRITICAL.at_least() == (Severity.CRITICAL, Severity.EMERGENCY)


def test_an_outage_keeps_one_id_until_the_camera_comes_back() -> None:
    silent = Beat("lake-east", "online", updated_at=T0)
    assert outage_alarms([silent], T0 + timedelta(seconds=30), POLICY) == []
    first = outage_alarms([silent], T0 + timedelta(seconds=31), POLICY)
    later = outage_alarms([silent], T0 + timedelta(minutes=10), POLICY)
    assert [(a.kind, a.camera_id, a.severity) for a in first] == [("worker_silent", "lake-east", "warning")]
    assert first[0].id == later[0].id
    back_then_silent = Beat("lake-east", "online", updated_at=T0 + timedelta(minutes=11))
    again = outage_alarms([back_then_silent], T0 + timedelta(minutes=12), POLICY)
    assert again[0].id != first[0].id


def test_a_worker_that_reports_its_camera_lost_raises_camera_offline() -> None:
    now = T0 + timedelta(minutes=5)
    beats = [
        Beat("a", "offline", updated_at=now, last_frame_at=now - timedelta(seconds=5)),
        Beat("b", "reconnecting", updated_at=now, last_frame_at=now - timedelta(seconds=31)),
        Beat("c", "reconnecting", updated_at=now, last_frame_at=now - timedelta(seconds=10)),
        Beat("d", "stopped", updated_at=T0),
        Beat("e", "online", updated_at=now, last_frame_at=now),
    ]
    found = outage_alarms(beats, now, POLICY)
    assert [(a.camera_id, a.kind) for a in found] == [("a", "camera_offline"), ("b", "camera_offline")]
    assert [a.id for a in outage_alarms(beats[:1], now + timedelta(seconds=20), POLICY)] == [found[0].id]


def test_an_open_outage_alarm_holds_back_another_of_its_kind_for_that_camera() -> None:
    now = T0 + timedelta(minutes=5)
    beats = [Beat("a", "offline", updated_at=now), Beat("b", "offline", updated_at=now)]
    found = outage_alarms(beats, now, POLICY, open_outages={("camera_offline", "a"), ("worker_silent", "b")})
    assert [(a.camera_id, a.kind) for a in found] == [("b", "camera_offline")]


# --- real receivers -----------------------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    """A local webhook receiver that answers ``status`` and keeps every JSON body."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.bodies: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.bodies.put((self.headers["Content-Type"], json.loads(body)))
                self.send_response(server.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/ops"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscriber() -> Iterator[tuple[str, queue.Queue[dict[str, Any]]]]:
    """A real MQTT subscription on the local broker, to a topic of this test alone."""
    ensure_mosquitto()
    topic = f"ops-center-test/{uuid.uuid4().hex}/alarms"
    messages: queue.Queue[dict[str, Any]] = queue.Queue()
    subscribed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = lambda _c, _u, msg: messages.put(json.loads(msg.payload))
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    assert subscribed.wait(10), "could not subscribe on the local broker"
    yield topic, messages
    client.disconnect()
    client.loop_stop()


def _alarm(store: Store, n: int, severity: str = "critical", raised_at: datetime = T0) -> str:
    return store_alarm(store, alarm_record(n, run="esc", severity=severity, raised_at=raised_at, place="East shore"))


def test_escalation_notifies_the_webhook_and_mqtt_once(store_url: str, receiver: Receiver, subscriber: Any) -> None:
    topic, messages = subscriber
    policy = AlarmPolicy(escalate_after_s=30, webhook_url=receiver.url, mqtt=MqttTarget(topic=topic))
    store = open_store(store_url)
    overdue, acked = _alarm(store, 1, severity="critical"), _alarm(store, 2)
    with store.session() as s:
        transition(s, acked, "acknowledged", "op1", now=T0 + timedelta(seconds=10))
    service = EscalationService(store, policy)

    assert service.check(T0 + timedelta(seconds=29)).escalated == []
    result = service.check(T0 + timedelta(seconds=31))
    assert result.escalated == [overdue]
    assert [(d.channel, d.ok) for d in result.deliveries] == [("webhook", True), ("mqtt", True)]

    content_type, body = receiver.bodies.get(timeout=10)
    assert content_type == "application/json"
    assert body["event"] == "alarm.escalated" and body["unacknowledged_after_s"] == 30
    assert {k: body["alarm"][k] for k in ("id", "severity", "previous_severity", "status", "zone_name", "place")} == {
        "id": overdue, "severity": "emergency", "previous_severity": "critical", "status": "new",
        "zone_name": "lake", "place": "East shore",
    }
    assert datetime.fromisoformat(body["alarm"]["escalated_at"]) == T0 + timedelta(seconds=31)
    assert messages.get(timeout=10) == body

    assert service.check(T0 + timedelta(minutes=5)).escalated == []
    assert receiver.bodies.empty() and messages.empty()
    with store.session() as s:
        alarm = s.get(Alarm, overdue)
        assert (alarm.severity, alarm.escalated_at, alarm.version) == ("emergency", T0 + timedelta(seconds=31), 1)
        assert [(t.to_status, t.actor) for t in audit_trail(s, overdue)][-1] == ("new", "system:escalation")
        assert s.get(Alarm, acked).escalated_at is None


def test_a_failed_receiver_is_logged_and_the_other_channel_still_delivers(
    sqlite_url: str, subscriber: Any, caplog: pytest.LogCaptureFixture
) -> None:
    topic, messages = subscriber
    failing = Receiver(status=500)
    threading.Thread(target=failing.serve_forever, daemon=True).start()
    try:
        policy = AlarmPolicy(webhook_url=failing.url, mqtt=MqttTarget(topic=topic))
        store = open_store(sqlite_url)
        alarm_id = _alarm(store, 1)
        with caplog.at_level(logging.WARNING, logger="ops_center.notify"):
            result = EscalationService(store, policy).check(T0 + timedelta(minutes=1))
    finally:
        failing.shutdown()
        failing.server_close()
    assert result.escalated == [alarm_id]
    assert [(d.channel, d.ok) for d in result.deliveries] == [("webhook", False), ("mqtt", True)]
    assert "HTTP 500" in result.deliveries[0].detail and "HTTP 500" in caplog.text
    assert messages.get(timeout=10)["alarm"]["id"] == alarm_id


def test_unreachable_receivers_never_crash_the_check(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    notifier = Notifier(f"http://127.0.0.1:{port}/x", MqttTarget(port=port), timeout_s=2)
    store = open_store(sqlite_url)
    _alarm(store, 1)
    with caplog.at_level(logging.WARNING, logger="ops_center.notify"):
        result = EscalationService(store, POLICY, notifier).check(T0 + timedelta(minutes=1))
    assert len(result.escalated) == 1
    assert [(d.channel, d.ok) for d in result.deliveries] == [("webhook", False), ("mqtt", False)]
    assert "webhook notification" in caplog.text and "mqtt notification" in caplog.text


def test_a_silent_camera_raises_one_alarm_per_outage(store_url: str) -> None:
    store = open_store(store_url)

    def beat(at: datetime) -> None:
        with store.session() as s:
            writes.save_heartbeat(s, HeartbeatRecord(camera_id="lake-east", status="online", model_status="ok",
                                                     started_at=T0, updated_at=at, last_frame_at=at))

    def outages() -> list[tuple[str, str]]:
        with store.session() as s:
            return [(a.kind, a.status) for a in s.scalars(select(Alarm).where(Alarm.kind == "worker_silent"))]

    service = EscalationService(store, POLICY, Notifier())
    beat(T0)
    assert service.check(T0 + timedelta(seconds=20)).raised == []
    raised = [service.check(T0 + timedelta(seconds=s)).raised for s in (31, 45, 90, 200)]
    assert [len(r) for r in raised] == [1, 0, 0, 0]
    assert outages() == [("worker_silent", "new")]
    with store.session() as s:
        transition(s, raised[0][0], "acknowledged", "op1")
        transition(s, raised[0][0], "resolved", "op1")
    assert service.check(T0 + timedelta(seconds=250)).raised == []  # same outage, already handled
    beat(T0 + timedelta(seconds=300))  # back, then silent again
    assert service.check(T0 + timedelta(seconds=310)).raised == []
    assert len(service.check(T0 + timedelta(seconds=340)).raised) == 1
    assert sorted(outages()) == [("worker_silent", "new"), ("worker_silent", "resolved")]


def test_a_worker_restarted_again_and_again_raises_one_camera_offline_alarm(store_url: str) -> None:
    """A missing video or a dead camera: each supervisor restart reports "offline" with a new start time."""
    store = open_store(store_url)
    service = EscalationService(store, POLICY, Notifier())
    raised = []
    for restart in range(4):
        started = T0 + timedelta(seconds=10 * restart)
        with store.session() as s:
            writes.save_heartbeat(s, HeartbeatRecord(camera_id="lake-east", status="offline", model_status="loading",
                                                     started_at=started, updated_at=started))
        raised += service.check(started + timedelta(seconds=1)).raised
    assert len(raised) == 1
    with store.session() as s:
        kinds = [a.kind for a in s.scalars(select(Alarm))]
        transition(s, raised[0], "acknowledged", "op1")
        transition(s, raised[0], "resolved", "op1")
    assert kinds == ["camera_offline"]
    with store.session() as s:  # still down after the operator closed it: the next run raises it again
        writes.save_heartbeat(s, HeartbeatRecord(camera_id="lake-east", status="offline", model_status="loading",
                                                 started_at=T0 + timedelta(minutes=2), updated_at=T0 + timedelta(minutes=2)))
    assert len(service.check(T0 + timedelta(minutes=2, seconds=1)).raised) == 1


def test_the_loop_escalates_until_stopped(sqlite_url: str, receiver: Receiver) -> None:
    store = open_store(sqlite_url)
    alarm_id = _alarm(store, 1, raised_at=utcnow() - timedelta(minutes=1))
    stop = threading.Event()
    loop = threading.Thread(
        target=run_escalation_loop, args=(store, AlarmPolicy(webhook_url=receiver.url), 0.05, stop), daemon=True
    )
    loop.start()
    try:
        assert receiver.bodies.get(timeout=20)[1]["alarm"]["id"] == alarm_id
    finally:
        stop.set()
        loop.join(timeout=10)
    assert not loop.is_alive()


class _BrokenOnce(Notifier):
    """A notifier with a bug that shows on its first message only."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(self, message: Any) -> list[Any]:
        self.sent.append(message["alarm"]["id"])
        if len(self.sent) == 1:
            raise KeyError("a bug in a notifier")
        return []


def test_an_unexpected_error_costs_the_loop_one_check_not_its_life(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(sqlite_url)
    first = _alarm(store, 1, raised_at=utcnow() - timedelta(minutes=1))
    notifier, stop = _BrokenOnce(), threading.Event()
    loop = threading.Thread(target=run_escalation_loop, args=(store, POLICY, 0.05, stop, notifier), daemon=True)
    loop.start()
    try:
        deadline = utcnow() + timedelta(seconds=20)
        while len(notifier.sent) < 1 and utcnow() < deadline:
            stop.wait(0.05)
        second = _alarm(store, 2, raised_at=utcnow() - timedelta(minutes=1))
        while len(notifier.sent) < 2 and utcnow() < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
        loop.join(timeout=10)
    assert notifier.sent == [first, second]
    assert "escalation check failed unexpectedly" in caplog.text
