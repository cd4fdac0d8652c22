"""One lake schema: mmwatch/lake/tables.py is the only place a lake column is written; the dbt
column lists, the dbt sources file, the staging models and the pandera checks follow it, and a
column added to one definition only is reported (shown here on deliberately altered copies)."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import polars as pl
import pytest

from mmwatch.lake.columns import Column
from mmwatch.lake.dbt_files import MACRO_PATH, SOURCES_PATH, STAGING_DIR, drift
from mmwatch.lake.tables import LAKE, RAW_ORDERBOOKS, RAW_TRADES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """The generated dbt files and the staging models, copied to be altered."""
    for relative in (MACRO_PATH, SOURCES_PATH):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / relative, tmp_path / relative)
    shutil.copytree(REPO / STAGING_DIR, tmp_path / STAGING_DIR, dirs_exist_ok=True)
    return tmp_path


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found exactly once in {path}"
    path.write_text(text.replace(old, new))


def test_the_repository_has_no_drift():
    assert drift(REPO) == []


def test_the_unaltered_copy_has_no_drift(repo_copy):
    assert drift(repo_copy) == []


def test_a_column_added_to_the_dbt_column_list_only_is_reported(repo_copy):
    _replace(repo_copy / MACRO_PATH, '          ("trade_key", "varchar"),\n',
             '          ("trade_key", "varchar"),\n          ("fee", "double"),\n')
    assert drift(repo_copy) == [
        "dbt/macros/lake_columns.sql: raw_trades has column ('fee', 'double') that mmwatch/lake/tables.py does not"]


def test_a_column_missing_from_the_sources_file_is_reported(repo_copy):
    _replace(repo_copy / SOURCES_PATH, "          - name: nonce\n            description: "
             "\"The venue's order-book sequence number, when given.\"\n", "")
    assert drift(repo_copy) == [
        "dbt/models/staging/_lake__sources.yml: raw_orderbooks lacks column 'nonce' of mmwatch/lake/tables.py"]


def test_a_column_added_to_the_python_definition_only_is_reported_everywhere(repo_copy):
    trades = dataclasses.replace(RAW_TRADES, columns=(*RAW_TRADES.columns, Column("fee", pl.Float64, "Taker fee.")))
    altered = {**LAKE, "raw_trades": trades}
    assert drift(repo_copy, altered) == [
        "dbt/macros/lake_columns.sql: raw_trades lacks column ('fee', 'double') of mmwatch/lake/tables.py",
        "dbt/models/staging/_lake__sources.yml: raw_trades lacks column 'fee' of mmwatch/lake/tables.py",
        "dbt/models/staging/stg_lake__trades.sql: never reads raw_trades.fee (read it, or list it in not_staged "
        "of mmwatch/lake/tables.py with the reason)",
    ]


def test_a_staging_model_that_stops_reading_contract_size_is_reported(repo_copy):
    """The bug this check was written for: order-book amounts in contracts, contract_size never read."""
    path = repo_copy / STAGING_DIR / "stg_lake__orderbook_snapshots.sql"
    path.write_text(path.read_text().replace("contract_size", "1.0"))
    assert drift(repo_copy) == [
        "dbt/models/staging/stg_lake__orderbook_snapshots.sql: never reads raw_orderbooks.contract_size (read it, "
        "or list it in not_staged of mmwatch/lake/tables.py with the reason)"]


def test_an_edited_description_in_a_generated_file_is_reported(repo_copy):
    _replace(repo_copy / SOURCES_PATH, "Trade price in quote currency.", "Trade price.")
    assert drift(repo_copy) == [
        "dbt/models/staging/_lake__sources.yml differs from what mmwatch/lake/tables.py generates (descriptions "
        "or layout): run python -m mmwatch.lake.dbt_files --write"]


def test_landing_columns_are_the_first_lake_columns():
    for table in (RAW_ORDERBOOKS, RAW_TRADES):
        landing = list(table.landing_schema)
        assert list(table.schema)[: len(landing)] == landing
        assert "contract_size" in landing and "ts" not in landing
