"""`mmwatch import`: land capture files (JSON Lines, capture-format.md)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from mmwatch.errors import MmwatchError

MAX_SHOWN_ISSUES = 20


def import_files(files: List[Path] = typer.Argument(..., help="Capture files (.jsonl / .jsonl.gz)."),
                 data_dir: Optional[Path] = typer.Option(None, help="Data directory (default: $MMWATCH_DATA_DIR or ./data).")
                 ) -> None:
    """Import capture files into the landing zone; bad lines are reported (file:line) and skipped.

    Exits with status 2 when a file is refused entirely (missing, not JSON Lines).
    """
    from cli.progress import Stages
    from mmwatch.capture.importer import import_capture
    from mmwatch.capture.reader import describe_counts
    from mmwatch.settings import DataDir

    refused = 0
    folder = DataDir.from_env(data_dir).ensure()
    stages = Stages(typer.echo)  # one line per file, with its time; a spinner meanwhile on a terminal
    for path in files:
        try:
            with stages.stage(str(path)) as stage:
                result = import_capture(folder, path)
                stage.done(f"{describe_counts(result.counts)}; {len(result.files)} landing files")
        except MmwatchError as exc:
            typer.echo(f"error: {exc}", err=True)
            refused += 1
            continue
        for issue in result.counts.issues[:MAX_SHOWN_ISSUES]:
            typer.echo(f"  {issue}", err=True)
        hidden = sum(result.counts.rejected.values()) - min(len(result.counts.issues), MAX_SHOWN_ISSUES)
        if hidden > 0:
            typer.echo(f"  ... and {hidden} more rejected lines", err=True)
    if refused:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add `import` to the CLI."""
    app.command("import")(import_files)
