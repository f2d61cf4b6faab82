"""Read-side queries: plain data for the wall's panels, one module per panel.

Every function takes a SQLAlchemy ``Session`` and a ``ReadContext`` (the moment of the read, the
site's time zone and the staleness limit) and returns frozen dataclasses whose values carry the
time they were measured (``Stamp``), so a page can show each value's age and mark stale data.
Aggregation runs in SQL (``GROUP BY``); nothing here loads a large table into Python.
"""

from ops_center.queries.common import ReadContext, Stamp

__all__ = ["ReadContext", "Stamp"]
