"""`mmwatch config check`: the environment of a deployment validated before it starts (settings files,
the secrets they name, SMTP and PostgreSQL reachable), one line per finding; exit 1 on any problem."""
from __future__ import annotations

import typer

config_app = typer.Typer(help="The deployment's settings (environment variables and the files they name).",
                         no_args_is_help=True)


@config_app.command("check")
def check() -> None:
    """Check every setting this environment gives mmwatch: each file parses, each secret a file names is
    set, the SMTP server and PostgreSQL answer; print what is missing and what to do. Exit 1 on a problem."""
    from mmwatch.config_check import check_environment, problems

    findings = check_environment()
    for finding in findings:
        typer.echo(finding.line())
    failed = problems(findings)
    if failed:
        typer.echo(f"{len(failed)} problem{'s' if len(failed) != 1 else ''}: fix them (docs/runbook.md#config-check) "
                   "and run mmwatch config check again", err=True)
        raise typer.Exit(1)
    typer.echo("everything mmwatch needs is set and answers")


def register(app: typer.Typer) -> None:
    """Add the `config` command group to the CLI."""
    app.add_typer(config_app, name="config")
