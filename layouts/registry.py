"""What a page is to the app: a ``PageSpec``. The list of them is ``layouts.pages.PAGES``.

The app factory registers each page's callbacks, the shell builds the navigation, the router and
Dash's validation layout from the list, and the login gate gets each page's action from it; adding a
page is one module exporting ``PAGE = PageSpec(...)`` and one line in that list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dash import Dash
from dash.development.base_component import Component

from layouts.access import may
from layouts.context import AppContext, PageContext
from ops_center.auth import Action, Principal


@dataclass(frozen=True)
class PageSpec:
    """One page: where it lives, who may open it, its navigation label, its layout and its callbacks."""

    name: str  # in element ids and classes: ``nav-<name>``, ``page-<name>``
    path: str
    action: Action  # needed to open it (the gate checks page loads, the router in-app navigation)
    nav_label: str  # i18n key of its navigation link
    layout: Callable[[str, PageContext], Component]  # (language, who opens it) -> the page
    register: Callable[[Dash, AppContext], None]  # adds the page's callbacks to the app
    popup: bool = False  # the alarm popup opens over it (for those who acknowledge alarms)


def page_actions(pages: Iterable[PageSpec]) -> dict[str, Action]:
    """Page path -> the action needed to open it, for the login gate."""
    return {page.path: page.action for page in pages}


def popup_paths(pages: Iterable[PageSpec]) -> tuple[str, ...]:
    """The paths of the pages the alarm popup opens over."""
    return tuple(page.path for page in pages if page.popup)


def pages_of(principal: Principal | None, pages: Iterable[PageSpec]) -> list[PageSpec]:
    """The pages ``principal`` may open, in the list's (navigation) order."""
    return [page for page in pages if may(principal, page.action)]
