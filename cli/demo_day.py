"""The offline demo: one simulated day of five venues, from the exchange simulator to every mart.

Stages (one line each; cli/progress.py):
1. collect: the simulator starts on a virtual clock and the real collector (real ccxt classes over
   HTTP) collects the books and trades of the first hour(s) of the scenario's day;
2. market data: the Dagster data-set assets fetch the slower data sets (tickers, funding, open
   interest, long/short, fund flow, contract stats, candles) from the same simulator through ccxt,
   at a few instants of the day (cli/demo_market_data.py);
3. capture: the simulator writes the whole day's books and trades as a capture file and `import`
   lands it (the collected hours and the same hours of the capture are the same snapshots:
   de-duplicated, not doubled);
4. raw and 5. marts: `build` runs raw -> dbt marts -> report through Dagster;
6. alerts: one alert cycle over the day's marts fills the alert ledger (nothing is sent);
7. truth: the verdicts are compared with the simulator's ground truth.
Then the verdict table, the rows of every mart and where to look.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cli.progress import Stages
from mmwatch.settings import DataDir

Echo = Callable[[str], None]
REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO / "config" / "demo.yaml"
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class TruthCheck:
    """One obligation's verdict from the marts next to the simulator's ground truth."""

    obligation_id: str
    verdict: str
    truth_verdict: str
    uptime_pct: float | None
    truth_uptime_pct: float | None

    @property
    def matches(self) -> bool:
        close = (self.uptime_pct is None and self.truth_uptime_pct is None) or (
            self.uptime_pct is not None and self.truth_uptime_pct is not None
            and abs(self.uptime_pct - self.truth_uptime_pct) < 1e-6)
        return self.verdict == self.truth_verdict and close


@dataclass
class DemoResult:
    """What the demo built: the truth comparison, rows per mart and in the alert ledger, and paths."""

    checks: list[TruthCheck]
    mart_rows: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    report: Path | None = None
    warehouse: Path | None = None

    @property
    def empty_marts(self) -> list[str]:
        return [name for name, rows in self.mart_rows.items() if rows == 0]


def _already_landed(layout: DataDir, day: str) -> bool:
    return any((layout.landing / "orderbooks" / f"day={day}").glob("exchange=*/*.parquet"))


def run_demo(scenario_path: Path, layout: DataDir, collect_hours: float, echo: Echo,
             config_path: Path = DEMO_CONFIG, day_hours: float = 24, live: bool | None = None) -> DemoResult:
    """Run the whole demo into `layout` and print it through `echo`. `day_hours` < 24 simulates only
    the day's first hours (the tests' short demo); `live` None: a spinner when stderr is a terminal."""
    from mmwatch.config import load_config
    from pipelines.daily_build import run_daily_build
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    config = load_config(config_path)
    day = scenario.date.isoformat()
    layout.ensure()
    (layout.root / "demo").mkdir(parents=True, exist_ok=True)
    obligations = scenario.write_obligations_csv(layout.root / "demo" / "obligations.csv")
    venues = ", ".join(config.exchanges)
    markets = sum(len(v.markets) for v in config.exchanges.values())
    echo(f"mmwatch demo: {day} on {len(config.exchanges)} venues ({venues}), {markets} markets, "
         f"{len(scenario.obligations)} obligations; data in {layout.root}")
    if _already_landed(layout, day):
        echo(f"landing data for {day} already there: building it again (`--fresh` starts over)")
        stages = Stages(echo, total=4, live=live)
    else:
        stages = Stages(echo, total=7, live=live)
        _land_the_day(scenario, scenario_path, config, config_path, layout, collect_hours, day_hours, stages)
    built = run_daily_build(day, layout.root, obligations, progress=stages)
    result = DemoResult([], report=built.report, warehouse=built.warehouse)
    with stages.stage("alerts: one alert cycle over the day's marts (nothing is sent)") as stage:
        result.alerts = _evaluate_alerts(built.warehouse, day)
        stage.done(f"{result.alerts} alert{'s' if result.alerts != 1 else ''} in the ledger")
    with stages.stage("truth: the marts' verdicts next to the simulator's ground truth") as stage:
        truth = _truth_by_obligation(scenario, day_hours)
        result.checks = [TruthCheck(r.obligation_id, r.verdict, truth[r.obligation_id]["verdict"], r.uptime_pct,
                                    truth[r.obligation_id]["uptime_pct"]) for r in built.rows]
        stage.done(f"{sum(c.matches for c in result.checks)} of {len(result.checks)} obligations match")
    result.mart_rows = mart_rows(built.warehouse)
    _print(result, echo, layout)
    return result


def _land_the_day(scenario, scenario_path: Path, config, config_path: Path, layout: DataDir, collect_hours: float,
                  day_hours: float, stages: Stages) -> None:
    """Stages 1-3: collect over HTTP and read the data sets from one simulator, then capture and import."""
    from cli.demo_market_data import lake_rows, read_market_data, reading_instants
    from mmwatch.capture.importer import import_capture
    from mmwatch.collector.simulated_day import collect_virtual_day
    from simulator.capture_day import capture_day
    from simulator.process import SimulatorProcess

    day = scenario.date.isoformat()
    collect_hours = min(collect_hours, day_hours)
    with SimulatorProcess(scenario_path, clock="virtual") as simulator:
        with stages.stage(f"collect: {collect_hours:g} h of books and trades over HTTP (real ccxt classes)") as stage:
            collected = collect_virtual_day(simulator.url, config, layout, scenario.date, hours=collect_hours,
                                            progress=lambda done, total, s: stage.update(f"{done}/{total} cycles"))
            stage.done(f"{collected.cycles} cycles, {collected.rows.get('orderbooks', 0)} books, "
                       f"{collected.rows.get('trades', 0)} trades")
        instants = reading_instants(scenario.day_start_ms, collect_hours, day_hours)
        with stages.stage(f"market data: the data-set assets read the simulator at {len(instants)} instants") as stage:
            read_market_data(simulator, config_path, layout, day, instants, stage)
            rows = lake_rows(layout)
            stage.done(f"{sum(rows.values())} rows in {sum(1 for n in rows.values() if n)} of {len(rows)} lake tables")
    with stages.stage(f"capture: the simulator writes {day_hours:g} h of {day}, `import` lands it") as stage:
        capture = layout.root / "demo" / f"capture-{day}.jsonl"
        captured = capture_day(scenario, capture, hours=day_hours, progress=stage.update)
        imported = import_capture(layout, capture)
        stage.done(f"{captured.orderbooks} books ({captured.skipped_fetches} instants of venue outages and empty "
                   f"answers skipped), {captured.trades} trades; {len(imported.files)} landing files")


def _evaluate_alerts(warehouse: Path, day: str) -> int:
    """One whole-day alert cycle with the spec's default rules and no channel; rows in the ledger."""
    from mmwatch.alerts.config import AlertsConfig
    from mmwatch.alerts.ledger import LEDGER
    from mmwatch.alerts.service import run_alert_cycle
    from mmwatch.duckdb_files import read_warehouse

    run_alert_cycle(warehouse, day, AlertsConfig(), deliver=False, full=True)
    with read_warehouse(warehouse) as con:
        return con.execute(f"select count(*) from {LEDGER}").fetchone()[0]


