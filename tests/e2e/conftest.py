"""Fixtures of the end-to-end tests: the real definitions with a prepared dbt manifest."""
from __future__ import annotations

from pathlib import Path

import pytest



@pytest.fixture
def e2e_env(tmp_path, monkeypatch, dbt_manifest):
    """A fresh data dir and Dagster home; the definitions' resources read MMWATCH_DATA_DIR."""
    from mmwatch.settings import DataDir

    layout = DataDir.from_env(tmp_path / "data").ensure()
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(layout.root))
    monkeypatch.setenv("DAGSTER_HOME", str(layout.dagster_home))
    monkeypatch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
    return layout
