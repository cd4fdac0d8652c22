"""Benchmark: every dbt mart for one day of 200 markets (issue 3 target: < 60 s, < 4 GiB).

Generates with DuckDB SQL one UTC day of 200 markets at a 10 s cadence (1,728,000 order-book
snapshots, 100 levels a side) and 2,000,000 trades into a temporary lake under /tmp: 5 exchanges
x (31 spot X/USDT + 8 perpetuals X/USDT:USDT + ETH/BTC, which needs the USD-rate ASOF lookup).
Then, each in a subprocess: `dbt seed` (untimed), `dbt run` of every model for the day (timed:
wall, CPU, peak RSS; dbt's per-model timings from run_results.json), `dbt test` for the day
(timed separately), and bare DuckDB scans of the same Parquet for the ratio. The lake is deleted
at the end unless --keep is given.

    .venv/bin/python -m benchmarks.bench_marts_day [--markets 200] [--trades 2000000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.bench_snapshot_metrics import (DAY, PROFILE_SETTINGS, dbt_command, duckdb_command,
                                               run_measured, scan_rows)

EXCHANGES = ("binance", "bybit", "gate", "kucoin", "okx")
CADENCE_S = 10
LEVELS = 100

# one row per market: exchange, market_type, symbol, base price (USDT, or BTC for ETH/BTC)
MARKETS_SQL = """
create temp table markets as
with per_exchange as (
    select k, case when k < $spot then 'spot' when k < $spot + $perps then 'swap' else 'cross' end as kind
    from range($per_exchange) t(k)
)
select
    exchange,
    case kind when 'swap' then 'swap' else 'spot' end as market_type,
    case kind
        when 'spot' then (case when k = 0 then 'BTC' else 'C' || k end) || '/USDT'
        when 'swap' then (case when k = $spot then 'BTC' else 'C' || (k - $spot) end) || '/USDT:USDT'
        else 'ETH/BTC' end as symbol,
    case kind when 'cross' then 0.05
        when 'spot' then (case when k = 0 then 50000.0 else 1.0 + 7.0 * k end)
        else (case when k = $spot then 50000.0 else 1.0 + 7.0 * (k - $spot) end) * 1.0005 end as base_price,
    row_number() over () as market_no
