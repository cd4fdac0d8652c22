"""`mmwatch metabase provision`: the content under metabase/ into a Metabase server."""
from __future__ import annotations

from pathlib import Path

import typer

from mmwatch.errors import MmwatchError

metabase_app = typer.Typer(help="Metabase content as code (metabase/).", no_args_is_help=True)


@metabase_app.command("provision")
def provision(
    url: str = typer.Option(..., "--url", help="Metabase base URL, e.g. http://127.0.0.1:3001"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan (create/update/unchanged); write nothing."),
    content_dir: Path = typer.Option(None, "--content", help="Content directory (default: the repository's metabase/)."),
) -> None:
    """Create or update by name the analytics connection, collections, cards and dashboards; push dbt docs.

    Credentials: MMWATCH_METABASE_API_KEY, or MMWATCH_METABASE_ADMIN_EMAIL/PASSWORD (first-run setup on a
    new instance). The analytics connection: MMWATCH_ANALYTICS_HOST/PORT/DB/USER, MMWATCH_METABASE_READER_PASSWORD.
    """
    from mmwatch.metabase.client import MetabaseClient
    from mmwatch.metabase.content import CONTENT_DIR, load_content
    from mmwatch.metabase.provision import Provisioner
    from mmwatch.metabase.validate import validate

    try:
        content = validate(load_content(content_dir or CONTENT_DIR))
        client = MetabaseClient(url)
        steps = Provisioner(client, content, dry_run=dry_run).run()
    except MmwatchError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    counts = {a: sum(s.action == a for s in steps) for a in ("create", "update", "unchanged", "skipped")}
    summary = ", ".join(f"{n} {a}" for a, n in counts.items() if n)
    typer.echo(f"{'plan' if dry_run else 'done'}: {summary}; {len(client.writes)} writes")


def register(app: typer.Typer) -> None:
    """Add `mmwatch metabase ...` to the CLI."""
    app.add_typer(metabase_app, name="metabase")
