"""The fault day run once for every test that needs it (tests/faults/conftest.py): the collection
against the simulator with the Timeline's faults, then `mmwatch build` of the day; `FaultDay` reads
back the landing zone, the lake and the warehouse."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from collect_harness import collect_cycles, landed
from fault_day import DAY, END_S, Timeline, collection_config, write_scenario
from mmwatch.config import parse_config
from mmwatch.settings import DataDir

START_MS = int(datetime.fromisoformat(DAY).replace(tzinfo=timezone.utc).timestamp() * 1000)
CYCLES = END_S // 10 + 1  # 00:00:00 .. 00:26:00, one cycle every 10 s


def seconds(column: str = "received_ts") -> pl.Expr:
    return ((pl.col(column) - START_MS) // 1000).alias("s")


@dataclass
class FaultDay:
    folder: Path
    data: DataDir
    timeline: Timeline
    stats: dict
    warnings: list[str]
    build_output: str
    build_exit: int
    landing: dict[str, pl.DataFrame]

    def lake(self, table: str) -> pl.DataFrame:
        files = sorted(self.data.lake_dir(table).glob(f"day={DAY}/exchange=*/*.parquet"))
        return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")

    def marts(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.data.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def errors(self, exchange: str, dataset: str = "orderbooks") -> pl.DataFrame:
        frame = self.landing["fetch_errors"]
        return frame.filter(pl.col("exchange") == exchange, pl.col("dataset") == dataset).with_columns(seconds()).sort("s")

    def books(self, exchange: str) -> pl.DataFrame:
        return self.landing["orderbooks"].filter(pl.col("exchange") == exchange).with_columns(seconds()).sort("s")


class LogLines(logging.Handler):
    """Keeps the messages of WARNING and above of the loggers it is added to."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def run_fault_day(folder: Path) -> FaultDay:
    """Collect the fault day into `folder`/data and build it (scenario and obligations in `folder`)."""
    from cli.app import app
    from simulator.process import SimulatorProcess
    from simulator.scenario import load_scenario

    scenario = write_scenario(folder)
    obligations = load_scenario(scenario).write_obligations_csv(folder / "obligations.csv")
    data = DataDir(folder / "data")
    budget_log, lines = logging.getLogger("mmwatch.collector.budget"), LogLines()
    budget_log.addHandler(lines)
    try:
        with SimulatorProcess(scenario, rate_limits="on") as sim:  # binance's weight limit enforced
            timeline = Timeline(sim, START_MS)
            collect_cycles(sim, parse_config(collection_config()), data, START_MS, CYCLES,
                           before_cycle=timeline.before_cycle)
            timeline.finish()
            stats = sim.stats()["venues"]
    finally:
        budget_log.removeHandler(lines)
    landing = {name: landed(data, name) for name in ("orderbooks", "trades", "fetch_errors")}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(data.root / "dagster_home"))
        env.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
        result = CliRunner().invoke(app, ["build", "--date", DAY, "--data-dir", str(data.root),
                                          "--obligations", str(obligations)])
    return FaultDay(folder, data, timeline, stats, lines.lines, result.output, result.exit_code, landing)
