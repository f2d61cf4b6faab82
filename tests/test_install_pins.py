"""A fresh install gets the versions the tests passed with: ``constraints.txt`` pins every
dependency inside ``pyproject.toml``'s open ranges, and the README's two commands (which CI runs)
install through it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("ops_center", "detectors", "layouts", "web", "ops_cli", "run_dashboard.py")
FIRST_PARTY = {"ops_center", "detectors", "layouts", "web", "ops_cli", "run_dashboard"}


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


def imported_packages() -> dict[str, Path]:
    """Top-level modules the product imports from outside the standard library and itself -> a file
    that imports it."""
    files = [ROOT / name for name in PRODUCT if name.endswith(".py")]
    files += [f for name in PRODUCT if not name.endswith(".py") for f in sorted((ROOT / name).rglob("*.py"))]
    found: dict[str, Path] = {}
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in {name.split(".")[0] for name in names} - FIRST_PARTY - sys.stdlib_module_names:
                found.setdefault(top, file.relative_to(ROOT))
    return found


def test_every_package_the_product_imports_is_declared() -> None:
    # what the product installs: its dependencies, and the cluster extra for ops-center cluster
    allowed = {canonicalize_name(req.name) for req in declared("cluster")}
    distributions = packages_distributions()
    imported = imported_packages()
    assert {"sqlalchemy", "dash", "cv2"} <= set(imported)  # the walk reads the product
    for module, file in imported.items():
        names = {canonicalize_name(d) for d in distributions.get(module, [])}
        assert names, f"{file} imports {module}, which no installed distribution provides"
        assert names & allowed, f"{file} imports {module} ({', '.join(sorted(names))}), not declared in pyproject.toml"
