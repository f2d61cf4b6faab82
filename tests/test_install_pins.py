"""A fresh install gets the versions the tests passed with: ``constraints.txt`` pins every
dependency inside ``pyproject.toml``'s open ranges, and the README's two commands (which CI runs)
install through it."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def pins() -> dict[str, str]:
    """Package name -> pinned version, from constraints.txt."""
    found: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned, f"constraints.txt: {line!r} is not an exact pin"
            found[canonicalize_name(name)] = pinned
    return found


def declared(*extras: str) -> list[Requirement]:
    """The requirements pyproject.toml declares: the package's own and those of ``extras``
    (every extra when none is named)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = project["optional-dependencies"]
    wanted = [req for name in (extras or tuple(groups)) for req in groups[name]]
    return [Requirement(req) for req in [*project["dependencies"], *wanted]]


def test_every_declared_dependency_is_pinned_inside_its_range() -> None:
    pinned = pins()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is in pyproject.toml but not pinned in constraints.txt"
        assert req.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pinned[name]} outside pyproject's range {req.specifier}"
        )


def test_the_pins_are_what_this_environment_runs() -> None:
    pinned = pins()
    for req in declared("test"):  # what the README's test command installs
        assert version(req.name) == pinned[canonicalize_name(req.name)], (
            f"{req.name} {version(req.name)} is installed but constraints.txt pins {pinned[canonicalize_name(req.name)]}"
        )


def test_both_readme_commands_install_through_the_constraints() -> None:
    readme = (ROOT / "README.md").read_text()
    for marker in ("main-command", "test-command"):
        block = re.search(rf"<!-- {marker} -->(.*?)<!-- /{marker} -->", readme, re.S)
        assert block, f"README has no {marker} block"
        assert "pip install -c constraints.txt" in block.group(1), f"the README's {marker} ignores constraints.txt"
