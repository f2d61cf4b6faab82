"""The page registry as the app reads it: one spec per page, each with its own name, path and
navigation label in both languages; the alarm popup opens over the pages that ask for it."""

from __future__ import annotations

from layouts.i18n import LANGUAGES, TEXT
from layouts.pages import PAGES
from layouts.registry import PageSpec, page_actions, popup_paths
from ops_center.auth import Action


def _spec(name: str, path: str, popup: bool = False) -> PageSpec:
    return PageSpec(name=name, path=path, action=Action.VIEW_WALL, nav_label="nav.wall", layout=lambda *_: None,
                    register=lambda *_: None, popup=popup)


def test_every_page_has_its_own_name_and_path_and_a_label_in_both_languages() -> None:
    names, paths = [p.name for p in PAGES], [p.path for p in PAGES]
    assert len(set(names)) == len(names) and len(set(paths)) == len(paths) == len(page_actions(PAGES))
    assert all(path.startswith("/") for path in paths)
    for page in PAGES:
        assert set(TEXT[page.nav_label]) == set(LANGUAGES), page.name


def test_the_popup_opens_over_the_pages_that_ask_for_it_and_no_other() -> None:
    pages = [_spec("wall", "/", popup=True), _spec("console", "/console"), _spec("alarms", "/alarms", popup=True)]
    assert popup_paths(pages) == ("/", "/alarms")
    assert set(popup_paths(PAGES)) == {"/", "/alarms"}  # the wall and the alarm list, not the console
