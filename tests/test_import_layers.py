"""Imports run one way: ``layouts -> web -> ops_center <- detectors``. Each package is imported whole in
a fresh interpreter, and what it pulled in is checked against what it may not import."""

from __future__ import annotations

import subprocess
import sys

import pytest

FORBIDDEN = {
    "ops_center": ("detectors", "layouts", "web", "dash", "flask", "cv2", "ultralytics", "ray"),
    "web": ("layouts", "detectors", "dash", "cv2", "ultralytics", "ray"),
    "layouts": ("detectors", "cv2", "ultralytics", "ray"),
    "detectors": ("layouts", "web", "dash", "flask"),  # the camera side needs no web server
}
PROBE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    if ".migrations" not in module.name:
        importlib.import_module(module.name)
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_never_imports_the_layers_above_it(package: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, package], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    imported = set(done.stdout.split())
    assert package in imported
    assert imported.isdisjoint(FORBIDDEN[package]), sorted(imported & set(FORBIDDEN[package]))


# The one-machine default: the command line with every subcommand registered, the dashboard's
# entry point, the local supervisor and a camera worker.
DEFAULT_PATH = """
import sys
import detectors.supervisor, detectors.worker, ops_cli.background, run_dashboard
from ops_cli.main import build_parser
build_parser()
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_one_machine_default_never_imports_the_cluster_engine() -> None:
    done = subprocess.run([sys.executable, "-c", DEFAULT_PATH], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    imported = set(done.stdout.split())
    assert {"detectors", "ops_cli", "run_dashboard"} <= imported
    assert "ray" not in imported  # only detectors.cluster imports it, when ops-center cluster runs
