"""Write hand-made rows of any non-order-book lake table (raw_trades, raw_fetch_errors, the data sets).

Rows follow mmwatch.schemas (LAKE_TRADES, DATASET_TABLES) and the hive layout
lake/<table>/day=D/exchange=X/<batch>.parquet of docs/contracts.md.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from mmwatch.days import utc_day_of_ms
from mmwatch.schemas import DATASET_TABLES, LAKE_FETCH_ERRORS, LAKE_TRADES

LAKE_SCHEMAS: dict[str, pl.Schema] = {
    "raw_trades": LAKE_TRADES,
    "raw_fetch_errors": LAKE_FETCH_ERRORS,
    **{table: schema for table, schema, _keys in DATASET_TABLES.values()},
}


def trade(exchange: str, symbol: str, ts: int, price: float, amount: float, side: str | None,
          trade_id: str | None, *, market_type: str = "spot", contract_size: float = 1.0) -> dict:
    """One raw_trades row; trade_key is the id, else a readable stand-in for the content hash."""
    return {
        "exchange": exchange, "market_type": market_type, "symbol": symbol, "exchange_ts": ts,
        "received_ts": ts + 40, "trade_id": trade_id, "price": price, "amount": amount, "side": side,
        "source": "collector", "contract_size": contract_size, "ts": ts,
        "trade_key": trade_id if trade_id is not None else f"h:{ts}:{price}:{amount}:{side}",
    }


def write_lake_table(data_dir: Path, table: str, rows: list[dict], batch: str = "batch-0001") -> list[Path]:
    """Write `rows` (missing columns NULL) into lake/<table>/day=D/exchange=X/<batch>.parquet."""
    schema = LAKE_SCHEMAS[table]
    frame = pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)
    day_of = "ts" if "ts" in schema else "received_ts"  # raw_fetch_errors: the day they were received
    frame = frame.with_columns(pl.col(day_of).map_elements(utc_day_of_ms, return_dtype=pl.Utf8).alias("_day"))
    written = []
    for (day, exchange), part in frame.group_by(["_day", "exchange"]):
        folder = data_dir / "lake" / table / f"day={day}" / f"exchange={exchange}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{batch}.parquet"
        part.drop("_day").write_parquet(path)
        written.append(path)
    return written
