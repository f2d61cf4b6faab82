"""What pages need: the app's dependencies (``AppContext``) and, for a page's layout, who opens it
(``PageContext``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ops_center.auth import Action, Principal, can
from ops_center.config import SiteConfig
from ops_center.queries import ReadContext
from ops_center.store.db import Store


@dataclass(frozen=True)
class AppContext:
    """The app's dependencies, handed to each page's ``register`` (no module-level state)."""

    config: SiteConfig
    store: Store
    config_path: Path | None = None  # the site file the config was loaded from; None: not from a file

    def read_context(self) -> ReadContext:
        """The context of a read made now."""
        return ReadContext.for_site(self.config)


@dataclass(frozen=True)
class PageContext:
    """What a page's layout is drawn for: the app and the logged-in user who opens the page."""

    app: AppContext
    principal: Principal

    def may(self, action: Action) -> bool:
        """True when the permission table lets the user do ``action`` (to show or leave out a control)."""
        return can(self.principal.role, action)
