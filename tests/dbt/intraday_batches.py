"""A day that lands in batches, for the appending-refresh tests (tests/dbt/test_dbt_intraday_append.py).

Every lake table of the project gets rows: order books, trades and fetch errors are written one new
file per batch (as the raw assets write them); the data-set tables are merged (as the market-data
assets write them: the partition's files are replaced by one file holding every reading so far).
Times are seconds after 12:00 UTC of DAY; the day before holds hourly trades, so the candle
indicators of DAY continue a history of more than 34 candles.

Batch 1 (the first refresh of DAY: the whole day): books and trades before 12:02, readings of
12:00 and 12:01, hourly trades of hours 0 to 11.
Batch 2: 12:02 to 12:03:59, and late rows inside the landing grace: a ZZZ/USDT book of 12:01:55 and
a trade of 12:01:30.5; an ETH/BTC snapshot of batch 1 again (a repeated snapshot_id, received
later); a crossed (invalid) book and a fetch error. ZZZ/USDT is wide from 12:01:30 to 12:02:30,
so its breach episode spans batches 1 and 2; trades at 12:01:59.9 (batch 1) and 12:02:00.1.
Batch 3: 12:04 to 12:05:59, and a late BTC/USDT book of 12:03:52 (mid 50,500) that is newer than
the 12:03:50 book which rated the ETH/BTC book of 12:03:55 and the ETH/BTC trade of 12:03:56 in
batch 2: their USD rates change; a trade of batch 1 again (same trade_key, received later); the
funding reading of 12:03 fetched again with another rate.
Batch 4: 12:06 (books and trades): ETH/BTC, in breach since its last batch, carries on its episode.
Batch 5: only a funding reading of 12:07.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from dbt_harness import day_start_ms, snapshot, write_lake_orderbooks
from lake_tables import trade, write_lake_table

PREVIOUS_DAY, DAY = "2025-11-19", "2025-11-20"
S, H = 1000, 3_600_000
NOON = day_start_ms(DAY) + 12 * H
PERP = "BTC/USDT:USDT"
COMPLIANT = ([(100.0, 1.0)], [(100.5, 1.0)])  # spread 49.9 bps, 100 / 100.5 USD within 100 bps
WIDE = ([(100.0, 1.0)], [(103.0, 1.0)])  # spread 295.6 bps
ETH_BTC = ([(0.0499, 100.0)], [(0.0501, 100.0)])

OBLIGATIONS = [
    {"obligation_id": "o-zzz", "mm_name": "Test MM", "exchange": "binance", "market_type": "spot",
     "symbol": "ZZZ/USDT", "valid_from": "2025-01-01", "max_spread_bps": 100, "depth_band_bps": 100,
     "min_depth_usd": 10, "min_uptime_pct": 90},
    # depth in USD through the BTC/USDT rate: 4.99 BTC bid within 100 bps is about 250,000 USD
    {"obligation_id": "o-ethbtc", "mm_name": "Test MM", "exchange": "binance", "market_type": "spot",
     "symbol": "ETH/BTC", "valid_from": "2025-01-01", "max_spread_bps": 50, "depth_band_bps": 100,
     "min_depth_usd": 249_800, "min_uptime_pct": 50},
]


def _at(seconds: float) -> int:
    return NOON + int(seconds * 1000)


def _books(start: int, end: int) -> list[dict]:
    """The order books of [12:00 + start s, 12:00 + end s)."""
    rows = []
    for t in range(start, end, 10):
        step = t // 10
        rows.append(snapshot("binance", "BTC/USDT", _at(t), [(49_990.0 + step, 1.0)], [(50_010.0 + step, 1.0)]))
        rows.append(snapshot("binance", "ETH/BTC", _at(t + 5), *ETH_BTC))
        rows.append(snapshot("binance", "ZZZ/USDT", _at(t), *(WIDE if 90 <= t <= 150 else COMPLIANT)))
        if t % 20 == 0:  # bybit 50,150 bid over binance's ask: a cross-venue edge
            rows.append(snapshot("bybit", "BTC/USDT", _at(t + 3), [(50_150.0, 2.0)], [(50_170.0, 2.0)]))
        if t % 30 == 0:
            rows.append(snapshot("binance", PERP, _at(t + 1), [(50_090.0 + step, 3.0)], [(50_110.0 + step, 3.0)],
                                 market_type="swap"))
    return rows


def _trades(start: int, end: int) -> list[dict]:
    rows = []
    for t in range(start, end, 15):
        rows.append(trade("binance", "BTC/USDT", _at(t + 2), 50_000.0 + t, 0.01 * (1 + t % 4),
                          "buy" if t % 30 else "sell", f"b{t}"))
        rows.append(trade("binance", "ETH/BTC", _at(t + 4), 0.05 + t / 1e6, 2.0, "sell", f"e{t}"))
    return rows


def _hourly_trades(day: str, hours: range) -> list[dict]:
    start = day_start_ms(day)
    return [trade("binance", "BTC/USDT", start + h * H + 30 * S, 49_000.0 + 37 * h + (h % 5) * 11, 0.5 + h % 3,
                  "buy", f"{day}-h{h}") for h in hours]


def _reading(exchange: str, symbol: str, seconds: int, received: int | None = None, market_type: str = "swap",
             **values) -> dict:
    return {"exchange": exchange, "market_type": market_type, "symbol": symbol, "ts": _at(seconds),
            "received_ts": _at(received if received is not None else seconds) + 40, **values}


def _funding(minute: int, rate: float, received: int | None = None) -> dict:
    return _reading("binance", PERP, minute * 60 + 20, received, funding_rate=rate, funding_interval="8h",
                    mark_price=50_120.0 + minute, index_price=50_100.0, next_funding_ts=NOON + 4 * H)


def _data_sets(minutes: range, updated_funding: dict | None = None) -> dict[str, list[dict]]:
    """Every reading of the data-set tables up to the given minutes (what a merge leaves)."""
    funding = [_funding(m, 0.0001 * (1 + m % 3)) for m in minutes]
    if updated_funding:
        funding = [updated_funding if r["ts"] == updated_funding["ts"] else r for r in funding]
    return {
        "raw_funding": funding,
        "raw_open_interest": [_reading("binance", PERP, m * 60 + 5, kind="now", open_interest_amount=100.0 + m,
                                       open_interest_value=(100.0 + m) * 50_000, amount_unit="base")
                              for m in minutes if m % 2 == 0],
        "raw_long_short_ratios": [_reading("binance", PERP, m * 60, kind="accounts", period="5m",
                                           long_short_ratio=1.0 + m / 10) for m in minutes],
        "raw_fund_flows": [_reading("bitget", "BTC/USDT", m * 60, market_type="spot", kind="fund_flow", period="15m",
                                    whale_buy_volume=10.0 * m, whale_sell_volume=4.0, dolphin_buy_volume=2.0,
                                    dolphin_sell_volume=3.0, fish_buy_volume=1.0, fish_sell_volume=1.5,
                                    net_flow=10.0 * m - 5.5) for m in minutes],
        "raw_contract_stats": [_reading("gate", PERP, m * 60, interval="5m", open_interest=1_000.0 * (m + 1),
                                        open_interest_usd=5e4 * (m + 1), mark_price=50_000.0, long_liq_size=3.0,
                                        short_liq_size=1.0, contract_size=0.0001) for m in minutes],
    }


def _fetch_error(seconds: int) -> dict:
    return {"exchange": "binance", "market_type": "spot", "symbol": "ZZZ/USDT", "dataset": "orderbook",
            "received_ts": _at(seconds), "error_class": "RequestTimeout", "message": "timed out"}


def _late(row: dict, received_seconds: int) -> dict:
    """`row` as a copy received at 12:00 + received_seconds (the same snapshot or trade again)."""
    return {**row, "received_ts": _at(received_seconds)}


def write_history(data_dir: Path) -> None:
    """The day before: 24 hourly trades of binance BTC/USDT."""
    write_lake_table(data_dir, "raw_trades", _hourly_trades(PREVIOUS_DAY, range(24)), batch="history")


def write_batch(data_dir: Path, number: int) -> None:
    """Land batch `number` (1 to 5) in the lake."""
    write = {1: _batch_1, 2: _batch_2, 3: _batch_3, 4: _batch_4, 5: _batch_5}[number]
    books, trades, errors, data_sets = write()
    batch = f"batch-{number:04d}"
    if books:
        write_lake_orderbooks(data_dir, books, batch=batch)
    if trades:
        write_lake_table(data_dir, "raw_trades", trades, batch=batch)
    if errors:
        write_lake_table(data_dir, "raw_fetch_errors", errors, batch=batch)
    for table, rows in data_sets.items():
        shutil.rmtree(data_dir / "lake" / table, ignore_errors=True)  # a merge replaces the partition's files
        write_lake_table(data_dir, table, rows, batch=batch)


def _batch_1():
    trades = _trades(0, 120) + [trade("binance", "BTC/USDT", _at(119.9), 50_119.0, 0.02, "buy", "edge-1")]
    return _books(0, 120), trades + _hourly_trades(DAY, range(12)), [], _data_sets(range(2))


def _batch_2():
    books = _books(120, 240)
    books.append(snapshot("binance", "ZZZ/USDT", _at(115), *WIDE))  # late, inside the grace
    books.append(_late(snapshot("binance", "ETH/BTC", _at(65), *ETH_BTC), 200))  # a repeated snapshot_id
    books.append(snapshot("binance", "ZZZ/USDT", _at(185), [(101.0, 1.0)], [(100.0, 1.0)],
                          invalid_reason="crossed_book"))
    trades = _trades(120, 240) + [
        trade("binance", "BTC/USDT", _at(120.1), 50_121.0, 0.03, "sell", "edge-2"),  # the next minute
        trade("binance", "BTC/USDT", _at(90.5), 50_090.0, 0.05, "buy", "late-1"),  # late, inside the grace
        trade("binance", "ETH/BTC", _at(236), 0.0502, 1.0, "buy", "e-236"),  # re-rated once 12:03:52 lands
    ]
    return books, trades, [_fetch_error(195)], _data_sets(range(4))


def _batch_3():
    books = _books(240, 360)
    books.append(snapshot("binance", "BTC/USDT", _at(232), [(50_490.0, 1.0)], [(50_510.0, 1.0)]))  # late reference
    repeated = _late(_trades(15, 16)[0], 300)  # binance BTC/USDT's trade b15 of batch 1
    updated = _funding(3, 0.0009, received=300)  # the 12:03 reading fetched again, another rate
    return books, _trades(240, 360) + [repeated], [], _data_sets(range(6), updated)


def _stream_out_of_sync(start_s: int, end_s: int) -> dict:
    """binance BTC/USDT's streamed book out of sync from 12:00 + start_s to 12:00 + end_s."""
    start, end = _at(start_s), _at(end_s)
    return {"exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT", "dataset": "orderbooks",
            "received_ts": end, "error_class": "StreamOutOfSync",
            "message": f"cause=gap unsynced_ms={end - start} from={start} to={end}"}


def _batch_4():
    return _books(360, 420), _trades(360, 420), [_stream_out_of_sync(350, 365)], {}


def _batch_5():
    data_sets = _data_sets(range(6), _funding(3, 0.0009, received=300))
    data_sets["raw_funding"].append(_funding(7, 0.0004))
    return [], [], [], {"raw_funding": data_sets["raw_funding"]}
