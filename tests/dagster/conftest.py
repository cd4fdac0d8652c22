"""Fixtures of the Dagster tests: the definitions (data_dir and instance: tests/conftest.py)."""
from __future__ import annotations

import dagster as dg
import pytest


@pytest.fixture(scope="session")
def defs(dbt_manifest) -> dg.Definitions:
    """The code location's real Definitions (imported after the manifest is ready)."""
    from pipelines.definitions import defs as location

    return location


