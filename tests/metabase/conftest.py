"""Fixtures of the Metabase tests: the contract double of Metabase's REST API on loopback."""
from __future__ import annotations

import pytest

from metabase_double import serve
from mmwatch.metabase.validate import served_columns

API_KEY = "mb_test_key"
ADMIN = {"MMWATCH_METABASE_ADMIN_EMAIL": "admin@example.org", "MMWATCH_METABASE_ADMIN_PASSWORD": "s3cret-pass-phrase",
         "MMWATCH_METABASE_READER_PASSWORD": "reader-pw", "MMWATCH_ANALYTICS_HOST": "postgres"}


@pytest.fixture
def metabase_double(dbt_manifest):
    """(url, state) of a new Metabase contract double whose analytics sync finds every served table."""
    server, state = serve({t: sorted(c) for t, c in served_columns(dbt_manifest).items()}, api_key=API_KEY)
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
