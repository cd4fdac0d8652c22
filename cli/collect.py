"""`mmwatch collect`, `record`, `simulate-day` and `markets`: getting market data in from venues."""
from __future__ import annotations

import asyncio
import logging
from datetime import date as Date
from pathlib import Path
from typing import Optional

import typer

from cli.collect_processes import STUCK_AFTER_S
from mmwatch.errors import MmwatchError

DATA_DIR_HELP = "Data directory (default: $MMWATCH_DATA_DIR or ./data)."


def _fail(exc: MmwatchError) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


def _report(collector) -> None:
    for (exchange, name), count in sorted(collector.counts.items()):
        typer.echo(f"{exchange}: {count} {name}")
    typer.echo("request-budget use per venue:")
    for budget in collector.budgets.values():
        typer.echo(f"  {budget.report()}")


def collect(config: Path = typer.Option(..., "--config", help="Collection config (YAML)."),
            simulator: Optional[str] = typer.Option(None, help="Point every venue at this simulator URL."),
            simulator_ws: Optional[str] = typer.Option(None, "--simulator-ws", help="And the WebSocket side of "
                                                       "venues in mode stream at this one (the simulator's "
                                                       "'streaming ws://...' line)."),
            duration: Optional[float] = typer.Option(None, help="Stop after this many seconds (default: until Ctrl-C)."),
            progress_every: float = typer.Option(60, "--progress-every", min=1, help="Seconds between the progress "
                                                 "lines (one per venue: mode, messages/s, resyncs, sampled books, "
                                                 "rows, budget)."),
            data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP),
            metrics_host: str = typer.Option("127.0.0.1", help="Address of the /metrics and /health endpoint "
                                             "(0.0.0.0 in a container, for Prometheus and the healthcheck)."),
            metrics_port: int = typer.Option(9108, help="Port of the /metrics and /health endpoint (0: a free one; "
                                             "-1: no endpoint)."),
            health_after: float = typer.Option(120, "--health-after", help="/health fails when no usable order book "
                                               "landed for this many seconds (fetch errors do not count)."),
            processes: Optional[int] = typer.Option(None, "--processes", min=1, help="Collector processes, the "
                                                    "venues split between them by load (default: the config's "
                                                    "`processes`, 1); each serves metrics on the port + its number."),
            stuck_after: float = typer.Option(STUCK_AFTER_S, "--stuck-after", help="With several processes: a child whose "
                                              "/health has not answered for this many seconds is stopped and "
                                              "started again (0: only reported by the first process's /health)."),
            venues: Optional[str] = typer.Option(None, "--venues", help="Collect only these of the config's venues "
                                                 "(comma-separated), in this one process.")) -> None:
    """Collect order books and trades from the configured venues into the landing zone; serve
    Prometheus metrics on /metrics and a health check on /health meanwhile."""
    from cli.collect_processes import ChildCollectors
    from mmwatch.collector.process_groups import only_venues, venue_groups
    from mmwatch.collector.metrics import LandingStats
    from mmwatch.collector.service import Monitoring, collect_for
    from mmwatch.collector.sinks import LandingSink
    from mmwatch.config import load_config
    from mmwatch.settings import DataDir

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        loaded = load_config(config)
        folder = DataDir.from_env(data_dir).ensure()
        groups = [venues.split(",")] if venues else venue_groups(loaded, processes)
        options = _child_options(config, simulator, simulator_ws, progress_every, folder.root, metrics_host,
                                 health_after)
        children = ChildCollectors(groups, options, metrics_port, duration, metrics_host, stuck_after)
        loaded = only_venues(loaded, groups[0])
        stats = LandingStats()
        sink = LandingSink(folder, flush_s=loaded.landing_flush_s, observer=stats)
        monitoring = None if metrics_port < 0 else Monitoring(stats, metrics_host, metrics_port, health_after,
                                                              others=children.health if children.children else None)
        children.start()
        try:
            collector = asyncio.run(collect_for(loaded, sink, simulator, duration, monitoring, simulator_ws,
                                                progress_every, own_process=True))
        finally:
            children.stop()
    except MmwatchError as exc:
        _fail(exc)
    _report(collector)
    typer.echo(f"landed {dict(sink.rows)} in {len(sink.files)} files under {folder.landing}")


def _child_options(config: Path, simulator: str | None, simulator_ws: str | None, progress_every: float,
                   data_dir: Path, metrics_host: str, health_after: float) -> list[str]:
    """The options a child collector process is started with (its venues, port and what is left of the
    duration added by ChildCollectors)."""
    options = ["--config", str(config), "--data-dir", str(data_dir), "--progress-every", str(progress_every),
               "--metrics-host", metrics_host, "--health-after", str(health_after)]
    for name, value in (("--simulator", simulator), ("--simulator-ws", simulator_ws)):
        if value is not None:
            options += [name, str(value)]
    return options


