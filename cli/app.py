"""The `mmwatch` command line: the user's entry point.

Each group of commands lives in its own module under mmwatch/commands and
registers itself here; heavy imports (ccxt, dagster, duckdb) happen inside
the commands so that `mmwatch --help` stays quick.
"""
from __future__ import annotations

import warnings

import typer

from cli import (alerts, book, build, capture, collect, config, demo, evidence, metabase, obligations, report,
                 simulate, statement, status)

# Dagster marks some of the parameters we use (backfill policies, pools) as beta on every import.
warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview).*")

app = typer.Typer(
    name="mmwatch",
    help="Market-maker compliance and liquidity analytics: collect, import, build, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (collect, capture, build, report, simulate, demo, alerts, metabase, obligations, status, config, book,
               statement, evidence):
    module.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
