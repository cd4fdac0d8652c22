"""Which obligations file a build uses (given, else $MMWATCH_OBLIGATIONS_CSV, else the dbt seed), and
the canonical copy dbt reads: spec §3 order then alert_after_s, defaults filled."""
from __future__ import annotations

from pathlib import Path

import pytest
from obligations_files import row, write_csv

from mmwatch.marts.invocation import dbt_env
from mmwatch.obligations import (CANONICAL_COLUMNS, OBLIGATIONS_ENV, SEED_CSV, SPEC_COLUMNS, ObligationsError,
                                 checked_copy, load_obligations, obligations_source)

SPEC_ROWS = [row(), row(obligation_id="eth", symbol="ETH/USDT", valid_to="2026-01-01", min_coverage_pct="80",
                        min_depth_usd="12500.5")]
# the copy of SPEC_ROWS: every cell written, whole numbers without ".0"
CANONICAL_TEXT = (",".join(CANONICAL_COLUMNS) + "\n"
                  "acme-btc,Acme,binance,spot,BTC/USDT,2025-01-01,,10,200,50000,90,90,75,300\n"
                  "eth,Acme,binance,spot,ETH/USDT,2025-01-01,2026-01-01,10,200,12500.5,90,80,75,300\n")


def test_the_source_is_the_given_file_else_the_environment_else_the_seed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(OBLIGATIONS_ENV, "from-env.csv")
    assert obligations_source("given.csv") == tmp_path / "given.csv"  # absolute: dbt runs in dbt/
    assert obligations_source(None) == tmp_path / "from-env.csv"
    monkeypatch.delenv(OBLIGATIONS_ENV)
    assert obligations_source(None) == SEED_CSV


def test_the_copy_is_canonical_whatever_the_column_order(tmp_path):
    shuffled = write_csv(tmp_path / "spec.csv", SPEC_ROWS, tuple(reversed(SPEC_COLUMNS)))  # 13 columns, reversed
    copy, loaded = checked_copy(tmp_path / "data", shuffled)
    assert copy.parent == tmp_path / "data" / "obligations"
    assert copy.read_text() == CANONICAL_TEXT
    assert load_obligations(copy).obligations == loaded.obligations  # the copy reads back the same
    canonical_order = write_csv(tmp_path / "canonical.csv", SPEC_ROWS)
    assert checked_copy(tmp_path / "data", canonical_order)[0] == copy  # same obligations, same copy
    changed = write_csv(tmp_path / "changed.csv", [row(max_spread_bps="11")])
    assert checked_copy(tmp_path / "data", changed)[0] != copy  # another run's copy is never overwritten
    assert copy.read_text() == CANONICAL_TEXT


def test_dbt_gets_the_copy_of_the_seed_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv(OBLIGATIONS_ENV, raising=False)
    copy = Path(dbt_env(tmp_path, "2026-11-20", None)[OBLIGATIONS_ENV])
    assert load_obligations(copy).obligations == load_obligations(SEED_CSV).obligations
    assert copy.read_text().splitlines()[0] == ",".join(CANONICAL_COLUMNS)


def test_dbt_gets_the_copy_of_the_environment_file(tmp_path, monkeypatch):
    monkeypatch.setenv(OBLIGATIONS_ENV, str(write_csv(tmp_path / "env.csv", SPEC_ROWS, SPEC_COLUMNS)))
    assert Path(dbt_env(tmp_path / "data", "2026-11-20", None)[OBLIGATIONS_ENV]).read_text() == CANONICAL_TEXT


def test_a_bad_file_stops_before_dbt_with_every_problem(tmp_path, monkeypatch):
    bad = write_csv(tmp_path / "bad.csv", [row(exchange="kraken"), row(obligation_id="b", min_depth_usd="0")])
    monkeypatch.setenv(OBLIGATIONS_ENV, str(bad))
    with pytest.raises(ObligationsError) as caught:
        dbt_env(tmp_path / "data", "2026-11-20", None)
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "exchange"), (3, "min_depth_usd")]
    assert not (tmp_path / "data" / "obligations").exists()  # nothing written for dbt


def test_the_dagster_dbt_asset_refuses_a_bad_file(dbt_manifest, tmp_path, monkeypatch):
    import dagster as dg

    monkeypatch.setenv("MMWATCH_DATA_DIR", str(tmp_path / "data"))
    bad = write_csv(tmp_path / "bad.csv", [row(valid_from="2025-13-01")])
    from pipelines.definitions import defs

    with dg.DagsterInstance.ephemeral() as instance:
        with pytest.raises(ObligationsError, match=rf"{bad}:2: column valid_from: value '2025-13-01': is not a date"):
            defs.resolve_job_def("daily_marts_job").execute_in_process(
                instance=instance, partition_key="2026-11-20",
                run_config={"ops": {"mmwatch_dbt_assets": {"config": {"obligations_csv": str(bad)}}}})
    assert not list((tmp_path / "data" / "dbt").glob("runs/*"))  # dbt never started
