"""Helpers for the dbt tests: hand-crafted lake Parquet, obligations CSV, real dbt runs.

The lake files follow mmwatch.schemas.LAKE_ORDERBOOKS and the hive layout of
docs/contracts.md; dbt runs in-process through dbtRunner against a temporary data dir.
"""
from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
from dbt.cli.main import dbtRunner

from mmwatch.marts.invocation import environment
from mmwatch.days import utc_day_of_ms
from mmwatch.obligations import CANONICAL_COLUMNS
from mmwatch.schemas import LAKE_ORDERBOOKS

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt"
MINUTE_MS = 60_000



def day_start_ms(day: str) -> int:
    """Milliseconds since the epoch of 00:00 UTC of `day` ('YYYY-MM-DD')."""
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp() * 1000)


def snapshot(
    exchange: str,
    symbol: str,
    ts: int,
    bids: list[tuple[float, float]],
    asks: list[tuple[float, float]],
    *,
    market_type: str = "spot",
    invalid_reason: str | None = None,
    contract_size: float | None = 1.0,
) -> dict:
    """One lake order-book row; snapshot_id hashes market, ts and levels like the raw asset."""
    key = json.dumps([exchange, market_type, symbol, ts, bids, asks])
    return {
        "exchange": exchange,
        "market_type": market_type,
        "symbol": symbol,
        "exchange_ts": ts,
        "received_ts": ts + 25,
        "nonce": ts // 1000,
        "bids": [{"price": p, "amount": a} for p, a in bids],
        "asks": [{"price": p, "amount": a} for p, a in asks],
        "source": "collector",
        "contract_size": contract_size,
        "ts": ts,
        "snapshot_id": hashlib.blake2b(key.encode(), digest_size=8).hexdigest(),
        "is_valid": invalid_reason is None,
        "invalid_reason": invalid_reason,
    }


def write_lake_orderbooks(data_dir: Path, rows: list[dict], batch: str = "batch-0001") -> list[Path]:
    """Write rows as lake/raw_orderbooks/day=D/exchange=X/<batch>.parquet, one file per partition."""
    frame = pl.DataFrame(rows, schema=LAKE_ORDERBOOKS)
    frame = frame.with_columns(pl.col("ts").map_elements(utc_day_of_ms, return_dtype=pl.Utf8).alias("_day"))
    written = []
    for (day, exchange), part in frame.group_by(["_day", "exchange"]):
        folder = data_dir / "lake" / "raw_orderbooks" / f"day={day}" / f"exchange={exchange}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{batch}.parquet"
        part.drop("_day").write_parquet(path)
        written.append(path)
    return written


def write_obligations_csv(path: Path, obligations: list[dict]) -> Path:
    """Write an obligations CSV; missing keys become empty cells (defaults apply)."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CANONICAL_COLUMNS)
        writer.writeheader()
        for row in obligations:
            writer.writerow({name: row.get(name, "") for name in CANONICAL_COLUMNS})
    return path


def run_dbt(data_dir: Path, command: list[str], dbt_vars: dict) -> None:
    """Run the real dbt in-process on `data_dir`; fail with every failing node's message."""
    with environment({"MMWATCH_DATA_DIR": str(data_dir)}):
        result = dbtRunner().invoke(
            [
                *command,
                "--project-dir", str(DBT_PROJECT_DIR),
                "--profiles-dir", str(DBT_PROJECT_DIR),
                "--target-path", str(data_dir / "dbt_target"),
                "--log-path", str(data_dir / "dbt_logs"),
                "--vars", json.dumps(dbt_vars),
                "--quiet",
            ]
        )
    if not result.success:
        failures = []
        for node_result in getattr(result.result, "results", None) or []:
            if str(node_result.status) not in ("success", "pass"):
                failures.append(f"{node_result.node.unique_id}: {node_result.status}: {node_result.message}")
        raise AssertionError(f"dbt {' '.join(command)} failed: {result.exception or ''}\n" + "\n".join(failures))


def query(data_dir: Path, sql: str, params: list | None = None) -> list[dict]:
    """Rows of `sql` on the warehouse as dicts."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as con:
        cursor = con.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def one(data_dir: Path, sql: str, params: list | None = None) -> dict:
    """The single row of `sql`; fails when there is not exactly one."""
    rows = query(data_dir, sql, params)
    assert len(rows) == 1, f"expected one row, got {len(rows)}: {rows}"
    return rows[0]


def as_date(day: str) -> date:
    return date.fromisoformat(day)