def record(config: Path = typer.Option(..., "--config", help="Collection config (YAML)."),
           out: Path = typer.Option(..., "--out", help="Capture file to write (.jsonl or .jsonl.gz)."),
           simulator: Optional[str] = typer.Option(None, help="Point every venue at this simulator URL."),
           simulator_ws: Optional[str] = typer.Option(None, "--simulator-ws", help="And venues in mode stream at "
                                                      "this WebSocket URL."),
           duration: Optional[float] = typer.Option(None, help="Stop after this many seconds (default: until Ctrl-C)."),
           land: bool = typer.Option(False, "--land", help="Also land every row in the landing zone, as "
                                     "`mmwatch collect` would (the capture is then a copy of what was collected)."),
           data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP + " With --land.")
           ) -> None:
    """Record order books and trades into a capture file (capture-format.md) instead of the landing zone
    (with --land: as well as into it)."""
    from mmwatch.collector.sinks import CaptureSink, LandingSink, TeeSink
    from mmwatch.collector.service import collect_for
    from mmwatch.config import load_config
    from mmwatch.settings import DataDir

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        loaded = load_config(config)
        capture = CaptureSink(out)
        landing = LandingSink(DataDir.from_env(data_dir).ensure(), flush_s=loaded.landing_flush_s) if land else None
        sink = TeeSink(capture, landing) if landing is not None else capture
        collector = asyncio.run(collect_for(loaded, sink, simulator, duration, simulator_ws_url=simulator_ws,
                                            own_process=True))
    except MmwatchError as exc:
        _fail(exc)
    _report(collector)
    typer.echo(f"recorded {capture.writer.records} records to {out} ({capture.errors} failed fetches not recorded)")
    if landing is not None:
        typer.echo(f"landed {dict(landing.rows)} in {len(landing.files)} files under {landing.data_dir.landing}")


def simulate_day(scenario: Path = typer.Option(..., "--scenario", help="Simulator scenario (YAML)."),
                 date: Optional[str] = typer.Option(None, "--date", help="Day to collect, YYYY-MM-DD (default: the scenario's)."),
                 cadence: float = typer.Option(10, help="Seconds of simulated time between cycles (order books)."),
                 config: Optional[Path] = typer.Option(None, "--config", help="Collection config (default: every scenario market)."),
                 hours: float = typer.Option(24, help="Simulate only the first HOURS of the day."),
                 data_dir: Optional[Path] = typer.Option(None, help=DATA_DIR_HELP)) -> None:
    """Collect a whole simulated day, fast (virtual clock), into the landing zone (one line when done,
    a spinner with the cycles so far meanwhile on a terminal)."""
    from cli.progress import Stages
    from cli.simulated_day import run_simulated_day
    from mmwatch.config import load_config
    from mmwatch.settings import DataDir

    try:
        day = Date.fromisoformat(date) if date else None
    except ValueError:
        _fail(MmwatchError(f"--date must be YYYY-MM-DD, got {date!r}"))
    try:
        folder = DataDir.from_env(data_dir).ensure()
        loaded = load_config(config) if config else None
        with Stages(typer.echo).stage(f"simulate {hours:g} h of {scenario.name}") as stage:
            def progress(done: int, total: int, seconds: float) -> None:
                stage.update(f"{done}/{total} cycles, {done / seconds:,.0f} cycles/s")

            result = run_simulated_day(scenario, folder, day, cadence, loaded, hours, progress)
            stage.done(f"scenario date {result.day}: {result.cycles} cycles ({result.cycles_per_s:,.0f} cycles/s), "
                       f"{sum(result.requests.values())} requests")
    except MmwatchError as exc:
        _fail(exc)
    for dataset, rows in sorted(result.rows.items()):
        typer.echo(f"landed {rows} {dataset} rows")
    typer.echo(f"{result.files} landing files under {folder.landing}")


def markets(exchange: str = typer.Option(..., "--exchange", help="ccxt exchange id."),
            simulator: Optional[str] = typer.Option(None, help="List the simulator's markets instead.")) -> None:
    """List the symbols a venue offers (what the config's `markets` may name), with type and contract size."""
    from mmwatch.collector.exchanges import make_exchange
    from mmwatch.collector.venues import contract_size_of, market_type_of

    async def listed() -> list[dict]:
        venue = make_exchange(exchange, simulator_url=simulator)
        try:
            return list((await venue.load_markets()).values())
        finally:
            await venue.close()

    try:
        found = asyncio.run(listed())
    except MmwatchError as exc:
        _fail(exc)
    except Exception as exc:  # ccxt network errors: no venue reachable
        where = f"the simulator at {simulator}" if simulator else "the venue (needs internet; or pass --simulator URL)"
        _fail(MmwatchError(f"cannot load the markets of {exchange} from {where}: {type(exc).__name__}: {exc}"))
    for market in sorted(found, key=lambda m: m["symbol"]):
        size = f"  contract_size {contract_size_of(market):g}" if market.get("contract") else ""
        typer.echo(f"{market['symbol']}  {market_type_of(market)}{size}")


def register(app: typer.Typer) -> None:
    """Add collect, record, simulate-day and markets to the CLI."""
    app.command("collect")(collect)
    app.command("record")(record)
    app.command("simulate-day")(simulate_day)
    app.command("markets")(markets)
