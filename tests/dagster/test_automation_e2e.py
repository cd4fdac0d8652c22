"""End to end through the declared automation: the alert-rules scenario (scenarios/alerts_rules.yaml,
moved to today) is recorded by the simulator on its virtual clock and lands in two parts (a capture
import each, as the collector's files land); the daemon's work runs in the test (the landing sensor
and the automation sensors tick, their runs execute in process, tests/automation_ticks.py).
Every mart's today partition and the alert ledger follow each landing within one pass of the
daemon (one tick of each sensor), and the SOL volume burst at 06:00 fires its alert in the pass that
ingests it: not at the day close, which never runs here."""
from __future__ import annotations

import json
from datetime import datetime, time, timezone
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.marts import mmwatch_dbt_assets
from automation_ticks import Daemon
from mmwatch.capture.importer import import_capture
from mmwatch.days import utc_today
from simulator.capture_day import capture_day
from simulator.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
BURST_DONE = time(6, 5)  # the SOL volume burst: 06:00-06:02 (scenarios/alerts_rules.yaml)
FIRST_PART_UNTIL = time(5, 50)
pytestmark = pytest.mark.e2e


def _split_capture(capture: Path, cut_ms: int, before: Path, after: Path) -> None:
    """The capture's lines received before `cut_ms` into `before`, the others into `after`."""
    with capture.open() as lines, before.open("w") as early, after.open("w") as late:
        for line in lines:
            (early if json.loads(line)["received_at"] < cut_ms else late).write(line)


def _ledger(warehouse: Path) -> list[tuple[str, str, datetime]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select rule, symbol, opened_at from alerts.alert_ledger order by opened_at, rule").fetchall()


def test_landing_today_refreshes_every_mart_and_fires_the_volume_spike_in_the_same_pass(
        defs, data_dir, instance, tmp_path, monkeypatch):
    now = datetime.now(timezone.utc)
    if not time(0, 20) <= now.time() <= time(23, 45):
        # today must stay today during the test, and the day close (00:15 UTC) must not tick inside it
        pytest.skip("runs between 00:20 and 23:45 UTC only")
    today = utc_today()
    scenario = load_scenario(REPO / "scenarios" / "alerts_rules.yaml").model_copy(update={"date": today})
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir.root))
    monkeypatch.setenv("MMWATCH_OBLIGATIONS_CSV", str(scenario.write_obligations_csv(tmp_path / "obligations.csv")))
    monkeypatch.delenv("MMWATCH_ALERTS_CONFIG", raising=False)  # the spec's thresholds, no channel
    # the scenario's morning (to 06:05) may still lie ahead when the test runs before then: the door
    # refuses rows stamped more than its skew in the future, so let the whole day through
    monkeypatch.setenv("MMWATCH_DOOR_FUTURE_SKEW_S", "86400")
    capture, first, second = tmp_path / "day.jsonl", tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    capture_day(scenario, capture, hours=BURST_DONE.hour + BURST_DONE.minute / 60)
    cut_ms = int(datetime.combine(today, FIRST_PART_UNTIL, tzinfo=timezone.utc).timestamp() * 1000)
    _split_capture(capture, cut_ms, first, second)

    daemon = Daemon(defs, instance, str(data_dir.root), sensors=("marts_automation", "alerts_automation"))
    day = today.isoformat()
    start = daemon.tick(None)  # the daemon runs before any data lands: today's empty marts
    assert [(r.sensor, r.partition) for r in start] == [("marts_automation", day)]

    graph = defs.resolve_asset_graph()
    marts = {k for k in mmwatch_dbt_assets.keys if graph.get(k).group_name == "marts"}
    book_or_trade_marts = marts & dg.AssetSelection.assets("raw_orderbooks", "raw_trades").downstream().resolve(graph)
    assert len(marts) == 24 and len(book_or_trade_marts) == 20
    for part, fires in ((first, False), (second, True)):
        import_capture(data_dir, part)
        ran = daemon.tick(None)  # one pass: landing sensor, marts automation, alerts automation
        assert [r.sensor for r in ran] == ["landing_sensor", "marts_automation", "alerts_automation"]
        assert all(r.result.success for r in ran) and {r.partition for r in ran[1:]} == {day}
        refreshed = {e.asset_key for e in ran[1].result.get_asset_materialization_events()}
        assert book_or_trade_marts <= refreshed  # every mart that reads books or trades followed them
        ledger = _ledger(data_dir.warehouse)
        spikes = [(rule, symbol, opened.astimezone(timezone.utc).time()) for rule, symbol, opened in ledger
                  if rule == "volume_spike"]
        if not fires:
            assert spikes == [] and {"wide_spread", "no_data"} <= {row[0] for row in ledger}  # the morning's alerts
        else:  # the burst's alert, opened at its first minute, in the pass that ingested it
            assert spikes == [("volume_spike", "SOL/USDT", time(6, 0))]
    assert daemon.tick(None) == []  # nothing new landed: nothing runs
    # every mart has today's partition, and no run built another day (no day close, no backfill)
    for mart in marts:
        assert instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=mart, asset_partitions=[day]),
                                               limit=1).records, mart
    assert {run.tags.get("dagster/partition") for run in instance.get_runs()
            if run.job_name != "raw_ingest_job"} == {day}
