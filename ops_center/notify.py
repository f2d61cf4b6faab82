"""Outgoing notifications: a webhook POST with a JSON body and an MQTT publish, each optional.

A failed delivery is logged and reported back, never raised: the escalation loop must keep running
when a receiver is down.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from ops_center.config import AlarmPolicy, MqttTarget

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Delivery:
    """How one notification went on one channel (``webhook`` or ``mqtt``)."""

    channel: str
    ok: bool
    detail: str


class Notifier:
    """Sends one JSON message to the configured webhook and MQTT topic."""

    def __init__(
        self, webhook_url: str | None = None, mqtt_target: MqttTarget | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.webhook_url = webhook_url
        self.mqtt_target = mqtt_target
        self.timeout_s = timeout_s

    @classmethod
    def from_policy(cls, policy: AlarmPolicy, timeout_s: float = DEFAULT_TIMEOUT_S) -> Notifier:
        """A notifier for the site's ``alarms`` policy (webhook_url, mqtt)."""
        return cls(policy.webhook_url, policy.mqtt, timeout_s)

    def send(self, message: Mapping[str, Any]) -> list[Delivery]:
        """Deliver ``message`` on every configured channel; failures are logged, not raised."""
        body = json.dumps(message, separators=(",", ":"), default=str).encode()
        deliveries = []
        if self.webhook_url:
            deliveries.append(self._deliver("webhook", self.webhook_url, self._post, body))
        if self.mqtt_target:
            target = f"mqtt://{self.mqtt_target.host}:{self.mqtt_target.port}/{self.mqtt_target.topic}"
            deliveries.append(self._deliver("mqtt", target, self._publish, body))
        return deliveries

    def _deliver(self, channel: str, target: str, send: Callable[[bytes], str], body: bytes) -> Delivery:
        try:
            detail = send(body)
        except (OSError, ValueError, RuntimeError) as exc:  # URLError, refused, timeout, bad URL
            log.warning("%s notification to %s failed: %s", channel, target, exc)
            return Delivery(channel, False, f"{target}: {exc}")
        return Delivery(channel, True, f"{target}: {detail}")

    def _post(self, body: bytes) -> str:
        assert self.webhook_url is not None
        request = urllib.request.Request(
            self.webhook_url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            raise OSError(f"HTTP {exc.code} {exc.reason}") from None

    def _publish(self, body: bytes) -> str:
        target = self.mqtt_target
        assert target is not None
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"ops-center-{uuid.uuid4().hex[:12]}")
        client.connect_timeout = self.timeout_s
        client.connect(target.host, target.port, keepalive=max(5, int(self.timeout_s * 2)))
        client.loop_start()
        try:
            info = client.publish(target.topic, body, qos=1)
            info.wait_for_publish(timeout=self.timeout_s)
            if not info.is_published():
                raise TimeoutError(f"broker did not confirm within {self.timeout_s:g} s")
        finally:
            client.disconnect()
            client.loop_stop()
        return "published"
