"""The login throttle: failed sign-ins counted per user name and per client address, and a bound on
how many passwords are checked at once.

A password check (argon2) costs tens of milliseconds of CPU on purpose, so a flood of guesses would
eat the server's CPU and slow the wall's own callbacks. Two defences, both before any hashing:
Flask-Limiter counts failed sign-ins (401s) per user name (``PER_NAME``) and per client address
(``PER_ADDRESS``) over a moving window (a fixed one lets twice the limit through across a minute's
edge) and answers 429 with ``Retry-After`` once either is spent; and at most ``MAX_CONCURRENT_CHECKS``
password checks run at a time, so a flood from many addresses waits for a slot (``SLOT_WAIT_S``) and
is then refused with 503 instead of taking every worker thread.
Counts live where ``dashboard.limits_storage`` says: the memory of one server process (``memory://``,
enough for ``python run_dashboard.py``'s one process), or Redis, shared by gunicorn's workers and by
several servers, so that four workers do not give a guesser four times the tries. While Redis cannot
be reached, requests are let through uncounted and the log says so: an outage of the counters must
not lock the duty room out of its wall.

``limit_requests`` bounds other requests per client address the same way (the residents' page: a
crowd of phones), counting every request it applies to, with Flask-Limiter's own window counter.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import flask
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

PER_NAME = "5 per minute; 20 per hour"
PER_ADDRESS = "20 per minute; 100 per hour"
MAX_CONCURRENT_CHECKS = max(1, (os.cpu_count() or 2) // 2)
SLOT_WAIT_S = 2.0
BUSY_RETRY_S = 5
KEY_PREFIX = "ops-center"  # the counters' keys in a Redis shared with other programs
# A Redis that stops answering (a dropped link) costs a request one second, not the kernel's minutes.
STORAGE_OPTIONS: dict[str, str | int] = {"socket_connect_timeout": 1, "socket_timeout": 1}

View = Callable[[], Response]


def throttled_login(
    server: flask.Flask, view: View, refuse: Callable[[int], flask.Response], storage_uri: str = "memory://"
) -> View:
    """``view`` (the login form's handler) behind the per-name and per-address counts of failed
    sign-ins, kept in ``storage_uri``; a throttled POST is logged and answered by
    ``refuse(retry_after_s)`` before ``view`` runs."""
    # Our answers set their own Retry-After: the limiter's headers would overwrite a 503's with its window's.
    # swallow_errors: while the storage is down, the limiter logs the error and lets the sign-in through.
    limiter = Limiter(get_remote_address, app=server, storage_uri=storage_uri, strategy="moving-window",
                      storage_options=STORAGE_OPTIONS, key_prefix=KEY_PREFIX, swallow_errors=True)
    _say_if_down(limiter.storage, storage_uri, "the login throttle")

    def breached(limit: RequestLimit) -> flask.Response:
        retry_after = max(1, int(limit.reset_at - time.time()))
        log.warning(
            "login throttled: user name %r from %s, more than %s failed (retry after %d s)",
            _user_name(), get_remote_address(), limit.limit, retry_after,
        )
        return refuse(retry_after)

    def failed(response: flask.Response) -> bool:
        return response.status_code == 401

    def counted(limits: str, key: Callable[[], str]) -> Callable[[View], View]:
        return limiter.limit(limits, key_func=key, methods=["POST"], deduct_when=failed, on_breach=breached)

    by_name = counted(PER_NAME, lambda: "name:" + _user_name())
    by_address = counted(PER_ADDRESS, get_remote_address)
    return by_address(by_name(view))


def _user_name() -> str:
    return flask.request.form.get("username", "").strip().lower()


_checks = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)


@contextmanager
def password_check_slot() -> Iterator[bool]:
    """Hold one of the ``MAX_CONCURRENT_CHECKS`` password-check slots; yields False when none came
    free within ``SLOT_WAIT_S`` (the caller answers 503, retry after ``BUSY_RETRY_S``)."""
    acquired = _checks.acquire(timeout=SLOT_WAIT_S)
    try:
        yield acquired
    finally:
        if acquired:
            _checks.release()


def limit_requests(
    server: flask.Flask,
    name: str,
    per_minute: int,
    applies: Callable[[], bool],
    refuse: Callable[[int], flask.Response],
    storage_uri: str = "memory://",
) -> None:
    """Count the requests to ``server`` that ``applies`` picks (called inside the request) per client
    address, in ``storage_uri``; past ``per_minute`` in the last minute, answer ``refuse(retry_after_s)``
    (which sets the status and ``Retry-After``) before the request's view runs, and log it (once a
    minute per address). While the storage cannot be reached, requests pass uncounted (logged once a minute)."""
    storage = storage_from_string(storage_uri, **STORAGE_OPTIONS)
    assert isinstance(storage, Storage), f"{storage_uri} names an asyncio storage"  # the config allows none
    _say_if_down(storage, storage_uri, name)
    limiter = MovingWindowRateLimiter(storage)
    item, once_a_minute = RateLimitItemPerMinute(per_minute), RateLimitItemPerMinute(1)
    log_lines = MovingWindowRateLimiter(MemoryStorage())  # one line per address (or outage) and minute

    def check() -> flask.Response | None:
        if not applies():
            return None
        address = get_remote_address()
        try:
            if limiter.hit(item, KEY_PREFIX, name, address):
                return None
            retry_after = max(1, int(limiter.get_window_stats(item, KEY_PREFIX, name, address).reset_time - time.time()))
        except storage.base_exceptions as exc:
            if log_lines.hit(once_a_minute, name, "storage down"):
                log.warning("%s: requests pass uncounted, the rate-limit storage %s failed: %s", name,
                            _where(storage_uri), exc)
            return None
        if log_lines.hit(once_a_minute, name, address):
            log.warning("%s: %s made more than %d requests in a minute (retry after %d s)", name, address,
                        per_minute, retry_after)
        return refuse(retry_after)

    server.before_request(check)


def _say_if_down(storage: Storage, storage_uri: str, counts: str) -> None:
    """Log a warning if ``storage`` (at ``storage_uri``, keeping ``counts``) does not answer now."""
    if not storage.check():
        log.warning("%s: the rate-limit storage %s does not answer; requests pass uncounted until it does",
                    counts, _where(storage_uri))


def _where(storage_uri: str) -> str:
    """``storage_uri`` without its password, for the log."""
    parts = urlsplit(storage_uri)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"