def mart_rows(warehouse: Path) -> dict[str, int]:
    """Rows of every dbt mart (the models under dbt/models/marts, from the manifest), by name."""
    import json

    from mmwatch.duckdb_files import read_warehouse
    from resources.dbt import dbt_project

    nodes = json.loads(Path(dbt_project.manifest_path).read_text())["nodes"].values()
    names = sorted(n["alias"] or n["name"] for n in nodes
                   if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/"))
    with read_warehouse(warehouse) as con:
        built = {row[0] for row in con.execute("select table_name from information_schema.tables "
                                               "where table_schema = 'main'").fetchall()}
        return {name: con.execute(f'select count(*) from main."{name}"').fetchone()[0] if name in built else 0
                for name in names}


def _truth_by_obligation(scenario, day_hours: float) -> dict[str, dict]:
    from simulator.sampling import sample, verdict_table

    day = scenario.date.isoformat()
    end = scenario.day_start_ms + int(day_hours * HOUR_MS)
    rows = verdict_table(sample(scenario, 10_000, end_ms=end).report())
    return {row["obligation_id"]: row for row in rows if str(row["day"]) == day}


def _print(result: DemoResult, echo: Echo, layout: DataDir) -> None:
    echo(f"{'obligation':26} {'verdict':18} {'uptime %':>9}  {'truth':18} {'uptime %':>9}  match")
    for c in result.checks:
        up = "-" if c.uptime_pct is None else f"{c.uptime_pct:.2f}"
        tup = "-" if c.truth_uptime_pct is None else f"{c.truth_uptime_pct:.2f}"
        echo(f"{c.obligation_id:26} {c.verdict:18} {up:>9}  {c.truth_verdict:18} {tup:>9}  "
             f"{'yes' if c.matches else 'NO'}")
    filled = len(result.mart_rows) - len(result.empty_marts)
    echo(f"marts with rows: {filled} of {len(result.mart_rows)}"
         + (f"; EMPTY: {', '.join(result.empty_marts)}" if result.empty_marts else "")
         + f"; alert ledger: {result.alerts}")
    for line in _wrapped([f"{name} {rows}" for name, rows in result.mart_rows.items()]):
        echo(f"  {line}")
    echo(f"report:    {result.report}")
    echo(f"warehouse: {result.warehouse}  (duckdb; the marts in schema main, the ledger in alerts)")
    echo(f"dagster:   `make dev` (DAGSTER_HOME={layout.dagster_home}) shows these runs, assets and partitions")


def _wrapped(items: list[str], width: int = 110) -> list[str]:
    lines, line = [], ""
    for item in items:
        if line and len(line) + 2 + len(item) > width:
            lines.append(line)
            line = ""
        line = f"{line}, {item}" if line else item
    return lines + ([line] if line else [])
