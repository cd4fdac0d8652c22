"""Scenario validation: errors name the file, the key path and the bad value."""
from __future__ import annotations

import copy
import csv

import pytest
import yaml

from mmwatch.errors import ConfigError
from simulator.market import World
from simulator.scenario import OBLIGATION_COLUMNS, load_scenario, parse_scenario


@pytest.fixture()
def smoke_data(smoke_path) -> dict:
    return yaml.safe_load(smoke_path.read_text())


def _error_for(data: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_scenario(data, "demo.yaml")
    return str(caught.value)


def test_bad_symbol_names_the_key_and_value(smoke_data):
    smoke_data["venues"]["binance"]["markets"][1]["symbol"] = "ETHBTC"
    message = _error_for(smoke_data)
    assert "scenario demo.yaml: venues.binance.markets[1].symbol: 'ETHBTC' is not BASE/QUOTE" in message


def test_bad_window_time_and_missing_parameter(smoke_data):
    data = copy.deepcopy(smoke_data)
    data["market_makers"][0]["schedule"][0]["start"] = "25:00"
    assert "market_makers[0].schedule[0].start: '25:00' is not HH:MM" in _error_for(data)
    data = copy.deepcopy(smoke_data)
    del data["market_makers"][0]["schedule"][1]["spread_bps"]
    assert "market_makers[0].schedule[1]: wide_spread needs spread_bps" in _error_for(data)


def test_unknown_behaviour_venue_and_market(smoke_data):
    data = copy.deepcopy(smoke_data)
    data["market_makers"][0]["schedule"][0]["behaviour"] = "sleepy"
    assert "market_makers[0].schedule[0].behaviour: 'sleepy'" in _error_for(data)
    data = copy.deepcopy(smoke_data)
    data["venues"]["kraken"] = data["venues"]["binance"]
    assert "venues: venue 'kraken' has no dialect" in _error_for(data)
    data = copy.deepcopy(smoke_data)
    data["obligations"][1]["symbol"] = "SOL/USDT"
    assert "obligations[1]: market binance:'SOL/USDT' is not in venues" in _error_for(data)


def test_negative_number_names_the_key(smoke_data):
    smoke_data["venues"]["binance"]["markets"][0]["tick_size"] = -1
    assert "venues.binance.markets[0].tick_size: -1: Input should be greater than 0" in _error_for(smoke_data)


def test_overlapping_windows_are_refused(smoke_data):
    smoke_data["market_makers"][0]["schedule"][1]["start"] = "00:06"
    assert "windows 00:05-00:07 and 00:06-00:12 overlap" in _error_for(smoke_data)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_scenario(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("seed: [1,\n")
    with pytest.raises(ConfigError, match="broken.yaml: not valid YAML"):
        load_scenario(broken)


def test_non_usd_maker_needs_a_usdt_reference(smoke_data):
    smoke_data["venues"]["binance"]["markets"][0]["symbol"] = "BTC/USDC"
    smoke_data["market_makers"][0]["symbol"] = "BTC/USDC"
    smoke_data["obligations"][0]["symbol"] = "BTC/USDC"
    with pytest.raises(ConfigError, match="no venue lists BTC/USDT"):
        World(parse_scenario(smoke_data))


def test_write_obligations_csv(tmp_path, smoke_path):
    scenario = load_scenario(smoke_path)
    path = scenario.write_obligations_csv(tmp_path / "obligations.csv")
    with path.open() as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == OBLIGATION_COLUMNS
    assert rows[1] == ["smoke-btc", "Smoke MM", "binance", "spot", "BTC/USDT", "2026-11-01", "",
                       "20.0", "100.0", "100000.0", "90.0", "90.0", "75.0", "300"]
    assert rows[2][6] == "2026-12-01"


def test_demo_scenario_loads(demo_path):
    scenario = load_scenario(demo_path)
    assert {m.symbol for m in scenario.venues["binance"].markets} == {"BTC/USDT", "ETH/USDT", "ETH/BTC", "SOL/USDT"}
    assert len(scenario.market_makers) == 6


def test_every_supported_venue_has_a_dialect():
    from simulator.dialects import DIALECTS
    from simulator.scenario import SUPPORTED_VENUES

    assert set(SUPPORTED_VENUES) == set(DIALECTS)
