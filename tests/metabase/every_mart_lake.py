"""A small lake that gives every mart rows for one day: 90 minutes of four order books, trades
with a whale, every data set, two venues with one lagging (so arbitrage appears) and three
obligations, one of them breached for the last half hour (so an alert stays open).

Rows are made with the dbt tests' generators (tests/dbt/dbt_harness.py, lake_tables.py).

- binance BTC/USDT spot: mid 50,000 drifting up 2 bps a minute, spread 4 bps; from minute 60 the
  spread is 30 bps (obligation `ob-acme-btc`, max 10 bps, is breached until the data ends: uptime
  60 / 90 minutes < its 80 %, so it fails; the other two obligations pass at 100 %);
- binance ETH/USDT spot: mid 2,500 following BTC's moves (return correlation);
- bybit BTC/USDT spot: BTC's mid 40 bps lower (a lagging venue: buying there and selling on
  binance beats both 10 bps taker fees);
- binance BTC/USDT:USDT perpetual: BTC's mid + 8 bps (basis), with funding, open interest and
  long/short readings; bitget BTC/USDT fund flow, gate BTC/USDT:USDT contract stats, binance
  BTC/USDT tickers and 1-minute candles.
"""
from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import duckdb

from mmwatch.alerts.config import AlertsConfig
from mmwatch.alerts.service import run_alert_cycle

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))
try:
    from dbt_harness import day_start_ms, run_dbt, snapshot, write_lake_orderbooks, write_obligations_csv
    from lake_tables import trade, write_lake_table
finally:
    sys.path.pop(0)

DAY = "2026-03-10"
D0 = day_start_ms(DAY)
S, M = 1000, 60_000
MINUTES = 90
BREACH_FROM_MINUTE = 60
PERP = "BTC/USDT:USDT"
# binance BTC/USDT trade at minute 30: 30 BTC ≈ 1.5M USD over the seeded 1M USD whale threshold
WHALE_MINUTE, WHALE_AMOUNT = 30, 30.0


def btc_mid(minute: int) -> float:
    return 50_000.0 * (1 + 0.0002 * minute + 0.0005 * math.sin(minute / 3))


def _book(exchange: str, symbol: str, ts: int, mid: float, spread_bps: float, amount: float,
          market_type: str = "spot") -> dict:
    """Four levels a side at the touch and 20, 60, 150 bps out, `amount` base each."""
    half = spread_bps / 2 / 10_000
    offsets = (0.0, 0.002, 0.006, 0.015)
    bids = [(mid * (1 - half - o), amount) for o in offsets]
    asks = [(mid * (1 + half + o), amount) for o in offsets]
    return snapshot(exchange, symbol, ts, bids, asks, market_type=market_type)


def order_books() -> list[dict]:
    rows = []
    for minute in range(MINUTES):
        mid = btc_mid(minute)
        spread = 30.0 if minute >= BREACH_FROM_MINUTE else 4.0
        for second in (0, 20, 40):
            ts = D0 + minute * M + second * S
            rows.append(_book("binance", "BTC/USDT", ts, mid, spread, 1.0))
            rows.append(_book("binance", "ETH/USDT", ts, mid / 20, 6.0, 20.0))
            rows.append(_book("bybit", "BTC/USDT", ts + 5 * S, mid * (1 - 0.004), 4.0, 0.5))
            rows.append(_book("binance", PERP, ts + 7 * S, mid * 1.0008, 4.0, 2.0, market_type="swap"))
    return rows


def trades() -> list[dict]:
    rows = []
    for minute in range(MINUTES):
        ts, mid = D0 + minute * M, btc_mid(minute)
        rows.append(trade("binance", "BTC/USDT", ts + 10 * S, mid, 0.2 + minute % 3 / 10, "buy", f"b{minute}"))
        rows.append(trade("binance", "BTC/USDT", ts + 30 * S, mid, 0.1, "sell", f"s{minute}"))
        rows.append(trade("binance", "ETH/USDT", ts + 15 * S, mid / 20, 2.0, "sell" if minute % 2 else "buy", f"e{minute}"))
    rows.append(trade("binance", "BTC/USDT", D0 + WHALE_MINUTE * M + 45 * S, btc_mid(WHALE_MINUTE), WHALE_AMOUNT, "buy", "whale"))
    return rows


def _reading(exchange: str, symbol: str, ts: int, market_type: str = "swap", **values) -> dict:
    return {"exchange": exchange, "market_type": market_type, "symbol": symbol, "ts": ts, "received_ts": ts + 30, **values}


