"""Who may open which page and run which callback: the app's one place for role checks on the Dash side.

Which action opens which page is each page's ``PageSpec`` (``layouts.pages.PAGES``; the login gate
checks page loads, the router in-app navigation). ``guarded_callback`` registers a Dash callback
whose body runs only for a user the permission table allows; anyone else gets HTTP 403 before it
reads or writes anything, and inputs it cannot use are a 400, not a 500. ``refused`` turns what
``ops_center`` refuses for permission reasons into that same 403.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dash import Dash
from werkzeug.exceptions import BadRequest, Forbidden

from ops_center.auth import Action, PermissionDenied, Principal, can
from web.auth import current_principal, require_action

log = logging.getLogger(__name__)
# What a callback body raises on a value of the wrong shape (the kinds of values the page sends are
# checked before, by layouts.callback_checks; what a store's data must hold is the callback's own).
UNUSABLE_INPUT = (TypeError, ValueError, KeyError, AttributeError, IndexError)


def require_login() -> Principal:
    """The logged-in user; HTTP 403 when there is none (the gate normally answers 401 first)."""
    principal = current_principal()
    if principal is None:
        raise Forbidden("login required")
    return principal


def may(principal: Principal | None, action: Action) -> bool:
    """True when ``principal`` is logged in and the permission table lets him do ``action``."""
    return principal is not None and can(principal.role, action)


def guarded_callback(app: Dash, action: Action | None, *dependencies: Any, **kwargs: Any) -> Callable:
    """``app.callback(*dependencies, **kwargs)`` whose body runs only when the current user may do
    ``action`` (``None``: any logged-in user); otherwise the request ends in HTTP 403."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def checked(*args: Any, **kw: Any) -> Any:
            if action is None:
                require_login()
            else:
                require_action(action)
            try:
                return func(*args, **kw)
            except UNUSABLE_INPUT:  # a value of a shape the page never sends (a crafted request)
                log.exception("callback %s: refused inputs it cannot use", func.__name__)
                raise BadRequest(f"callback {func.__name__}: inputs of a shape the page never sends") from None

        return app.callback(*dependencies, **kwargs)(checked)

    return decorate


@contextmanager
def refused() -> Iterator[None]:
    """Turn a ``PermissionDenied`` from the core (a guard acting on someone else's dispatch) into HTTP 403."""
    try:
        yield
    except PermissionDenied as exc:
        raise Forbidden(str(exc)) from None
