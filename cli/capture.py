"""`mmwatch import`: land capture files (JSON Lines, capture-format.md)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from mmwatch.errors import MmwatchError

if TYPE_CHECKING:
    from mmwatch.capture.importer import ImportResult

MAX_SHOWN_RULES = 10
MAX_EXAMPLE_CHARS = 110


def rejects_summary(result: "ImportResult") -> list[str]:
    """A few lines on the rejected lines of an import: how many per rule, with the first line of each, and
    the rejects file that holds every one (nothing when no line was rejected)."""
    counts = result.counts
    if not counts.by_rule:
        return []
    lines = []
    ranked = counts.by_rule.most_common()
    width = max(len(rule) for rule, _ in ranked[:MAX_SHOWN_RULES])
    for rule, count in ranked[:MAX_SHOWN_RULES]:
        example = str(counts.examples[rule])
        if len(example) > MAX_EXAMPLE_CHARS:
            example = example[:MAX_EXAMPLE_CHARS - 3] + "..."
        lines.append(f"  {count:>8,}  {rule:<{width}}  e.g. {example}")
    if len(ranked) > MAX_SHOWN_RULES:
        rest = sum(count for _, count in ranked[MAX_SHOWN_RULES:])
        lines.append(f"  {rest:>8,}  under {len(ranked) - MAX_SHOWN_RULES} more rules (see the rejects file)")
    total = sum(counts.by_rule.values())
    lines.append(f"  all {total:,} rejected lines (file:line: reason): {result.rejects}")
    return lines


def import_files(files: List[Path] = typer.Argument(..., help="Capture files (.jsonl / .jsonl.gz)."),
                 data_dir: Optional[Path] = typer.Option(None, help="Data directory (default: $MMWATCH_DATA_DIR or ./data).")
                 ) -> None:
    """Import capture files into the landing zone; bad lines are skipped, counted by rule on screen and
    listed, every one as file:line: reason, in <data>/landing/_rejects/<capture>-<time>.txt.

    Exits with status 2 when a file is refused entirely (missing, not JSON Lines), and stops at a
    full disk saying where, how much room is needed and what was kept.
    """
    from cli.progress import Stages
    from mmwatch.capture.importer import import_capture
    from mmwatch.capture.reader import describe_counts
    from mmwatch.disk_full import DiskFull
    from mmwatch.settings import DataDir

    refused = 0
    folder = DataDir.from_env(data_dir)  # the landing zone's folders are made as files land, nothing else
    stages = Stages(typer.echo)  # one line per file, with its time; a spinner meanwhile on a terminal
    for number, path in enumerate(files):
        try:
            with stages.stage(str(path)) as stage:
                result = import_capture(folder, path)
                stage.done(f"{describe_counts(result.counts)}; {len(result.files)} landing files")
        except DiskFull as full:
            typer.echo(f"error: {full}", err=True)
            left = files[number + 1:]
            if left:
                typer.echo(f"not imported (no room): {', '.join(str(p) for p in left)}", err=True)
            raise typer.Exit(2) from None
        except MmwatchError as exc:
            typer.echo(f"error: {exc}", err=True)
            refused += 1
            continue
        for line in rejects_summary(result):
            typer.echo(line, err=True)
    if refused:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add `import` to the CLI."""
    app.command("import")(import_files)
