"""Fixtures of the Metabase tests: the contract double of Metabase's REST API on loopback, and one
small day with rows in every mart built by the real dbt."""
from __future__ import annotations

from pathlib import Path

import pytest

from metabase_double import serve
from mmwatch.metabase.validate import served_columns

API_KEY = "mb_test_key"


@pytest.fixture
def metabase_double(dbt_manifest):
    """(url, state) of a new Metabase contract double whose analytics sync finds every served table."""
    server, state = serve({t: sorted(c) for t, c in served_columns(dbt_manifest).items()}, api_key=API_KEY)
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()


@pytest.fixture(scope="session")
def every_mart_day(dbt_manifest, tmp_path_factory) -> tuple[str, Path]:
    """(day, warehouse.duckdb) of every_mart_lake's day: every mart and the alert ledger have rows."""
    from every_mart_lake import DAY, build_every_mart

    return DAY, build_every_mart(tmp_path_factory.mktemp("every_mart"))
