"""One direction: the import-linter contracts of pyproject.toml hold on the repository, and a
deliberately backwards import (the library importing the pipelines, the product importing the
simulator) in a copy of the code is reported as a broken contract."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("cli", "pipelines", "assets", "resources", "mmwatch", "simulator")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def code_copy(tmp_path_factory) -> Path:
    """The Python packages and pyproject.toml, copied so a fixture can break the rules."""
    root = tmp_path_factory.mktemp("imports")
    for package in PACKAGES:
        shutil.copytree(REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_contracts_hold_on_the_repository():
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, line, broken", [
    ("mmwatch/backwards.py", "import pipelines.definitions\n", "Layers: cli > pipelines > assets > resources > mmwatch"),
    ("assets/backwards.py", "from cli.app import app\n", "Layers: cli > pipelines > assets > resources > mmwatch"),
    ("mmwatch/backwards.py", "from simulator.scenario import load_scenario\n",
     "The product reaches the simulator through configuration only"),
    ("mmwatch/backwards.py", "import dagster\n", "The library is plain Python: no Dagster"),
    ("simulator/backwards.py", "import assets.partitions\n",
     "The simulator never imports the product's Dagster side or its CLI"),
])
def test_a_backwards_import_is_reported(code_copy, module, line, broken):
    fixture = code_copy / module
    fixture.write_text(f'"""A deliberately backwards import (test fixture)."""\n{line}')
    try:
        result = _lint(code_copy)
    finally:
        fixture.unlink()
    assert result.returncode == 1, result.stdout
    assert f"{broken} BROKEN" in result.stdout
    assert module[:-3].replace("/", ".") in result.stdout  # the report names the offending module
