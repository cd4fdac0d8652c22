"""Partitions shared by the raw assets, the marts and the sensor.

Raw data is partitioned by UTC day x exchange; keys look like
`2026-11-20|binance`. Keys sort date-major, so the exchanges of one day form
a contiguous range that a single run (BackfillPolicy.single_run) can cover.
"""
from __future__ import annotations

import dagster as dg

from mmwatch.days import HISTORY_START
from mmwatch.venues import VENUES

# ccxt ids of the venues mmwatch watches, in partition order (alphabetical): mmwatch/venues.py.
EXCHANGES: tuple[str, ...] = VENUES

# From HISTORY_START (old recordings can be backfilled); end_offset=1: today's (partial) day is a
# partition too, so live data lands in the lake the same day.
daily_partitions = dg.DailyPartitionsDefinition(start_date=HISTORY_START, end_offset=1)

exchange_partitions = dg.StaticPartitionsDefinition(list(EXCHANGES))

day_exchange_partitions = dg.MultiPartitionsDefinition(
    {"date": daily_partitions, "exchange": exchange_partitions}
)


def day_exchange_key(day: str, exchange: str) -> str:
    """The multi-partition key string of one (day, exchange) partition."""
    return dg.MultiPartitionKey({"date": day, "exchange": exchange})


def split_key(key: str) -> tuple[str, str]:
    """(day, exchange) of a `YYYY-MM-DD|exchange` partition key."""
    if isinstance(key, dg.MultiPartitionKey):
        return key.keys_by_dimension["date"], key.keys_by_dimension["exchange"]
    day, exchange = key.split("|", 1)  # dimensions are ordered by name: date, exchange
    return day, exchange


def partition_range_tags(day: str, exchanges: list[str]) -> dict[str, str]:
    """Run tags covering the partitions `day|min(exchanges)`..`day|max(exchanges)`."""
    ordered = sorted(exchanges, key=EXCHANGES.index)
    return {
        "dagster/asset_partition_range_start": day_exchange_key(day, ordered[0]),
        "dagster/asset_partition_range_end": day_exchange_key(day, ordered[-1]),
    }
