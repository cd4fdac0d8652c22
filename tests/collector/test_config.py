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


def test_cadences_default_to_the_issue_table_and_feed_the_collector():
    config = parse_config({"cadences": {"orderbooks": 5, "ohlcv": 1800},
                           "exchanges": {"okx": {"markets": ["BTC/USDT"], "trades_every_s": 30}}})
    assert config.cadence_s("ohlcv") == 1800 and config.cadence_s("tickers") == 60
    assert config.cadence_s("fund_flow") == 900 and config.cadence_s("open_interest") == 300
    okx = config.exchanges["okx"]
    assert (okx.orderbook_every_s, okx.trades_every_s) == (5, 30)
    assert okx.wants("funding") and not parse_config(
        {"exchanges": {"okx": {"markets": ["BTC/USDT"], "datasets": ["orderbooks"]}}}).exchanges["okx"].wants("trades")


def test_unknown_data_set_names_the_key_and_the_known_ones():
    with pytest.raises(ConfigError) as error:
        parse_config({"exchanges": {"gate": {"markets": ["BTC/USDT"], "datasets": ["orderbooks", "candles"]}}})
    assert "exchanges.gate.datasets" in str(error.value) and "'candles'" in str(error.value)
    assert "ohlcv" in str(error.value)
    with pytest.raises(ConfigError, match=r"cadences = .*'tickerz'"):
        parse_config({"cadences": {"tickerz": 60}, "exchanges": {"gate": {"markets": ["BTC/USDT"]}}})


def test_credentials_come_only_from_the_environment(monkeypatch):
    config = parse_config({"exchanges": {"kucoin": {"markets": ["BTC/USDT"], "credentials": {
        "api_key_env": "MMW_TEST_KEY", "secret_env": "MMW_TEST_SECRET", "password_env": "MMW_TEST_PASS"}}}})
    credentials = config.exchanges["kucoin"].credentials
    monkeypatch.delenv("MMW_TEST_PASS", raising=False)
    monkeypatch.setenv("MMW_TEST_KEY", "k")
    monkeypatch.setenv("MMW_TEST_SECRET", "s")
    with pytest.raises(ConfigError, match="MMW_TEST_PASS not set"):
        credentials.resolve("kucoin")
    monkeypatch.setenv("MMW_TEST_PASS", "p")
    assert credentials.resolve("kucoin") == {"apiKey": "k", "secret": "s", "password": "p"}
    with pytest.raises(ConfigError, match=r"credentials\.api_key"):
        parse_config({"exchanges": {"kucoin": {"markets": ["BTC/USDT"], "credentials": {"api_key": "plain"}}}})


def test_book_depth_follows_what_each_venue_allows():
    from mmwatch.collector.venues import book_request_limit

    assert book_request_limit("binance", "spot", 1000) == 1000
    assert book_request_limit("gate", "swap", 1000) == 300
    assert book_request_limit("bitget", "spot", 500) == 150
    assert [book_request_limit("kucoin", "spot", n) for n in (5, 20, 50, 100, 500)] == [20, 20, 100, 100, 100]
    assert book_request_limit("kucoin", "spot", 500, authenticated=True) is None  # the full book, with keys
    assert book_request_limit("kucoinfutures", "swap", 500, authenticated=True) == 100


def test_all_venue_configs_are_valid():
    every = load_config(REPO / "config" / "venues.yaml")
    assert sum(len(v.markets) for v in every.exchanges.values()) == 42
    assert set(every.exchanges) == set(SUPPORTED_EXCHANGES)
