"""`mmwatch demo`: one simulated day, offline, from the simulator to the compliance report."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

import typer

from mmwatch.errors import MmwatchError

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "demo.yaml"


def demo(
    scenario: Path = typer.Option(DEFAULT_SCENARIO, "--scenario", help="Simulator scenario (YAML)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Data directory (default $MMWATCH_DATA_DIR or ./data)."),
    collect_hours: float = typer.Option(2.0, "--collect-hours", help="Hours of the day collected over HTTP by the real collector."),
    fresh: bool = typer.Option(False, "--fresh", help="Delete the data directory first and collect again."),
) -> None:
    """Simulate a day offline and build raw -> marts -> report; print verdicts next to the ground truth."""
    from cli.demo_day import run_demo
    from mmwatch.settings import DataDir

    layout = DataDir.from_env(data_dir)
    if fresh and layout.root.exists():
        shutil.rmtree(layout.root)
    try:
        checks = run_demo(scenario, layout, collect_hours, typer.echo)
    except MmwatchError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    if not all(c.matches for c in checks):
        typer.echo("the marts disagree with the simulator's ground truth (see rows marked NO)", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `demo` to the CLI."""
    app.command("demo")(demo)
