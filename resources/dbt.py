"""The dbt project (built once) and its CLI resource."""
from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt"

# The manifest (dbt/target/manifest.json) is prepared at build time by
# `make manifest` (dbt parse); in `dagster dev` prepare_if_dev() refreshes it.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def dbt_cli_resource(target: str | None = None) -> DbtCliResource:
    """The dbt CLI over the project, using profile `target` (None = the profile default)."""
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), target=target)
