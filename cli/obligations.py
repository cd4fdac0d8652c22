"""`mmwatch obligations check FILE`: the obligations file checked as every build checks it."""
from __future__ import annotations

from pathlib import Path

import typer

from mmwatch.errors import MmwatchError

obligations_app = typer.Typer(help="Market-maker obligations files (spec §3).", no_args_is_help=True)


@obligations_app.command("check")
def check(file: Path = typer.Argument(..., help="Obligations CSV (spec §3 columns, any order).")) -> None:
    """Print every problem of FILE, one line each (FILE:LINE: column COL: value 'V': ...), and exit 2;
    or one OK line (obligations, markets, market makers) and exit 0."""
    from mmwatch.obligations import ObligationsError, load_obligations

    try:
        loaded = load_obligations(file)
    except ObligationsError as error:
        for problem in error.problems:
            typer.echo(str(problem))
        typer.echo(f"{len(error.problems)} problem{'s' if len(error.problems) != 1 else ''} in {file}", err=True)
        raise typer.Exit(2)
    except MmwatchError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    typer.echo(loaded.summary())


def register(app: typer.Typer) -> None:
    """Add the `obligations` command group to the CLI."""
    app.add_typer(obligations_app, name="obligations")
