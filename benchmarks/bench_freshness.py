"""Benchmark: how soon a collected snapshot is in every mart, its published table and the alert
ledger (issue 13 target at 200 markets: p95 <= 90 s with the default landing flush).

Runs, on the wall clock, the simulator, the real collector (`mmwatch collect`, books every 10 s,
trades every minute) and `dagster-daemon run` over the code location with its declared automation
(landing sensor -> raw runs; marts_automation -> appending refreshes of today; alerts_automation;
serving_automation when --publish), in a temporary data directory and DAGSTER_HOME. With
`--markets 4` it collects the demo scenario's binance markets; with more, a generated scenario of that
many spot markets over binance, okx, bybit, gate and kucoin, each with an obligation. Nothing reads
the warehouse while it runs: afterwards, each snapshot's latency to each asset is the time of the
first materialization of today's partition in a run started after the snapshot's lake file was
written (for the ledger: after every mart had it; for a published table analytics/<mart>: after its
mart had it), minus its received_ts
(benchmarks/freshness_probe.py). Prints p50 / p95 / max over the
snapshots received after the warm-up for fct_orderbook_snapshot_metrics, for the slowest of the
marts that read books or trades (every mart has the snapshot), for the slowest of their published
tables (with --publish) and for alerts_ledger,
then the runs and the CPU time of the whole process tree.

    .venv/bin/python benchmarks/bench_freshness.py [--markets 200] [--minutes 10] [--flush-s 60] [--publish]
        [--dagster-storage sqlite|dagster|consolidated|postgres]

`--dagster-storage sqlite` is mmwatch's embedded default (Dagster's SQLite files, each file's engine kept:
pipelines/dagster_storage.py); `dagster` is Dagster's own SQLite storage over the same files (an
engine per query); `postgres` keeps the Dagster instance's runs, event logs and schedules in a fresh
PostgreSQL database (dagster-postgres, as docker-compose runs it in production) instead of the
embedded default's SQLite files; the database is dropped afterwards unless --keep. `consolidated`
keeps one SQLite event log for every run instead of a file per run.
"""
from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.freshness_probe import (follower_latency, landed_snapshots, latency, materializations,  # noqa: E402
                                        quantile, run_summary)
from mmwatch.settings import DataDir  # noqa: E402
from pipelines.instance import ensure_instance, write_instance_yaml  # noqa: E402
from simulator.process import SimulatorProcess  # noqa: E402

DEMO_SCENARIO = REPO / "scenarios" / "demo.yaml"
BIN = Path(sys.executable).parent
VENUES = ("binance", "okx", "bybit", "gate", "kucoin")
# the published tables' DSN when --publish: the real PostgreSQL of the tests (database `analytics`)
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def generated_scenario(folder: Path, markets: int, day: str) -> tuple[Path, dict[str, list[str]]]:
    """A scenario of `markets` spot markets AAAk/USDT spread over VENUES (background books only)."""
    per_venue: dict[str, list[str]] = {venue: [] for venue in VENUES}
    for number in range(markets):
        per_venue[VENUES[number % len(VENUES)]].append(f"A{number // len(VENUES):03d}/USDT")
    scenario = {"seed": 13, "date": day, "venues": {venue: {"markets": [
        {"symbol": symbol, "start_price": 10.0 + 3 * index, "volatility_bps": 1.0, "tick_size": 0.0001,
         "amount_step": 0.001, "background": {"levels": 120, "distance_bps": 3, "step_bps": 2, "size": 500.0},
         "trades_per_minute": 20, "trade_size": 5.0}
        for index, symbol in enumerate(symbols)]} for venue, symbols in per_venue.items() if symbols}}
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    return path, per_venue


