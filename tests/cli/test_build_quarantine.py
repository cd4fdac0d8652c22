"""`mmwatch build` of a day with a landing file of an exchange that is not a venue and a poisoned
file (issue 15): both are quarantined, the day builds from the rest, the build says so in one line
and `mmwatch status --json` counts them. Before, the build refused the whole day."""
from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from books_capture import BOOKS, DAY, write_books_capture
from cli.app import app
from mmwatch.landing.zone import write_landing
from mmwatch.settings import DataDir

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory, dbt_manifest):
    folder = tmp_path_factory.mktemp("quarantine")
    data = folder / "data"
    write_books_capture(folder / "books.jsonl")
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(data / "dagster_home"))
        env.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
        assert runner.invoke(app, ["import", str(folder / "books.jsonl"), "--data-dir", str(data)]).exit_code == 0
        layout = DataDir(data)
        one = next(layout.landing_dir("orderbooks").glob(f"day={DAY}/exchange=binance/*.parquet"))
        books = pl.read_parquet(one)
        # an exchange the door would refuse, written past it (an older collector, a hand copy)
        foo = layout.landing_dir("orderbooks") / f"day={DAY}" / "exchange=foo" / one.name
        foo.parent.mkdir(parents=True)
        books.head(3).with_columns(pl.lit("foo").alias("exchange")).write_parquet(foo)
        poisoned = write_landing(layout, "orderbooks", DAY, "binance",
                                 books.head(2).with_columns(pl.lit("option").alias("market_type"),
                                                            pl.col("received_ts") + 1), "hand")
        result = runner.invoke(app, ["build", "--date", DAY, "--data-dir", str(data)])
        status = runner.invoke(app, ["status", "--json", "--data-dir", str(data)])
    return result, status, layout, foo, poisoned


def test_the_day_builds_without_the_bad_files(built):
    result, _, layout, foo, poisoned = built
    assert result.exit_code == 0, result.output
    assert not foo.exists() and not poisoned.exists()
    assert (layout.quarantine / foo.relative_to(layout.landing)).is_file()
    assert (layout.quarantine / poisoned.relative_to(layout.landing)).is_file()
    with duckdb.connect(str(layout.warehouse), read_only=True) as db:
        (snapshots,) = db.execute("select count(*) from fct_orderbook_snapshot_metrics "
                                  "where exchange = 'binance'").fetchone()
        (strays,) = db.execute("select count(*) from fct_orderbook_snapshot_metrics "
                               "where exchange = 'foo' or market_type = 'option'").fetchone()
    assert (snapshots, strays) == (BOOKS, 0)  # the imported day, nothing of the quarantined files


def test_the_build_and_status_name_the_quarantine(built):
    result, status, layout, foo, _ = built
    assert "moved to" in result.output and "docs/runbook.md#quarantine" in result.output
    assert "Traceback" not in result.output
    view = json.loads(status.output)["quarantine"]
    assert (view["files"], view["rows"]) == (2, 5)
    reasons = sorted(r["reason"] for r in view["latest"])
    assert reasons[0].startswith("exchange 'foo' is not a venue (") and "market_type" in reasons[1]
