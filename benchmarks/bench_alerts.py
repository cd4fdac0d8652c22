"""All spec §6 rules after a micro-batch for N markets (target: 200 markets < 5 s).

A synthetic warehouse with the marts the rules read, for the day and the day before (for the look-
backs): snapshot metrics (one per market every --every-s seconds), the per-obligation snapshots
(one obligation per market), trades per minute and 1 m candles, breach episodes and obligations.
Every market gets a wide spread, a thin book and a volume spike, so episodes and ledger rows exist.
Times the day's first alert cycle (evaluate the whole day + ledger sync, no channels) as of 23:45,
then the micro-batch that follows (data up to 23:50: only what can have changed since 23:45, with
the rules' look-back) - the target - and the same batch again (nothing new); wall and CPU seconds.

    .venv/bin/python benchmarks/bench_alerts.py --markets 200 --every-s 10
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from mmwatch.alerts.config import AlertsConfig
from mmwatch.alerts.service import run_alert_cycle

DAY = "2026-11-20"


def build_warehouse(path: Path, markets: int, every_s: int) -> int:
    market = "'ex' || (m % 8) as exchange, 'spot' as market_type, 'SYM' || m || '/USDT' as symbol"
    seconds = f"range(-86400, 86400, {every_s}) u(s)"
    with duckdb.connect(str(path)) as con:
        con.execute(f"""create table fct_orderbook_snapshot_metrics as
            select {market}, (timestamp '{DAY}' + to_seconds(s))::date as day,
                epoch_ms(timestamp '{DAY}' + to_seconds(s)) as ts,
                time_bucket(interval 1 minute, timestamp '{DAY}' + to_seconds(s)) as minute, s % 3607 <> 0 as is_two_sided,
                case when s % 3607 = 0 then null when s between 3600 * (m % 20) and 3600 * (m % 20) + 700 then 150.0
                     else 8.0 + (hash(m, s) % 100) / 100.0 end as spread_bps,
                0.1 as imbalance_10, 0.1 as imbalance_50, 0.1 as imbalance_100, 0.05 + (s % 11) / 100 as imbalance_200
            from range({markets}) t(m), {seconds}""")
        con.execute(f"""create table dim_obligations as
            select 'ob-' || m as obligation_id, 'MM' || (m % 5) as mm_name, {market}, date '2026-01-01' as valid_from,
                null::date as valid_to, 50000.0 as min_depth_usd, 100.0 as depth_band_bps, 300.0 as alert_after_s
            from range({markets}) t(m)""")
        con.execute(f"""create table int_obligation_snapshots_evaluated as
            select 'ob-' || m as obligation_id, 'MM' || (m % 5) as mm_name, s.exchange, s.market_type, s.symbol, s.day,
                s.ts, s.minute, 100.0 as depth_band_bps, false as usd_rate_missing,
                case when (s.ts // 1000) % 86400 between 7200 * (m % 10) and 7200 * (m % 10) + 600 then 10000.0 else 80000.0 end as depth_bid_usd,
                80000.0 as depth_ask_usd
            from fct_orderbook_snapshot_metrics s join range({markets}) t(m) on s.symbol = 'SYM' || m || '/USDT'""")
        con.execute(f"""create table fct_trades_minute as
            select {market}, (timestamp '{DAY}' + to_minutes(k))::date as day, timestamp '{DAY}' + to_minutes(k) as minute,
                case when k between 60 * (m % 20) + 30 and 60 * (m % 20) + 31 then 500000.0 else 10000.0 + hash(m, k) % 1000 end as volume_usd
            from range({markets}) t(m), range(-1440, 1440) u(k)""")
        con.execute(f"""create table fct_candles_1m as
            select exchange, market_type, symbol, day, minute as candle_start, 100.0 + (hash(symbol, minute) % 100) / 1000.0 as close
            from fct_trades_minute""")
        con.execute(f"""create table fct_mm_breach_episodes as
            select 'ob-' || m as obligation_id, 'MM' || (m % 5) as mm_name, {market}, date '{DAY}' as day,
                epoch_ms(timestamp '{DAY}' + to_seconds(3600 * (m % 20))) as start_ts,
                epoch_ms(timestamp '{DAY}' + to_seconds(3600 * (m % 20) + 700)) as end_ts,
                epoch_ms(timestamp '{DAY}' + to_seconds(3600 * (m % 20) + 690)) as last_breach_ts,
                700.0 as duration_s, 'compliant' as ended_by, 70 as snapshots, 300.0 as alert_after_s
            from range({markets}) t(m)""")
        return con.execute(f"select count(*) from fct_orderbook_snapshot_metrics where day = '{DAY}'").fetchone()[0]


def timed_cycle(path: Path, until: datetime) -> tuple[float, float, int, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    cycle = run_alert_cycle(path, DAY, AlertsConfig(), deliver=False, until=until)
    return time.perf_counter() - wall, time.process_time() - cpu, len(cycle.evaluation.episodes), len(cycle.changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=200)
    parser.add_argument("--every-s", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mmwatch-bench-alerts-") as tmp:
        path = Path(tmp) / "warehouse.duckdb"
        started = time.perf_counter()
        snapshots = build_warehouse(path, args.markets, args.every_s)
        print(f"synthetic warehouse: {args.markets} markets, {snapshots:,} snapshots of {DAY} "
              f"(+ the day before) in {time.perf_counter() - started:.1f} s; load {os.getloadavg()[0]:.1f}")
        for label, hhmm in (("first cycle of the day (whole day)", "23:45"), ("micro-batch to 23:50", "23:50"),
                            ("same batch again", "23:50")):
            wall, cpu, episodes, changes = timed_cycle(path, datetime.fromisoformat(f"{DAY}T{hhmm}:00+00:00"))
            target = "" if "whole" in label else f" [target < 5 s: {'OK' if wall < 5 else 'SLOW'}]"
            print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU; {episodes} episodes, {changes} ledger changes{target}")


if __name__ == "__main__":
    main()