def write_config(folder: Path, flush_s: int, per_venue: dict[str, list[str]] | None) -> Path:
    """The collection config: config/demo.yaml's binance markets, or the generated markets."""
    if per_venue is None:
        config = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
        config["exchanges"] = {"binance": config["exchanges"]["binance"]}
    else:
        config = {"exchanges": {venue: {"markets": symbols, "orderbook_levels": 100, "orderbook_every_s": 10,
                                        "trades_every_s": 60} for venue, symbols in per_venue.items() if symbols}}
    config.pop("simulator_url", None)
    config["landing_flush_s"] = flush_s
    path = folder / "collect.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def write_obligations(folder: Path, per_venue: dict[str, list[str]] | None) -> Path | None:
    if per_venue is None:
        return None
    path = folder / "obligations.csv"
    lines = ["obligation_id,mm_name,exchange,market_type,symbol,valid_from,valid_to,max_spread_bps,depth_band_bps,"
             "min_depth_usd,min_uptime_pct,min_coverage_pct,min_days_pct,alert_after_s"]
    for venue, symbols in per_venue.items():
        lines += [f"ob-{venue}-{number},Bench MM,{venue},spot,{symbol},2025-01-01,,20,50,1000,90,90,75,300"
                  for number, symbol in enumerate(symbols)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_automation(folder: Path, publish: bool) -> Path:
    path = folder / "automation.yaml"
    path.write_text(yaml.safe_dump({
        "sensors": {"landing_sensor": "running", "run_failure_sensor": "running"},
        "automation": {"marts": "running", "alerts": "running", "serving": "running" if publish else "stopped",
                       "report": "stopped"},
        "schedules": {"market_data": "stopped"}}))
    return path


def stop(process: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM to the process group we started (the daemon's code server and runs included), then wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def book_or_trade_marts() -> set[str]:
    """The marts (dbt models of group `marts`) downstream of raw_orderbooks or raw_trades: a snapshot is
    in every mart once each of them has it (`marts_refreshed`, the marts run's last step, is no mart)."""
    import dagster as dg

    from assets.marts import mmwatch_dbt_assets
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    downstream = dg.AssetSelection.assets("raw_orderbooks", "raw_trades").downstream().resolve(graph)
    return {key.to_user_string() for key in downstream
            if key in mmwatch_dbt_assets.keys and graph.get(key).group_name == "marts"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=4, help="4: the demo's binance markets; more: generated")
    parser.add_argument("--minutes", type=float, default=10, help="collection time")
    parser.add_argument("--flush-s", type=int, default=60, help="landing_flush_s of the collector (default: 60)")
    parser.add_argument("--warmup-s", type=float, default=120, help="snapshots received earlier are not counted")
    parser.add_argument("--tail-s", type=float, default=180, help="how long the daemon runs after the collector stops")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (data, logs)")
    parser.add_argument("--publish", action="store_true", help="publish to PostgreSQL (MMWATCH_ANALYTICS_DSN or "
                                                               f"{DEFAULT_DSN}, database analytics)")
    parser.add_argument("--dagster-storage", choices=("sqlite", "dagster", "consolidated", "postgres"), default="sqlite",
                        help="the Dagster instance's storage: mmwatch's embedded default (SQLite files in DAGSTER_HOME, "
                             "an event log per run, engines kept), Dagster's own over the same files (dagster), one "
                             "SQLite event log for all runs (consolidated), or a fresh PostgreSQL database on "
                             f"{DEFAULT_DSN}'s server, as in production")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    day = datetime.now(timezone.utc).date().isoformat()
    with tempfile.TemporaryDirectory(prefix="bench-freshness-", ignore_cleanup_errors=True) as tmp:
        folder = args.keep.resolve() if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        scenario, per_venue = (DEMO_SCENARIO, None) if args.markets <= 4 else generated_scenario(folder, args.markets, day)
        layout = DataDir(folder / "data").ensure()
        env = {**os.environ, "MMWATCH_DATA_DIR": str(layout.root), "DAGSTER_HOME": str(layout.dagster_home),
               "PYTHONPATH": str(REPO), "MMWATCH_AUTOMATION_CONFIG": str(write_automation(folder, args.publish))}
        obligations = write_obligations(folder, per_venue)
        if obligations:
            env["MMWATCH_OBLIGATIONS_CSV"] = str(obligations)
        if args.publish:
            env.setdefault("MMWATCH_ANALYTICS_DSN", DEFAULT_DSN)
        os.environ.update(env)
        dagster_db = storage_settings(layout, args.dagster_storage, DEFAULT_DSN)
        instance = ensure_instance(layout)
        config = write_config(folder, args.flush_s, per_venue)
        with SimulatorProcess(scenario, clock="wall") as sim, open(folder / "processes.log", "w") as log:
            started, busy_at_start = time.time(), machine_busy_s()
            collector = subprocess.Popen(
                [str(BIN / "mmwatch"), "collect", "--config", str(config), "--simulator", sim.url,
                 "--data-dir", str(layout.root), "--duration", str(args.minutes * 60)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
                                      cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                deadline = started + args.minutes * 60 + args.tail_s
                while time.time() < deadline:
                    time.sleep(min(60.0, max(0.0, deadline - time.time())))
                    print(f"  {time.time() - started:5.0f} s: {run_summary(instance, _is_mart)['runs']} marts runs",
                          flush=True)
            finally:
                stop(collector)
                stop(daemon)
        report(args, instance, layout, day, started, busy_at_start)
        time.sleep(25)  # the daemon's code server leaves on its heartbeat timeout
        if dagster_db and not args.keep:
            instance.dispose()
            drop_database(DEFAULT_DSN, dagster_db)


def storage_settings(layout: DataDir, storage: str, dsn: str) -> str | None:
    """DAGSTER_HOME/dagster.yaml: mmwatch's instance settings (pipelines/instance.py) with the storage
    `storage` asks for in place of mmwatch's (the file then reads as one of the user's own, which
    ensure_instance leaves as it is):
    - `dagster`: Dagster's own SQLite storage over the same files (a new engine per query);
    - `consolidated`: one SQLite event log for every run (Dagster's ConsolidatedSqliteEventLogStorage)
      instead of a file per run behind one lock;
    - `postgres`: everything in a fresh database on `dsn`'s server, whose name is returned.
    `sqlite` (the embedded default) writes mmwatch's settings alone."""
    config = write_instance_yaml(layout.dagster_home)
    if storage == "sqlite":
        return None
    name, settings = None, yaml.safe_load(config.read_text(encoding="utf-8"))
    del settings["storage"]  # mmwatch's; Dagster's default when nothing replaces it
    if storage == "consolidated":
        settings["event_log_storage"] = {"module": "dagster._core.storage.event_log",
                                         "class": "ConsolidatedSqliteEventLogStorage",
                                         "config": {"base_dir": str(layout.dagster_home / "history" / "event_log")}}
    elif storage == "postgres":
        from mmwatch.serving.postgres import ensure_database

        name = f"bench_dagster_{os.getpid()}"
        ensure_database(dsn, name)
        # psycopg2, as dagster.yaml says: dagster-postgres' NOTIFY fails with psycopg 3
        url = dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://", 1) + f"/{name}"
        settings["storage"] = {"postgres": {"postgres_url": url}}
    config.write_text(f"# bench_freshness: --dagster-storage {storage}\n" + yaml.safe_dump(settings), encoding="utf-8")
    return name


def drop_database(dsn: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def _slowest(latencies) -> float | None:
    """The largest latency; None (not there yet) when any is None or there is none."""
    values = list(latencies)
    return None if not values or None in values else max(values)


def _is_mart(name: str) -> bool:
    return name.startswith(("fct_", "dim_"))


def report(args, instance, layout: DataDir, day: str, started: float, busy_at_start: float) -> None:
    collected_until = started + args.minutes * 60
    snapshots = {sid: landed for sid, landed in landed_snapshots(layout.lake, day).items()
                 if started + args.warmup_s <= landed.received <= collected_until}
    times = materializations(instance, day)
    marts = sorted(book_or_trade_marts())
    mart_times = [times.get(mart, []) for mart in marts]
    published = [mart for mart in marts if f"analytics/{mart}" in times] if args.publish else []
    print(f"freshness: {args.markets} markets, books every 10 s, landing_flush_s={args.flush_s}, {args.minutes:g} min "
          f"collected, warm-up {args.warmup_s:g} s; {len(snapshots)} snapshots counted")
    rows = [("fct_orderbook_snapshot_metrics", [latency(s, times.get("fct_orderbook_snapshot_metrics", []))
                                                for s in snapshots.values()]),
            (f"every mart reading books or trades ({len(marts)}: the slowest)",
             [_slowest(latency(s, times.get(mart, [])) for mart in marts) for s in snapshots.values()]),
            (f"every published table of those marts ({len(published)}: analytics/<mart>, PostgreSQL; the slowest)",
             [_slowest(follower_latency(s, [times.get(mart, [])], times.get(f"analytics/{mart}", []))
                       for mart in published) for s in snapshots.values()]),
            ("alerts_ledger, after every mart",
             [follower_latency(s, mart_times, times.get("alerts_ledger", [])) for s in snapshots.values()])]
    print("| asset | snapshots in it | p50 s | p95 s | max s |")
    print("|---|---|---|---|---|")
    for name, values in rows:
        seen = [v for v in values if v is not None]
        if seen:
            print(f"| {name} | {len(seen)} of {len(values)} | {quantile(seen, 0.5):.1f} | {quantile(seen, 0.95):.1f} "
                  f"| {max(seen):.1f} |")
        else:
            print(f"| {name} | 0 of {len(values)} | – | – | – |")
    raw = run_summary(instance, lambda name: name.startswith("raw_"))
    mart_runs = run_summary(instance, _is_mart)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = usage.ru_utime + usage.ru_stime, time.time() - started
    print(f"raw runs: {raw['runs']} ({raw['failed']} failed), mean {raw['mean_s']:.1f} s, max {raw['max_s']:.1f} s")
    print(f"marts runs: {mart_runs['runs']} ({mart_runs['failed']} failed), mean {mart_runs['mean_s']:.1f} s, "
          f"max {mart_runs['max_s']:.1f} s")
    print(f"CPU (user+sys) of the simulator, collector, daemon and code servers, and of the runs they reaped: "
          f"{cpu:.0f} s over {wall:.0f} s = {cpu / wall:.2f} cores", flush=True)
    # the runs of a forkserver (pipelines/run_workers.py) are reaped by it, not by this process tree:
    # the machine's own count covers them (and anything else running: run this on an idle machine)
    busy = machine_busy_s() - busy_at_start
    print(f"CPU of the whole machine over the same time (/proc/stat): {busy:.0f} s = {busy / wall:.2f} cores", flush=True)


def machine_busy_s() -> float:
    """Seconds of CPU the machine has spent busy since boot (every core; /proc/stat: all but idle and iowait)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