def data_sets() -> dict[str, list[dict]]:
    """Rows per lake table: funding, open interest, long/short, fund flow, contract stats, tickers, candles."""
    every_5 = range(0, MINUTES, 5)
    return {
        "raw_funding": [_reading("binance", PERP, D0 + m * M + 3 * S, funding_rate=0.0001, funding_interval="8h",
                                 mark_price=btc_mid(m) * 1.0008, index_price=btc_mid(m), next_funding_ts=D0 + 8 * 3_600_000)
                        for m in every_5],
        "raw_open_interest": [_reading("binance", PERP, D0 + m * M, kind="now", open_interest_amount=1000.0 + m,
                                       open_interest_value=(1000.0 + m) * btc_mid(m), amount_unit="base", contract_size=1.0)
                              for m in every_5],
        "raw_long_short_ratios": [_reading("binance", PERP, D0 + m * M, kind="accounts", period="5m",
                                           long_short_ratio=1.2 + m / 1000) for m in every_5],
        "raw_fund_flows": [_reading("bitget", "BTC/USDT", D0 + m * M, market_type="spot", kind="fund_flow", period="15m",
                                    whale_buy_volume=100.0, whale_sell_volume=40.0, dolphin_buy_volume=20.0,
                                    dolphin_sell_volume=30.0, fish_buy_volume=1.5, fish_sell_volume=2.5, net_flow=49.0)
                           for m in range(0, MINUTES, 15)],
        "raw_contract_stats": [_reading("gate", PERP, D0 + m * M, interval="5m", open_interest=1_000_000.0,
                                        open_interest_usd=5e6, mark_price=btc_mid(m), long_liq_size=300.0,
                                        short_liq_size=0.0, contract_size=0.0001) for m in every_5],
        "raw_tickers": [_reading("binance", "BTC/USDT", D0 + m * M, market_type="spot", last=btc_mid(m),
                                 bid=btc_mid(m) * 0.9998, ask=btc_mid(m) * 1.0002, base_volume=1000.0,
                                 quote_volume=1000.0 * btc_mid(m), amount_unit="base", contract_size=1.0)
                        for m in range(MINUTES)],
        "raw_ohlcv_1m": [_reading("binance", "BTC/USDT", D0 + m * M, market_type="spot", open=btc_mid(m),
                                  high=btc_mid(m) * 1.001, low=btc_mid(m) * 0.999, close=btc_mid(m + 1), volume=12.0,
                                  amount_unit="base", contract_size=1.0) for m in range(MINUTES)],
    }


def obligations() -> list[dict]:
    terms = {"market_type": "spot", "valid_from": "2026-01-01", "depth_band_bps": 50, "min_depth_usd": 20_000,
             "min_uptime_pct": 50, "min_coverage_pct": 1, "alert_after_s": 300}
    return [
        {"obligation_id": "ob-acme-btc", "mm_name": "Acme MM", "exchange": "binance", "symbol": "BTC/USDT",
         "max_spread_bps": 10, **{**terms, "min_uptime_pct": 80}},
        {"obligation_id": "ob-orbit-eth", "mm_name": "Orbit", "exchange": "binance", "symbol": "ETH/USDT",
         "max_spread_bps": 10, **terms},
        {"obligation_id": "ob-orbit-bybit", "mm_name": "Orbit", "exchange": "bybit", "symbol": "BTC/USDT",
         "max_spread_bps": 10, **terms},
    ]


def write_lake(data_dir: Path) -> Path:
    """Write the whole lake under `data_dir` and the obligations CSV; returns the CSV's path."""
    write_lake_orderbooks(data_dir, order_books())
    write_lake_table(data_dir, "raw_trades", trades())
    for table, rows in data_sets().items():
        write_lake_table(data_dir, table, rows)
    return write_obligations_csv(data_dir / "obligations.csv", obligations())


def build_every_mart(data_dir: Path) -> Path:
    """The lake, every model built for DAY by the real dbt (seeds and models; the data tests of the
    marts run in tests/dbt), then the real alert cycle (spec defaults, nothing delivered) writing
    the alert ledger into the warehouse. Returns the path of a checkpointed copy of the warehouse:
    dbt-duckdb keeps its connection to the built file open in this process, and DuckDB refuses a
    read-only connection (the publisher's) to a file this process already has open for writing."""
    obligations_csv = write_lake(data_dir)
    run_dbt(data_dir, ["build", "--exclude-resource-type", "test"], {"day": DAY, "obligations_csv": str(obligations_csv)})
    built = data_dir / "warehouse.duckdb"
    run_alert_cycle(built, DAY, AlertsConfig(), deliver=False)
    with duckdb.connect(str(built)) as con:
        con.execute("checkpoint")
    served = data_dir / "served" / "warehouse.duckdb"
    served.parent.mkdir()
    shutil.copyfile(built, served)
    return served
