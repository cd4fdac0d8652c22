"""KuCoin with API keys configured, against the real simulator over HTTP (issue 15): the collector
loads the markets (before: ccxt asked for /api/v3/margin/symbols, a 404, and no market ever loaded),
skips the margin symbols it never collects, and with more than 100 levels asked reads the whole book
through the private level2 endpoint: every landed book equals the simulator's whole served book."""
from __future__ import annotations

import polars as pl

from collect_harness import collect_cycles, landed
from mmwatch.collector.exchanges import LOAD_MARKETS_PARAMS
from mmwatch.config import parse_config
from mmwatch.settings import DataDir

CYCLES = 3
KEYS = {"KUCOIN_TEST_KEY": "key", "KUCOIN_TEST_SECRET": "secret", "KUCOIN_TEST_PASSPHRASE": "passphrase"}


def _config(levels: int):
    return parse_config({"exchanges": {"kucoin": {
        "markets": ["BTC/USDT", "ETH/USDT"], "orderbook_levels": levels, "datasets": ["orderbooks", "trades"],
        "credentials": {"api_key_env": "KUCOIN_TEST_KEY", "secret_env": "KUCOIN_TEST_SECRET",
                        "password_env": "KUCOIN_TEST_PASSPHRASE"}}}})


def test_kucoin_with_keys_loads_markets_and_reads_the_whole_book(venues_sim, venues_scenario, venues_world,
                                                                 tmp_path, monkeypatch):
    from simulator.book import order_book

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    data_dir = DataDir(tmp_path / "data")
    start = venues_scenario.day_start_ms + 3_600_000  # 01:00, kucoin up
    collect_cycles(venues_sim, _config(levels=500), data_dir, start, CYCLES)
    assert landed(data_dir, "fetch_errors").is_empty()
    books = landed(data_dir, "orderbooks")
    assert {s: n for s, n in books.group_by("symbol").len().iter_rows()} == {"BTC/USDT": CYCLES, "ETH/USDT": CYCLES}
    for row in books.iter_rows(named=True):
        whole = order_book(venues_world, "kucoin", row["symbol"], row["received_ts"], None)
        assert len(whole.bids) > 100 and len(whole.asks) > 100  # deeper than the public level2_100 book
        assert [(lv["price"], lv["amount"]) for lv in row["bids"]] == whole.bids
        assert [(lv["price"], lv["amount"]) for lv in row["asks"]] == whole.asks
    assert landed(data_dir, "trades").filter(pl.col("exchange") == "kucoin").height > 0
    assert LOAD_MARKETS_PARAMS["kucoin"] == {"marginables": False}
