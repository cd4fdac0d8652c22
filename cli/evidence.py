"""`mmwatch evidence --obligation ID --date D [--out DIR]`: the evidence pack of an obligation's day
(mmwatch/evidence/pack.py); `mmwatch evidence verify DIR`: its lake files and own files hashed again
against its manifest (mmwatch/evidence/manifest.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.collect import DATA_DIR_HELP
from mmwatch.errors import MmwatchError

evidence_app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                           help="Evidence packs of breach episodes, and their verification.")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@evidence_app.callback()
def evidence(
    ctx: typer.Context,
    obligation: Optional[str] = typer.Option(None, "--obligation", help="obligation_id (the obligations file)."),
    date: Optional[str] = typer.Option(None, "--date", help="UTC day, YYYY-MM-DD."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder of the pack (default <data dir>/evidence/<obligation>/<day>)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Write the evidence pack of --obligation on --date: per breach episode the snapshots at its start, worst
    and end, a depth ladder, a price-level heat map and the timeline against the thresholds, and manifest.json
    (every lake file read, with its SHA-256). Exits 2 with a message when the pack cannot be made."""
    if ctx.invoked_subcommand is not None:
        return
    if not obligation or not date:
        _fail("give --obligation ID and --date YYYY-MM-DD (or `mmwatch evidence verify DIR`)")
    from mmwatch.evidence.pack import make_pack
    from mmwatch.settings import DataDir

    try:
        result = make_pack(DataDir.from_env(data_dir), obligation, date, out)
    except MmwatchError as error:
        _fail(str(error))
    detail = ("" if result.detailed == result.episodes else
              f" ({result.detailed} longest detailed, the rest listed in summary.json)")
    typer.echo(f"{obligation} {date}: {result.episodes} breach episode{'s' if result.episodes != 1 else ''}"
               f"{detail}; pack written to {result.folder} ({result.bytes / 1e6:.1f} MB): open index.html, "
               f"check it with `mmwatch evidence verify {result.folder}`")


@evidence_app.command("verify")
def verify(
    folder: Path = typer.Argument(..., help="The pack's folder (holding manifest.json)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Data directory holding the recording (default: the one the manifest names)."),
) -> None:
    """Hash every lake file and pack file of the manifest again; exit 1 naming each that differs."""
    from mmwatch.evidence.manifest import verify as verify_pack

    try:
        result = verify_pack(folder, data_dir)
    except MmwatchError as error:
        _fail(str(error))
    for problem in result.problems:
        typer.echo(f"FAILED {problem}")
    if not result.ok:
        typer.echo(f"{folder}: {len(result.problems)} problem(s); the pack does not match the recording in {result.data_dir}")
        raise typer.Exit(1)
    typer.echo(f"{folder}: OK: {result.lake_files} lake files in {result.data_dir} and {result.pack_files} pack files "
               "match the manifest's SHA-256")


def register(app: typer.Typer) -> None:
    """Add evidence to the CLI."""
    app.add_typer(evidence_app, name="evidence")
