"""The dbt project (built once) and its CLI resource."""
from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt"

# The manifest (dbt/target/manifest.json) is prepared at build time by
# `make manifest` (dbt parse); under `dagster dev` prepare_if_dev() refreshes it.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def dbt_executable() -> str:
    """The dbt next to the running Python (the project's venv, even when not activated), else `dbt` on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def dbt_cli_resource() -> DbtCliResource:
    """The dbt CLI over the project (profile target from dbt/profiles.yml)."""
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
