"""One tiny day through Dagster for real: raw assets, the colleague's dbt marts, the report."""
from __future__ import annotations

import dagster as dg
import pytest

from assets.refresh import DBT_MODE_TAG, FULL_REBUILD_TAG
from landing_factory import DAY, book, books_frame, levels
from mmwatch.errors import MmwatchError
from mmwatch.landing.zone import write_landing

SIX_HOURS_S = 6 * 3600

OBLIGATIONS = """obligation_id,mm_name,exchange,market_type,symbol,valid_from,valid_to,max_spread_bps,depth_band_bps,min_depth_usd,min_uptime_pct,min_coverage_pct,min_days_pct,alert_after_s
ob-lenient,Acme <b>MM</b>,binance,spot,BTC/USDT,2026-11-01,,20,50,25000,70,90,75,300
ob-strict,Orbit,binance,spot,BTC/USDT,2026-11-01,,20,50,25000,80,90,75,300
ob-absent,Quiet,okx,spot,BTC/USDT,2026-11-01,,20,50,25000,70,90,75,300
"""


def _day_of_books() -> list[dict]:
    """A book every 10 s. Mid 100, spread 10 bps. Depth within 50 bps is ~30k USD a side,
    except during the first six hours, when only the first level (~10k USD) is shown."""
    rows = []
    for second in range(0, 86_400, 10):
        thin = second < SIX_HOURS_S
        bids = levels((99.95, 100)) if thin else levels((99.95, 100), (99.9, 200))
        asks = levels((100.05, 100)) if thin else levels((100.05, 100), (100.1, 200))
        rows.append(book(second * 1000, bids, asks))
    return rows


@pytest.mark.e2e
def test_daily_build_through_dagster(dbt_manifest, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir.root))
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir.dagster_home))  # what `mmwatch build` picks when unset
    monkeypatch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
    write_landing(data_dir, "orderbooks", DAY, "binance", books_frame(_day_of_books()), "collector")
    csv = tmp_path / "obligations.csv"
    csv.write_text(OBLIGATIONS)
    from pipelines.daily_build import run_daily_build

    result = run_daily_build(DAY, data_dir.root, csv)

    by_id = {row.obligation_id: row for row in result.rows}
    # minutes 0..359 of 1,440 are breached: uptime = 100 * 1080 / 1440
    assert by_id["ob-lenient"].verdict == "pass" and by_id["ob-lenient"].uptime_pct == pytest.approx(75.0)
    assert by_id["ob-strict"].verdict == "fail" and by_id["ob-strict"].uptime_pct == pytest.approx(75.0)
    assert by_id["ob-strict"].coverage_pct == pytest.approx(100.0)
    # one episode, ended by the first compliant snapshot six hours later
    assert by_id["ob-strict"].breach_episodes == 1
    assert by_id["ob-strict"].longest_breach_s == pytest.approx(SIX_HOURS_S)
    assert by_id["ob-absent"].verdict == "insufficient_data"

    html = result.report.read_text()
    assert "75.00 %" in html and "Acme &lt;b&gt;MM&lt;/b&gt;" in html
    assert "1 passed" in html and "1 failed" in html and "1 with insufficient data" in html
    # the runs are recorded in the instance inside the data dir
    with dg.DagsterInstance.from_config(str(data_dir.dagster_home)) as instance:
        runs = {run.job_name: run for run in instance.get_runs()}
        built = instance.get_records_for_run(runs["daily_marts_job"].run_id,
                                             of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    assert sorted(runs) == ["daily_marts_job", "raw_ingest_job"]
    # the marts run ends with marts_refreshed (the automation waits for it), which counts what came before
    last = built[-1].asset_materialization
    assert last.asset_key == dg.AssetKey("marts_refreshed") and last.partition == DAY
    assert last.metadata["assets materialized in the run"].value == len(built) - 1
    assert {r.asset_key for r in built} >= {dg.AssetKey("fct_mm_compliance_daily"), dg.AssetKey("compliance_report")}
    # a build recomputes its day, even today's (the refresh contract: assets/refresh.py)
    assert runs["daily_marts_job"].tags[FULL_REBUILD_TAG] == "true"
    assert runs["daily_marts_job"].tags[DBT_MODE_TAG] == "full"


def test_build_without_landing_data_says_where_it_looked(data_dir, monkeypatch):
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir.root))  # run_daily_build exports the data dir
    from pipelines.daily_build import run_daily_build

    with pytest.raises(MmwatchError, match=f"no landing data for {DAY}: looked in {data_dir.landing}"):
        run_daily_build(DAY, data_dir.root)


def test_cli_errors_exit_2(tmp_path):
    from typer.testing import CliRunner

    from cli.app import app

    bad_date = CliRunner().invoke(app, ["build", "--date", "2026-02-30", "--data-dir", str(tmp_path)])
    assert bad_date.exit_code == 2 and "2026-02-30" in bad_date.output
    no_data = CliRunner().invoke(app, ["report", "--date", DAY, "--data-dir", str(tmp_path)])
    assert no_data.exit_code == 2 and "mmwatch build --date" in no_data.output
