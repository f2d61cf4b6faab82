"""What every page's callbacks need: the site configuration and the store (who acts comes from the login)."""

from __future__ import annotations

from dataclasses import dataclass

from ops_center.config import SiteConfig
from ops_center.queries import ReadContext
from ops_center.store.db import Store


@dataclass(frozen=True)
class AppContext:
    """The app's dependencies, handed to each page's ``register`` (no module-level state)."""

    config: SiteConfig
    store: Store

    def read_context(self) -> ReadContext:
        """The context of a read made now."""
        return ReadContext.for_site(self.config)
