"""Fixtures of the Dagster tests: a temporary data dir, a fresh dbt manifest, the definitions."""
from __future__ import annotations

import dagster as dg
import pytest

from mmwatch.settings import DataDir

@pytest.fixture(scope="session")
def defs(dbt_manifest) -> dg.Definitions:
    """The code location's real Definitions (imported after the manifest is ready)."""
    from pipelines.definitions import defs as location

    return location


@pytest.fixture
def data_dir(tmp_path) -> DataDir:
    return DataDir.from_env(tmp_path / "data").ensure()


@pytest.fixture
def instance() -> dg.DagsterInstance:
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral
