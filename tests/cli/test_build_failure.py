"""A dbt build that fails: `mmwatch build` names the failing node with dbt's message and the path of
the run's dbt.log (which holds the per-model output the console no longer shows), no traceback.

The failure is a real one: a hand-written lake file of raw_funding without the table's columns,
so dbt cannot create the view stg_lake__funding (models downstream of it are skipped)."""
from __future__ import annotations

import re

import polars as pl
import pytest
from typer.testing import CliRunner

from books_capture import DAY, T0, write_books_capture
from cli.app import app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def failed_build(tmp_path_factory, dbt_manifest):
    folder = tmp_path_factory.mktemp("failing")
    data = folder / "data"
    capture = folder / "books.jsonl"
    write_books_capture(capture)
    bad = data / "lake" / "raw_funding" / f"day={DAY}" / "exchange=binance"
    bad.mkdir(parents=True)
    pl.DataFrame({"ts": [T0]}).write_parquet(bad / "hand-written.parquet")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(data / "dagster_home"))
        env.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
        runner = CliRunner()
        assert runner.invoke(app, ["import", str(capture), "--data-dir", str(data)]).exit_code == 0
        result = runner.invoke(app, ["build", "--date", DAY, "--data-dir", str(data)])
    return result, data


def test_the_failing_node_and_dbts_message_are_shown(failed_build):
    result, _ = failed_build
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"\[1/2\] raw: landing -> lake for binance: 1 exchange partition of 2026-11-20 \(\d+\.\d s\)",
                        lines[1])
    assert re.fullmatch(r"\[2/2\] marts: dbt build of the day, then the report: failed \(\d+\.\d s\)", lines[2])
    assert re.fullmatch(r"error: the Dagster run [0-9a-f-]{36} of daily_marts_job failed", lines[3])
    node = [line for line in lines if line.startswith("  dbt node ")]
    assert len(node) == 1
    assert node[0].startswith("  dbt node model.mmwatch.stg_lake__funding (error): ")
    assert re.search(r"Binder Error: Referenced column \"(received_ts|market_type)\" not found", node[0])


def test_the_log_path_is_the_runs_dbt_log_with_the_per_model_output(failed_build):
    result, data = failed_build
    [log_line] = [line for line in result.output.splitlines() if line.startswith("  dbt log: ")]
    log = log_line.removeprefix("  dbt log: ")
    assert re.fullmatch(rf"{re.escape(str(data))}/dbt/runs/\d{{8}}T\d{{6}}-[0-9a-f]{{8}}/dbt\.log", log)
    text = open(log).read()
    assert "stg_lake__funding" in text and "Referenced column" in text
    # the per-model lines the console did not show are in it (the view of another lake table was created)
    assert "stg_lake__orderbook_snapshots" in text
    assert not re.search(r"\d+ of \d+ (START|OK|ERROR)", result.output)