from (select unnest($exchanges) as exchange) cross join per_exchange
"""

ORDERBOOKS_SQL = """
copy (
    with books as (
        select markets.*,
            epoch_ms(date '{day}') + tick * $cadence * 1000 + ((market_no * 37 + hash(exchange) % 900) % 9000)::bigint as ts,
            tick,
            base_price * (1 + 0.01 * sin(tick / 500.0 + market_no)) as mid,
            (1 + (tick + market_no) % 5) as half_spread_bps
        from markets cross join range(86400 // $cadence) t(tick)
    )
    select exchange, market_type, symbol, ts as exchange_ts, ts + 40 as received_ts, tick as nonce,
        list_transform(range($levels), lambda k: {{'price': mid * (1 - (half_spread_bps + 2 * k) / 10000.0),
                                                  'amount': (1.0 + (k + tick) % 7) * 20 / base_price}}) as bids,
        list_transform(range($levels), lambda k: {{'price': mid * (1 + (half_spread_bps + 2 * k) / 10000.0),
                                                  'amount': (1.0 + (k + tick) % 5) * 20 / base_price}}) as asks,
        'collector' as source, 1.0 as contract_size, ts, printf('%016x', hash(exchange, symbol, ts)) as snapshot_id,
        true as is_valid, null::varchar as invalid_reason, '{day}' as day
    from books
    {where}
) to '{lake}/raw_orderbooks' (format parquet, partition_by (day, exchange), write_partition_columns false,
                              compression zstd, row_group_size 20000{options})
"""

TRADES_SQL = """
copy (
    with numbered as (
        select markets.*, n
        from markets cross join range($per_market) t(n)
    ), timed as (
        select *, (epoch_ms(date '{day}') + (n * 86400000 // $per_market) + market_no % 1000)::bigint as ts
        from numbered
    )
    select exchange, market_type, symbol, ts as exchange_ts, ts + 30 as received_ts,
        market_no || '-' || n as trade_id,
        base_price * (1 + 0.01 * sin((ts - epoch_ms(date '{day}')) / 5000000.0 + market_no)) as price,
        -- one trade in 5,000 is a whale (about 1M USD); the rest 10-1,000 USD
        case when n % 5000 = 17 then 1000000.0 else 10.0 + (n * 37) % 990 end / base_price as amount,
        case when hash(n, market_no) % 2 = 0 then 'buy' else 'sell' end as side,
        'collector' as source, 1.0 as contract_size, ts, market_no || '-' || n as trade_key, '{day}' as day
    from timed
    {where}
) to '{lake}/raw_trades' (format parquet, partition_by (day, exchange), write_partition_columns false,
                          compression zstd, row_group_size 100000{options})
"""

TRADE_SCAN_SQL = ("select count(*), sum(price * amount) "
                  "from read_parquet('{glob}', hive_partitioning = true)")


def generate_lake(data_dir: Path, markets: int, trades: int, env: dict, where: str = "", options: str = "") -> float:
    """Write the synthetic order books and trades of DAY into data_dir/lake; return the seconds. `where`
    keeps some of them (a condition on ts), `options` adds COPY options (e.g. a file name pattern)."""
    per_exchange = markets // len(EXCHANGES)
    perps = max(1, per_exchange // 5)
    params = {"exchanges": list(EXCHANGES), "per_exchange": per_exchange, "perps": perps,
              "spot": per_exchange - perps - 1, "cadence": CADENCE_S, "levels": LEVELS,
              "per_market": trades // (per_exchange * len(EXCHANGES))}
    lake = data_dir / "lake"
    lake.mkdir(parents=True, exist_ok=True)
    parts = {"day": DAY, "lake": lake, "where": where, "options": options}
    sql = ";\n".join([MARKETS_SQL, ORDERBOOKS_SQL.format(**parts), TRADES_SQL.format(**parts)])
    config = {**PROFILE_SETTINGS, "memory_limit": "4GB"}
    # one process, so the temp markets table is shared by the statements
    return run_measured(duckdb_command(_with_params(sql, params), config), env)[0]


def _with_params(sql: str, params: dict) -> str:
    """Inline the $name parameters (a multi-statement script takes no bound parameters)."""
    for name in sorted(params, key=len, reverse=True):
        value = params[name]
        sql = sql.replace(f"${name}", repr(list(value)) if isinstance(value, (list, tuple)) else str(value))
    return sql


def model_timings(data_dir: Path) -> list[tuple[str, float]]:
    """(model, seconds) of the last dbt invocation, slowest first."""
    results = json.loads((data_dir / "dbt_target" / "run_results.json").read_text())["results"]
    return sorted(((r["unique_id"].split(".")[-1], r["execution_time"]) for r in results),
                  key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=200)
    parser.add_argument("--trades", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="data dir to use and keep; its lake is reused if present")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="mmwatch-bench-marts-", dir="/tmp"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MMWATCH_DATA_DIR": str(data_dir.resolve())}
    try:
        reused = (data_dir / "lake" / "raw_orderbooks").exists()
        generate_s = 0.0 if reused else generate_lake(data_dir, args.markets, args.trades, env)
        print(f"lake {'reused' if reused else f'generated in {generate_s:.1f} s'}: {data_dir}", flush=True)
        (data_dir / "warehouse.duckdb").unlink(missing_ok=True)  # every mart takes the first-build path
        subprocess.run(dbt_command(["seed", "--quiet"], data_dir), env=env, check=True)
        rows = [("dbt run, every model of the day", *run_measured(dbt_command(["run"], data_dir), env))]
        timings = model_timings(data_dir)
        rows.append(("dbt test, every data test of the day", *run_measured(dbt_command(["test"], data_dir), env)))
        rows += [(f"bare DuckDB scan of the order books: {name}", wall, cpu, rss)
                 for name, wall, cpu, rss in scan_rows(data_dir, env)]
        trade_glob = data_dir / "lake" / "raw_trades" / "*" / "*" / "*.parquet"
        rows.append(("bare DuckDB scan of the trades: sum(price * amount)",
                     *run_measured(duckdb_command(TRADE_SCAN_SQL.format(glob=trade_glob), PROFILE_SETTINGS), env)))
        report(data_dir, rows, timings)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def report(data_dir: Path, rows: list[tuple[str, float, float, int]], timings: list[tuple[str, float]]) -> None:
    import duckdb

    lake = data_dir / "lake"
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        snapshots = con.execute("select count(*) from fct_orderbook_snapshot_metrics").fetchone()[0]
        trades = con.execute("select coalesce(sum(trade_count), 0) from fct_trade_flow_daily").fetchone()[0]
    lake_mb = sum(p.stat().st_size for p in lake.rglob("*.parquet")) / 1e6
    print(f"lake {lake_mb:,.0f} MB Parquet; fct_orderbook_snapshot_metrics {snapshots:,} rows; "
          f"trades in fct_trade_flow_daily {int(trades):,}")
    load = os.getloadavg()[0]
    print("| step | wall (s) | CPU (s) | peak RSS (MiB) | load avg | target |")
    print("|---|---|---|---|---|---|")
    for name, wall_s, cpu_s, peak_rss in rows:
        target = "< 60 s, < 4096 MiB" if name.startswith("dbt run") else ""
        print(f"| {name} | {wall_s:.1f} | {cpu_s:.1f} | {peak_rss / 2**20:,.0f} | {load:.1f} | {target} |")
    scans = [row for row in rows if row[0].startswith("bare")]
    scan_wall = scans[1][1] + scans[-1][1]  # level-list sum over the books + the trade scan
    scan_cpu = scans[1][2] + scans[-1][2]
    print(f"dbt run / bare scans (books level lists + trades): {rows[0][1] / scan_wall:.1f}x wall, "
          f"{rows[0][2] / scan_cpu:.1f}x CPU")
    print("| model | seconds |")
    print("|---|---|")
    for name, seconds in timings[:15]:
        print(f"| {name} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
