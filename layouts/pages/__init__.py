"""The app's pages, one module each; ``PAGES`` lists them in navigation order.

A new page is a module exporting ``PAGE = layouts.registry.PageSpec(...)`` and one line here: the
app factory, the shell (navigation, router, validation layout) and the login gate all read this list.
"""

from layouts.pages import alarms, analytics, console, editor, findcar, guard, lots, notices, report, residents, wall
from layouts.registry import PageSpec

PAGES: tuple[PageSpec, ...] = (
    wall.PAGE, alarms.PAGE, console.PAGE, guard.PAGE, report.PAGE, analytics.PAGE, lots.PAGE, residents.PAGE,
    findcar.PAGE, editor.PAGE, notices.PAGE,  # a resident lands on the first page he may open: his residents' page
)
