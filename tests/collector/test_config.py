"""Collection config validation: every message names the key and the bad value."""
from __future__ import annotations

from pathlib import Path

import pytest

from mmwatch.config import SUPPORTED_EXCHANGES, check_symbols, load_config, parse_config
from mmwatch.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_defaults_fill_cadence_and_levels():
    config = parse_config({"exchanges": {"gate": {"markets": ["BTC/USDT"]}}})
    venue = config.exchanges["gate"]
    assert (venue.orderbook_levels, venue.orderbook_every_s, venue.trades_every_s) == (100, 10, 10)
    assert config.simulator_url is None


def test_unknown_exchange_lists_supported_ids():
    with pytest.raises(ConfigError) as error:
        parse_config({"exchanges": {"binanse": {"markets": ["BTC/USDT"]}}})
    message = str(error.value)
    assert "'binanse'" in message
    for exchange_id in SUPPORTED_EXCHANGES:
        assert exchange_id in message


@pytest.mark.parametrize("value", [0, -5, "fast"])
def test_bad_cadence_names_key_and_value(value):
    with pytest.raises(ConfigError) as error:
        parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT"], "orderbook_every_s": value}}})
    assert "exchanges.binance.orderbook_every_s" in str(error.value)
    assert repr(value) in str(error.value)


def test_misspelled_key_is_an_error():
    with pytest.raises(ConfigError, match=r"exchanges\.binance\.orderbook_level"):
        parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT"], "orderbook_level": 50}}})


def test_unknown_symbol_suggests_closest_listed():
    with pytest.raises(ConfigError) as error:
        check_symbols("binance", ["BTC/USDT", "BTC/USDTT"], ["BTC/USDT", "ETH/USDT", "BTC/USDC", "SOL/USDT"])
    message = str(error.value)
    assert "exchanges.binance.markets: unknown symbol 'BTC/USDTT'" in message
    assert "closest listed: BTC/USDT" in message
    assert "mmwatch markets --exchange binance" in message


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found: .*nope.yaml"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("exchanges: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_config(path)


def test_example_configs_are_valid():
    live = load_config(REPO / "config" / "example.yaml")
    demo = load_config(REPO / "config" / "demo.yaml")
    assert live.simulator_url is None and "binance" in live.exchanges
    assert demo.simulator_url.startswith("http://127.0.0.1")
    assert demo.exchanges["binance"].markets == ["BTC/USDT", "ETH/USDT", "ETH/BTC", "SOL/USDT"]
