"""Render and send the daily report email for 10 groups over 200 obligations (target < 30 s).

A synthetic warehouse holds the mart tables the report reads (fct_mm_compliance_daily for the
month so far, fct_mm_breach_episodes, fct_orderbook_snapshot_metrics every 10 s for each
obligation's market); 10 groups (one per MM, 20 obligations each, different time zones) are
rendered (HTML, text, CSV, PDF, charts, .eml) and sent to a loopback aiosmtpd server.

    .venv/bin/python benchmarks/bench_report_email.py [--obligations 200 --groups 10]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

DAY = "2026-11-20"
TIMEZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Singapore", "Asia/Tokyo")


def build_warehouse(path: Path, obligations: int, groups: int, day: str = DAY) -> None:
    """Mart tables with the columns the report reads: about 1 in 4 obligations fails on `day`,
    1 in 20 has insufficient data; every day of the month up to `day` has a row."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"""create table obligations as select i, 'ob-' || lpad(i::varchar, 3, '0') as obligation_id,
            'MM ' || (i % {groups}) as mm_name, ['binance', 'okx', 'gate', 'bybit'][1 + i % 4] as exchange,
            'spot' as market_type, 'T' || i || '/USDT' as symbol, 10.0 + (i % 3) * 10 as max_spread_bps,
            [50.0, 100.0, 200.0][1 + i % 3] as depth_band_bps, 20000.0::double as min_depth_usd,
            90.0::double as min_uptime_pct, 90.0::double as min_coverage_pct from range({obligations}) t(i)""")
        con.execute(f"""create table fct_mm_compliance_daily as
            with days as (select obligations.*, d, cast(date_trunc('month', date '{day}') + to_days(d) as date) as day,
                    case when (i + d) % 20 = 0 then 60.0 + i % 30 else 91.0 + (hash(i, d) % 900) / 100.0 end as coverage_pct,
                    case when (i + d) % 4 = 0 then 55.0 + (hash(i, d) % 3000) / 100.0 else 90.0 + (hash(d, i) % 1000) / 100.0 end as uptime_pct
                from obligations, range(0, {int(day[8:10])}) u(d))
            select obligation_id, day, mm_name, exchange, market_type, symbol, max_spread_bps, depth_band_bps,
                   min_depth_usd, min_uptime_pct, min_coverage_pct, uptime_pct, uptime_pct + 2 as bid_uptime_pct,
                   uptime_pct - 1 as ask_uptime_pct, coverage_pct,
                   case when uptime_pct >= min_uptime_pct then 0 else 3 end as breach_episodes,
                   case when uptime_pct >= min_uptime_pct then 0 else 1800.0 end as longest_breach_s,
                   round(14.4 * (100 - uptime_pct))::bigint as breach_minutes,
                   max_spread_bps * 0.7 as median_spread_bps, 26000.0::double as median_depth_bid_usd, 24000.0::double as median_depth_ask_usd,
                   case when coverage_pct < min_coverage_pct then 'insufficient_data'
                        when uptime_pct >= min_uptime_pct then 'pass' else 'fail' end as verdict
            from days""")
        start_ms = f"epoch_ms(timestamp '{day}')"
        con.execute(f"""create table fct_mm_breach_episodes as
            select obligation_id, day, e as episode_number, {start_ms} + e * 6 * 3600000 as start_ts,
                   {start_ms} + e * 6 * 3600000 + 1800000 as end_ts, 1800.0::double as duration_s, 'compliant' as ended_by
            from fct_mm_compliance_daily, range(1, 4) u(e) where verdict = 'fail' and day = date '{day}'""")
        bands = ", ".join(f"{side}_depth * {b / 100} as depth_{side}_usd_{b}" for b in (10, 50, 100, 200) for side in ("bid", "ask"))
        con.execute(f"""create table fct_orderbook_snapshot_metrics as
            select exchange, market_type, symbol, date '{day}' as day, ts, spread_bps, {bands}
            from (select exchange, market_type, symbol, {start_ms} + k * 10000 as ts,
                         max_spread_bps * (0.8 + 0.5 * sin(k / 400.0)) as spread_bps,
                         min_depth_usd * (1.1 + 0.4 * cos(k / 300.0)) as bid_depth,
                         min_depth_usd * (1.05 + 0.4 * sin(k / 250.0)) as ask_depth
                  from obligations, range(0, 8640) u(k))""")
        con.execute("drop table obligations")


def group_config(obligations_per_group: int, groups: int):
    from mmwatch.report.groups import ReportGroup

    return [ReportGroup(name=f"group-{g:02d}", recipients=[f"desk{g}@fund.test", f"cfo{g}@token.test"],
                        filter={"mm_names": [f"MM {g}"]}, timezone=TIMEZONES[g % len(TIMEZONES)]) for g in range(groups)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--obligations", type=int, default=200)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="write the reports here (default: a temporary folder)")
    args = parser.parse_args()
    from mmwatch.mail import SmtpSettings
    from mmwatch.mail.loopback import LoopbackSmtp
    from mmwatch.report.delivery import SENT, run_reports
    from mmwatch.report.ledger import ReportLedger

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "warehouse.duckdb"
        build_warehouse(warehouse, args.obligations, args.groups)
        groups = group_config(args.obligations // args.groups, args.groups)
        with LoopbackSmtp() as server:
            settings = SmtpSettings.from_env(server.env())
            wall, cpu = time.perf_counter(), os.times()
            outcomes = run_reports(warehouse, DAY, groups, args.keep or Path(tmp) / "reports", ReportLedger(Path(tmp) / "sent.sqlite3"),
                                   send=True, settings=settings, progress=print)
            elapsed, used = time.perf_counter() - wall, os.times()
        cpu_s = (used.user - cpu.user) + (used.system - cpu.system)
        sent = sum(o.status == SENT for o in outcomes)
        charts = sum(1 for o in outcomes for f in o.files if f.suffix == ".png")
        print(f"{args.groups} groups over {args.obligations} obligations: {sent} sent, {len(server.received)} received, "
              f"{charts} charts; {elapsed:.1f} s wall, {cpu_s:.1f} s CPU (target < 30 s)")
        if sent != args.groups or len(server.received) != args.groups:
            raise SystemExit("not every group's report was delivered")


if __name__ == "__main__":
    main()
