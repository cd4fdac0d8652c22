"""Fixtures shared by every test folder."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt"
MANIFEST = DBT_DIR / "target" / "manifest.json"


def _dbt_sources_newer_than(manifest: Path) -> bool:
    built = manifest.stat().st_mtime
    sources = (p for p in DBT_DIR.rglob("*") if p.suffix in {".sql", ".yml", ".yaml", ".csv"}
               and "target" not in p.relative_to(DBT_DIR).parts)
    return any(p.stat().st_mtime > built for p in sources)


def _ensure_manifest() -> Path:
    """dbt/target/manifest.json, parsed now when missing or older than the dbt files
    (as `make manifest` does; nothing parses on import)."""
    if not MANIFEST.exists() or _dbt_sources_newer_than(MANIFEST):
        dbt = Path(sys.executable).parent / "dbt"
        subprocess.run(
            [str(dbt), "parse", "--quiet", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)],
            check=True, cwd=DBT_DIR,
        )
        MANIFEST.touch()
    return MANIFEST


def pytest_sessionstart(session) -> None:
    """Prepare the manifest before collection: test modules may import the Dagster definitions,
    which load the manifest at import time."""
    _ensure_manifest()


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """The dbt manifest the definitions load (prepared at session start)."""
    return _ensure_manifest()


@pytest.fixture
def data_dir(tmp_path):
    """A fresh data directory (its folders made) under the test's tmp_path."""
    from mmwatch.settings import DataDir

    return DataDir.from_env(tmp_path / "data").ensure()


@pytest.fixture
def instance():
    """An ephemeral Dagster instance."""
    import dagster as dg

    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral
