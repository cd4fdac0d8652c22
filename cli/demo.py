"""`mmwatch demo`: one simulated day, offline, from the simulator to the compliance report."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

import typer

from mmwatch.errors import MmwatchError

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = REPO / "scenarios" / "demo.yaml"
DEFAULT_CONFIG = REPO / "config" / "demo.yaml"


def demo(
    scenario: Path = typer.Option(DEFAULT_SCENARIO, "--scenario", help="Simulator scenario (YAML)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Data directory (default $MMWATCH_DATA_DIR or ./data)."),
    collect_hours: float = typer.Option(2.0, "--collect-hours", help="Hours of the day collected over HTTP by the real collector."),
    fresh: bool = typer.Option(False, "--fresh", help="Delete the data directory first and collect again."),
    config: Path = typer.Option(DEFAULT_CONFIG, "--config", help="Collection config: the venues and markets to collect."),
    hours: float = typer.Option(24.0, "--hours", min=0.25, max=24, help="Simulate only the first HOURS of the day."),
) -> None:
    """Simulate a day of five venues offline and build raw -> marts -> report -> alerts; print the
    verdicts next to the ground truth and the rows of every mart (one line per stage; dbt's output
    is in the run's dbt.log)."""
    from cli.demo_day import run_demo
    from mmwatch.settings import DataDir

    layout = DataDir.from_env(data_dir)
    if fresh and layout.root.exists():
        shutil.rmtree(layout.root)
    try:
        result = run_demo(scenario, layout, collect_hours, typer.echo, config_path=config, day_hours=hours)
    except MmwatchError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    if not all(c.matches for c in result.checks):
        typer.echo("the marts disagree with the simulator's ground truth (see rows marked NO)", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `demo` to the CLI."""
    app.command("demo")(demo)
