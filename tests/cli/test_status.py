"""`mmwatch status` on a day built through Dagster (the thin-morning BTC/USDT day: a book a minute,
thin for the first six hours; two obligations) and on the same day judged twenty minutes after its
last book with the heartbeat's alert open: the values on screen and in --json, the exit code; a
warehouse held by a build is a note, not a failure; an empty data directory stays empty."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from thin_morning_day import OBLIGATIONS_HEADER, landing_factory, thin_morning_books

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
OBLIGATIONS = OBLIGATIONS_HEADER + """ob-lenient,Acme MM,binance,spot,BTC/USDT,2026-11-01,,20,50,25000,70,90,75,300
ob-strict,Orbit,binance,spot,BTC/USDT,2026-11-01,,20,50,25000,80,90,75,300
"""
ERRORS = 10  # failed book fetches landed beside the day's 1440 books
MARTS = ("fct_mm_compliance_daily", "dim_obligations")


@pytest.fixture(scope="module")
def built(tmp_path_factory, dbt_manifest):
    """(data dir, collection config, day): the day landed, its raw and marts runs in the data dir's
    own Dagster instance (as `make dev` keeps them)."""
    import dagster as dg

    from assets.marts.dbt_assets import mmwatch_dbt_assets
    from assets.partitions import partition_range_tags
    from mmwatch.landing.zone import write_landing
    from mmwatch.settings import DataDir
    from pipelines.definitions import defs

    lf = landing_factory()
    root = tmp_path_factory.mktemp("status")
    layout = DataDir(root / "data").ensure()
    write_landing(layout, "orderbooks", lf.DAY, "binance", lf.books_frame(thin_morning_books(lf)), "collector")
    errors = [lf.fetch_error(1_000_000 + i, "RequestTimeout") for i in range(ERRORS)]
    write_landing(layout, "fetch_errors", lf.DAY, "binance", lf.fetch_errors_frame(errors), "collector")
    csv = root / "obligations.csv"
    csv.write_text(OBLIGATIONS)
    config = root / "collect.yaml"
    config.write_text("exchanges:\n  binance:\n    markets: [BTC/USDT]\n")
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    wanted = dg.AssetSelection.assets(*MARTS).upstream().resolve(defs.resolve_asset_graph())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MMWATCH_DATA_DIR", str(layout.root))
        patch.setenv("DAGSTER_HOME", str(layout.dagster_home))
        patch.setenv("DBT_INDIRECT_SELECTION", "cautious")
        (layout.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        with dg.DagsterInstance.get() as instance:
            defs.resolve_job_def("raw_ingest_job").execute_in_process(
                instance=instance, tags=partition_range_tags(lf.DAY, ["binance"]), run_config=quiet)
            defs.resolve_job_def("daily_marts_job").execute_in_process(
                instance=instance, partition_key=lf.DAY, asset_selection=sorted(wanted & set(mmwatch_dbt_assets.keys)),
                run_config={**quiet, "ops": {"mmwatch_dbt_assets": {"config": {"obligations_csv": str(csv)}}}})
    return layout, config, lf.DAY


def _status(built, now: str, *extra: str):
    from cli.app import app

    layout, config, day = built
    env = {"DAGSTER_HOME": str(layout.dagster_home), "MMWATCH_ALERTS_CONFIG": "", "MMWATCH_CONFIG": ""}
    return CliRunner().invoke(app, ["status", "--data-dir", str(layout.root), "--config", str(config), "--day", day,
                                    "--now", now, "--metrics-url", "http://127.0.0.1:9", *extra], env=env)


def test_a_built_day_is_healthy_on_screen_and_in_json(built):
    _, _, day = built
    screen = _status(built, f"{day}T23:59:40+00:00")
    assert screen.exit_code == 0, screen.output
    assert f"{day} 23:59:00" in screen.output and "OK: every configured venue lands usable books" in screen.output
    document = json.loads(_status(built, f"{day}T23:59:40+00:00", "--json").output)
    (venue,) = document["venues"]
    assert (venue["exchange"], venue["markets"], venue["lag_s"], venue["stale"]) == ("binance", 1, 40.0, False)
    assert (venue["books"], venue["book_errors"]) == (1440, ERRORS)
    assert venue["error_rate"] == pytest.approx(ERRORS / (1440 + ERRORS))
    assert venue["budget_use"] is None and any("do not answer" in note for note in document["notes"])
    assert {run["kind"]: run["status"] for run in document["runs"]} == {"raw": "SUCCESS", "marts": "SUCCESS"}
    # the first 360 minutes hold ~10k USD a side within 50 bps against 25k promised: uptime 1080/1440
    coverage = {line["obligation_id"]: line for line in document["coverage"]}
    assert {k: (v["coverage_pct"], v["uptime_pct"], v["verdict"]) for k, v in coverage.items()} == {
        "ob-lenient": (100.0, 75.0, "pass"), "ob-strict": (100.0, 75.0, "fail")}
    assert document["alerts"] == [] and document["problems"] == [] and document["stale"] is False


def test_a_build_holding_the_warehouse_is_a_note_not_a_failure(built):
    layout, config, day = built
    mmwatch = Path(sys.executable).parent / "mmwatch"
    with duckdb.connect(str(layout.warehouse)):  # the write lock a dbt build holds
        done = subprocess.run([str(mmwatch), "status", "--data-dir", str(layout.root), "--config", str(config),
                               "--day", day, "--now", f"{day}T23:59:40+00:00", "--metrics-url", "http://127.0.0.1:9",
                               "--json"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "DAGSTER_HOME": str(layout.dagster_home), "MMWATCH_ALERTS_CONFIG": ""})
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["coverage"] == [] and any("is held by a build" in note for note in document["notes"])
    assert document["venues"][0]["lag_s"] == 40.0


def test_a_stalled_day_exits_non_zero_naming_what_is_stale(built):
    from mmwatch.alerts.config import AlertsConfig
    from mmwatch.alerts.heartbeat import run_heartbeat
    from mmwatch.config import load_config

    layout, config, day = built
    stalled = f"{day[:8]}21T00:20:00+00:00"
    run_heartbeat(layout, load_config(config), AlertsConfig(), now=datetime.fromisoformat(stalled))
    screen = _status(built, stalled)
    assert screen.exit_code == 1, screen.output
    assert "STALE binance: no usable order book for 1260 s, since 2026-11-20 23:59:00 UTC (threshold 300 s)" \
        in screen.output
    document = json.loads(_status(built, stalled, "--json").output)
    assert document["stale"] is True and document["venues"][0]["lag_s"] == 1260.0
    assert [(a["ledger"], a["rule"], a["where"], a["severity"]) for a in document["alerts"]] == [
        ("health", "no_data", "binance (every market)", "critical")]  # 21 min silent: past 3 x 5 min
    assert document["problems"][1].startswith("open no_data alert: binance (every market) since 2026-11-21 00:04")


def test_an_empty_data_directory_stays_empty(tmp_path):
    from cli.app import app

    config = tmp_path / "collect.yaml"
    config.write_text("exchanges:\n  okx:\n    markets: [BTC/USDT]\n")
    data = tmp_path / "data"
    result = CliRunner().invoke(app, ["status", "--data-dir", str(data), "--config", str(config), "--json",
                                      "--metrics-url", "http://127.0.0.1:9"], env={"DAGSTER_HOME": ""})
    assert result.exit_code == 1 and not data.exists()
    assert json.loads(result.output)["problems"] == ["okx: no usable order book landed today or yesterday"]
