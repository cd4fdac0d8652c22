"""Is a day ready to be reported? Asked of the Dagster instance before the report job runs.

Ready when (1) every exchange with order-book landing files of the day has its raw_orderbooks
partition materialized after its newest landing file arrived, and (2) each mart the report reads
was materialized for the day after the newest of those raw materializations. Otherwise the reason,
for a SkipReason."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir

# dim_obligations: whether each obligation's market ever landed an order book (market_has_data)
REPORT_MARTS = ("fct_mm_compliance_daily", "fct_mm_breach_episodes", "fct_orderbook_snapshot_metrics", "dim_obligations")


def _latest(instance: dg.DagsterInstance, asset: str, partition: str) -> float | None:
    found = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]), limit=1)
    return found.records[0].timestamp if found.records else None


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def day_not_ready(instance: dg.DagsterInstance, data_dir: DataDir, day: str) -> str | None:
    """None when `day`'s raw partitions and marts are complete, else why not (names what to run)."""
    from assets.partitions import day_exchange_key

    newest_arrival: dict[str, int] = {}
    for landing in list_landing(data_dir, "orderbooks", day):
        newest_arrival[landing.exchange] = max(newest_arrival.get(landing.exchange, 0), landing.arrival_ns)
    if not newest_arrival:
        return f"no order-book landing data for {day} in {data_dir.landing}: nothing to report yet"
    raw_done = []
    for exchange, arrival_ns in sorted(newest_arrival.items()):
        done = _latest(instance, "raw_orderbooks", str(day_exchange_key(day, exchange)))
        if done is None or done * 1e9 < arrival_ns:
            state = "never materialized" if done is None else f"last materialized {_when(done)}"
            return (f"raw_orderbooks {day}|{exchange} is incomplete ({state}; a landing file arrived "
                    f"{_when(arrival_ns / 1e9)}): waiting for the landing sensor / raw_ingest_job")
        raw_done.append(done)
    for mart in REPORT_MARTS:
        built = _latest(instance, mart, day)
        if built is None or built < max(raw_done):
            state = "not built" if built is None else f"built {_when(built)}, before the raw data of {_when(max(raw_done))}"
            return f"{mart} of {day} is {state}: waiting for daily_marts_job of {day}"
    return None
