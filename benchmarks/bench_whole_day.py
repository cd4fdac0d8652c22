"""Benchmark: a whole day imported and built (`mmwatch import` + `mmwatch build`) against a bare
DuckDB load of the same capture plus a compliance query (issue 13 target: <= 2x).

Generates with DuckDB one UTC day as a capture file (JSON Lines, the writer's key order): 20
markets (4 exchanges x BTC/USDT, ETH/USDT, SOL/USDT, XRP/USDT and ETH/BTC, which needs the USD
rate) x one book every 10 s x 100 levels a side = 172,800 snapshots, and a trade every 20 s per
market, cached under /tmp. Then, each a whole process in its own run:

- product:   `mmwatch import CAPTURE` then `mmwatch build --date DAY --obligations CSV` in a fresh
             data dir (raw lake through Dagster, every dbt mart and its tests, the HTML report);
- reference: one Python process that loads the capture into DuckDB (read_json, typed) and runs a
             spec §3 compliance query (per snapshot mid, spread and depth in the obligation's band,
             compliant; per minute the mean; per obligation the uptime over covered minutes).

The two alternate (product, reference, product, ...) so drift of a shared machine hits both, and
the ratio is taken pair by pair. Prints wall and CPU seconds of each and the median ratio.

    .venv/bin/python -m benchmarks.bench_whole_day [--runs 3] [--markets 20] [--keep DIR]
    .venv/bin/python -m benchmarks.bench_whole_day product|reference   # one side, once (for timing tools)
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_snapshot_metrics import PROFILE_SETTINGS, run_measured

REPO = Path(__file__).resolve().parents[1]
MMWATCH = Path(sys.executable).with_name("mmwatch")
DAY = "2025-11-20"
EXCHANGES = ("binance", "bybit", "gate", "okx")
SYMBOLS = (("BTC/USDT", 50_000.0), ("ETH/USDT", 2_500.0), ("SOL/USDT", 150.0), ("XRP/USDT", 0.6),
           ("ETH/BTC", 0.05))
CADENCE_S, LEVELS, TRADE_EVERY_S = 10, 100, 20

CAPTURE_SQL = """
copy (
    with markets as (
        select exchange, symbol, base_price, case when symbol like '%/BTC' then 50000.0 else 1.0 end as quote_usd,
            row_number() over () as market_no
        from (select unnest($exchanges) as exchange, unnest($symbols) as symbol, unnest($prices) as base_price)
    ),
    books as (
        select markets.*, tick,
            epoch_ms(date '$day') + tick * $cadence * 1000 + market_no * 37 as ts,
            base_price * (1 + 0.01 * sin(tick / 500.0 + market_no)) as mid,
            -- half spread 1-5 bps; every 50th book of a market 40 bps wide (a breach)
            case when (tick + market_no) % 50 = 0 then 40 else 1 + (tick + market_no) % 5 end as half_spread_bps
        from markets cross join range(86400 // $cadence) t(tick)
    )
    select 'orderbook' as type, exchange, 'spot' as market_type, symbol, ts as timestamp,
        ts + 35 as received_at, tick as nonce,
        list_transform(range($levels), lambda k: [round(mid * (1 - (half_spread_bps + 2 * k) / 10000.0), 8),
                                                  round((1.0 + (k + tick) % 7) * 2000 / (base_price * quote_usd), 8)]) as bids,
        list_transform(range($levels), lambda k: [round(mid * (1 + (half_spread_bps + 2 * k) / 10000.0), 8),
                                                  round((1.0 + (k + tick) % 5) * 2000 / (base_price * quote_usd), 8)]) as asks
    from books
    order by ts
) to '$books' (format json);
copy (
    with markets as (
        select exchange, symbol, base_price, case when symbol like '%/BTC' then 50000.0 else 1.0 end as quote_usd,
            row_number() over () as market_no
        from (select unnest($exchanges) as exchange, unnest($symbols) as symbol, unnest($prices) as base_price)
    )
    select 'trade' as type, exchange, 'spot' as market_type, symbol,
        epoch_ms(date '$day') + n * $trade_every * 1000 + market_no * 41 as timestamp,
        epoch_ms(date '$day') + n * $trade_every * 1000 + market_no * 41 + 40 as received_at,
        (market_no * 100000 + n)::varchar as id,
        round(base_price * (1 + 0.01 * sin(n / 250.0 + market_no)), 8) as price,
        round((10.0 + (n * 37) % 990) / (base_price * quote_usd), 8) as amount,
        case when n % 2 = 0 then 'buy' else 'sell' end as side
    from markets cross join range(86400 // $trade_every) t(n)
) to '$trades' (format json)
"""

# The reference: the capture loaded into DuckDB and the compliance of each market (spec §3: the
# spread and both sides' depth within the band, per snapshot; uptime = mean over covered minutes).
REFERENCE_SCRIPT = """
import json, sys, duckdb
capture, obligations, config = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with duckdb.connect(config=config) as con:
    con.execute(f'''create table books as
        select exchange, market_type, symbol, "timestamp" as ts, received_at, nonce, bids, asks
        from read_json('{capture}', format = 'newline_delimited', columns = {{
            type: 'VARCHAR', exchange: 'VARCHAR', market_type: 'VARCHAR', symbol: 'VARCHAR',
            "timestamp": 'BIGINT', received_at: 'BIGINT', nonce: 'BIGINT', bids: 'DOUBLE[2][]',
            asks: 'DOUBLE[2][]'}})
        where type = 'orderbook' ''')
    rows = con.execute(f'''
        with obligations as (select * from read_csv('{obligations}', header = true)),
        measured as (
            select b.exchange, b.symbol, o.obligation_id, o.max_spread_bps, o.depth_band_bps, o.min_depth_usd,
                time_bucket(interval 1 minute, epoch_ms(b.ts)) as minute,
                (b.bids[1][1] + b.asks[1][1]) / 2 as mid, b.bids, b.asks
            from books b join obligations o using (exchange, market_type, symbol)
        ),
        rated as (
            select m.*, case when m.symbol like '%/BTC' then r.mid else 1.0 end as usd_rate
            from measured m
            asof left join (select exchange, ts_minute as minute, mid from (
                select exchange, time_bucket(interval 1 minute, epoch_ms(ts)) as ts_minute,
                    (bids[1][1] + asks[1][1]) / 2 as mid
                from books where symbol = 'BTC/USDT')) r
            on r.exchange = m.exchange and r.minute <= m.minute
        ),
        evaluated as (
            select obligation_id, minute,
                (asks[1][1] - bids[1][1]) / mid * 10000 <= max_spread_bps
                and list_sum(list_transform(list_filter(bids, lambda l: l[1] >= mid * (1 - depth_band_bps / 10000)),
                                            lambda l: l[1] * l[2])) * usd_rate >= min_depth_usd
                and list_sum(list_transform(list_filter(asks, lambda l: l[1] <= mid * (1 + depth_band_bps / 10000)),
                                            lambda l: l[1] * l[2])) * usd_rate >= min_depth_usd as compliant
            from rated
        ),
        minutes as (select obligation_id, minute, avg(compliant::int) as c from evaluated group by all)
        select obligation_id, count(*) as covered_minutes, 100 * avg(c) as uptime_pct
        from minutes group by obligation_id order by obligation_id''').fetchall()
print(len(rows), 'obligations', [round(r[2], 2) for r in rows[:3]])
"""


def capture_path(markets: int) -> Path:
    return Path(tempfile.gettempdir()) / f"mmwatch-bench-whole-day-{markets}m.jsonl"


def obligations_path(markets: int) -> Path:
    return Path(tempfile.gettempdir()) / f"mmwatch-bench-whole-day-{markets}m-obligations.csv"


def market_list(markets: int) -> list[tuple[str, str, float]]:
    per_exchange = [(exchange, symbol, price) for exchange in EXCHANGES for symbol, price in SYMBOLS]
    if markets > len(per_exchange):
        raise SystemExit(f"--markets {markets}: at most {len(per_exchange)} (4 exchanges x 5 symbols)")
    return per_exchange[:markets]


def ensure_capture(markets: int) -> tuple[Path, Path]:
    """The cached capture (books then trades, one JSON object a line) and its obligations CSV."""
    import duckdb

    path, obligations = capture_path(markets), obligations_path(markets)
    chosen = market_list(markets)
    if not path.exists():
        books, trades = path.with_suffix(".books.partial"), path.with_suffix(".trades.partial")
        values = {"exchanges": [m[0] for m in chosen], "symbols": [m[1] for m in chosen],
                  "prices": [m[2] for m in chosen], "day": DAY, "cadence": CADENCE_S, "levels": LEVELS,
                  "trade_every": TRADE_EVERY_S, "books": books, "trades": trades}
        sql = CAPTURE_SQL
        for name in sorted(values, key=len, reverse=True):
            value = values[name]
            sql = sql.replace(f"${name}", repr(list(value)) if isinstance(value, list) else str(value))
        with duckdb.connect(config={**PROFILE_SETTINGS, "memory_limit": "4GB"}) as con:
            con.execute("set enable_progress_bar = false")
            for statement in sql.split(";\n"):
                con.execute(statement)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            for part in (books, trades):
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, 16 << 20)
                part.unlink()
        partial.rename(path)
    with obligations.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["obligation_id", "mm_name", "exchange", "market_type", "symbol", "valid_from", "valid_to",
                         "max_spread_bps", "depth_band_bps", "min_depth_usd", "min_uptime_pct", "min_coverage_pct",
                         "min_days_pct", "alert_after_s"])
        for exchange, symbol, _ in chosen:
            writer.writerow([f"mm-{exchange}-{symbol.replace('/', '').lower()}", "Bench MM", exchange, "spot", symbol,
                             "2025-01-01", "", 12, 50, 10_000, 90, 90, 75, 300])
    return path, obligations


def product_commands(capture: Path, obligations: Path, data_dir: Path) -> list[list[str]]:
    return [[str(MMWATCH), "import", str(capture), "--data-dir", str(data_dir)],
            [str(MMWATCH), "build", "--date", DAY, "--data-dir", str(data_dir), "--obligations", str(obligations)]]


def reference_command(capture: Path, obligations: Path) -> list[str]:
    import json

    return [sys.executable, "-c", REFERENCE_SCRIPT, str(capture), str(obligations), json.dumps(PROFILE_SETTINGS)]


def run_product(capture: Path, obligations: Path, data_dir: Path) -> tuple[float, float, float, float]:
    """(import wall, import CPU, build wall, build CPU) in a fresh data dir."""
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = {**os.environ, "MMWATCH_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")}
    imported, built = (run_measured(command, env) for command in product_commands(capture, obligations, data_dir))
    return imported[0], imported[1], built[0], built[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("side", nargs="?", choices=("both", "product", "reference"), default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--markets", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="data dir of the product side, kept after the run")
    args = parser.parse_args(argv)
    capture, obligations = ensure_capture(args.markets)
    data_dir = (args.keep or Path(tempfile.mkdtemp(prefix="mmwatch-bench-whole-day-"))).resolve()
    try:
        if args.side == "product":
            print("import %.2f s (%.2f CPU), build %.2f s (%.2f CPU)" % run_product(capture, obligations, data_dir))
            return
        if args.side == "reference":
            print("reference %.2f s (%.2f CPU)" % run_measured(reference_command(capture, obligations), os.environ)[:2])
            return
        report(capture, obligations, data_dir, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def report(capture: Path, obligations: Path, data_dir: Path, runs: int) -> None:
    pairs = []
    for _ in range(runs):
        product = run_product(capture, obligations, data_dir)
        reference = run_measured(reference_command(capture, obligations), os.environ)
        pairs.append((product, reference))
    print(f"capture {capture} ({capture.stat().st_size / 1e6:,.0f} MB); load avg {os.getloadavg()[0]:.1f}")
    print("| run | import s (CPU) | build s (CPU) | import + build s (CPU) | reference s (CPU) | ratio wall (CPU) |")
    print("|---|---|---|---|---|---|")
    for number, ((iw, ic, bw, bc), (rw, rc, _)) in enumerate(pairs, 1):
        print(f"| {number} | {iw:.1f} ({ic:.1f}) | {bw:.1f} ({bc:.1f}) | {iw + bw:.1f} ({ic + bc:.1f}) | "
              f"{rw:.1f} ({rc:.1f}) | {(iw + bw) / rw:.2f} ({(ic + bc) / rc:.2f}) |")
    ratios = [(p[0] + p[2]) / r[0] for p, r in pairs]
    print(f"median ratio (import + build) / reference, wall: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
