"""`mmwatch alerts ...` (being built)."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the alerts commands to the CLI (none yet)."""
