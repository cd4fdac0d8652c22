"""One real dbt build of the hand-crafted scenario (lake_cases.py), shared by the mart tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from dbt_harness import run_dbt, write_lake_orderbooks, write_obligations_csv
from lake_cases import DAY, NEXT_DAY, duplicate_row, lake_rows, obligations


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory) -> Path:
    """A data dir whose warehouse holds the marts of DAY and NEXT_DAY built from the scenario lake."""
    data_dir = tmp_path_factory.mktemp("dbt_scenario")
    write_lake_orderbooks(data_dir, lake_rows() + [duplicate_row()], batch="batch-0001")
    write_lake_orderbooks(data_dir, [duplicate_row()], batch="batch-0002")
    csv_path = write_obligations_csv(data_dir / "obligations.csv", obligations())
    run_dbt(data_dir, ["build"], {"day": DAY, "obligations_csv": str(csv_path)})
    run_dbt(data_dir, ["run"], {"day": NEXT_DAY, "obligations_csv": str(csv_path)})
    return data_dir
