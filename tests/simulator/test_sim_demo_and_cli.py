"""The demo scenario gives the designed verdict mix and the product's breadth (five venues, a
contract-quoted perp beside its spot market, an inverse perp, every slower data set); the CLI
reports scenario errors clearly."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from mmwatch.collector.venues import supports
from mmwatch.config import COLLECTOR_DATASETS, DATASET_NAMES, load_config
from simulator.sampling import sample
from simulator.scenario import load_scenario

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"


@pytest.fixture(scope="module")
def demo_days(demo_path) -> dict[str, dict]:
    report = sample(load_scenario(demo_path), every_ms=60_000).report()
    return {o["obligation_id"]: o["days"][0] for o in report["obligations"]}


def test_demo_verdict_mix(demo_days):
    assert {oid: day["verdict"] for oid, day in demo_days.items()} == {
        "arcadia-btcusdt-2pct": "pass",
        "arcadia-btcusdt-10bps": "pass",
        "borealis-ethusdt-2pct": "fail",
        "cobalt-solusdt-2pct": "insufficient_data",
        "driftwood-ethbtc-2pct": "pass",
        "evergreen-okx-btcperp": "pass",
        "dunmore-coinm-btc": "pass",
    }


def test_demo_scripted_breaches(demo_days):
    borealis = demo_days["borealis-ethusdt-2pct"]
    # 20 + 45 + 90 = 155 non-compliant minutes of 1440, sampled once a minute
    assert borealis["breach_minutes"] == 155
    assert borealis["uptime_pct"] == pytest.approx(100 * (1440 - 155) / 1440)
    assert [(e["duration_s"], e["ended_by"]) for e in borealis["episodes"]] == [
        (1200.0, "compliant"), (2700.0, "compliant"), (5400.0, "compliant")]
    # one_sided_ask: the ask side fails for 20 min, the bid side too (no mid); thin/wide: sides differ
    assert borealis["ask_uptime_pct"] == pytest.approx(100 * (1440 - 20 - 90) / 1440)
    cobalt = demo_days["cobalt-solusdt-2pct"]
    # 3 h outage (180 min) + 5 min empty body uncovered; 2 crossed (invalid) minutes uncovered
    assert cobalt["coverage_pct"] == pytest.approx(100 * (1440 - 180 - 5 - 2) / 1440)
    assert cobalt["invalid_snapshots"] == 2
    assert demo_days["driftwood-ethbtc-2pct"]["usd_rate_missing_snapshots"] == 0
    # the okx perp (contracts of 0.01 BTC): 30 wide minutes of 1440, one episode ended by a compliant book
    evergreen = demo_days["evergreen-okx-btcperp"]
    assert evergreen["breach_minutes"] == 30
    assert evergreen["uptime_pct"] == pytest.approx(100 * (1440 - 30) / 1440)
    assert [(e["duration_s"], e["ended_by"]) for e in evergreen["episodes"]] == [(1800.0, "compliant")]


def test_the_demo_collects_every_market_of_its_scenario(demo_path):
    scenario = load_scenario(demo_path)
    config = load_config(DEMO_CONFIG)
    assert {venue: [m.symbol for m in spec.markets] for venue, spec in scenario.venues.items()} == \
        {venue: spec.markets for venue, spec in config.exchanges.items()}


def test_the_demo_has_the_products_breadth(demo_path):
    scenario = load_scenario(demo_path)
    markets = [(venue, m) for venue, spec in scenario.venues.items() for m in spec.markets]
    assert len(scenario.venues) >= 5
    # a contract-quoted perp beside its spot market (the basis mart), and a COIN-M inverse perp
    okx = {m.symbol: m for m in scenario.venues["okx"].markets}
    assert okx["BTC/USDT"].market_type == "spot" and okx["BTC/USDT:USDT"].contract_size == 0.01
    assert [m.symbol for venue, m in markets if m.inverse] == ["BTC/USD:BTC"]
    # every slower data set is offered by at least one of the demo's markets
    offered = {dataset for venue, m in markets for dataset in DATASET_NAMES
               if supports(venue, m.market_type, dataset)}
    assert offered >= set(DATASET_NAMES) - set(COLLECTOR_DATASETS)


def test_cli_serve_missing_scenario(tmp_path):
    result = CliRunner().invoke(app, ["simulator", "serve", "--scenario", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert "none.yaml does not exist" in result.output


def test_cli_truth_invalid_scenario(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 1\ndate: 2026-11-20\nvenues: {binance: {markets: []}}\n")
    result = CliRunner().invoke(app, ["simulator", "truth", "--scenario", str(bad)])
    assert result.exit_code == 2
    assert "scenario bad.yaml: venues.binance.markets:" in result.output


def test_cli_truth_prints_verdicts(smoke_path):
    result = CliRunner().invoke(app, ["simulator", "truth", "--scenario", str(smoke_path), "--every-s", "600"])
    assert result.exit_code == 0, result.output
    assert "smoke-btc" in result.output and "smoke-ethbtc" in result.output
