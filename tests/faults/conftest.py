"""Fixtures of the fault tests: the fault day collected and built once per session (fault_day_run.py)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def fault_day_built(tmp_path_factory, dbt_manifest):
    """The fault day after collection and `mmwatch build` (fault_day_run.FaultDay)."""
    from fault_day_run import run_fault_day

    return run_fault_day(tmp_path_factory.mktemp("fault_day"))
