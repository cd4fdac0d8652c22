"""The venues mmwatch watches: the one list every other part reads (collector, config checks,
Dagster partitions, obligations, benchmarks).

Venue ids are ccxt ids, in alphabetical order (the order of the Dagster exchange partitions).
What each venue offers per market type lives with the collector (`mmwatch.collector.venues`).
"""
from __future__ import annotations

VENUES: tuple[str, ...] = (
    "binance",
    "binancecoinm",
    "binanceusdm",
    "bitget",
    "bybit",
    "gate",
    "kucoin",
    "kucoinfutures",
    "okx",
)

# spot, perpetual swaps and dated futures (options are collected as 'future')
MARKET_TYPES: tuple[str, ...] = ("spot", "swap", "future")
