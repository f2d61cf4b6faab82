"""Waiting in tests for a condition with a deadline (a readiness wait, never a timing check)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = 180, poll_s: float = 0.2) -> T:
    """Poll ``probe`` until it returns something truthy and return that; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(poll_s)
    raise AssertionError(f"gave up waiting for {what}")
