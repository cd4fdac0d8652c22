"""The dbt project (built once) and its CLI resource."""
from __future__ import annotations

import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Sequence

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt"

# The manifest (dbt/target/manifest.json) is prepared at build time by
# `make manifest` (dbt parse); under `dagster dev` prepare_if_dev() refreshes it.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def dbt_executable() -> str:
    """The dbt next to the running Python (the project's venv, even when not activated), else `dbt` on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


class MmwatchDbtCliResource(DbtCliResource):
    """dagster-dbt's CLI resource without the two things it does before every dbt command that
    mmwatch never uses, which cost a marts run 4-5 s of its 15 (more on a loaded machine):

    - `dbt --version` in a subprocess (a whole dbt start, ≈ 2 s) to learn which dbt runs: the dbt
      it runs is the project's, installed beside dagster-dbt (`dbt_executable`), so the installed
      dbt-core's version is the answer;
    - a dbt adapter built in the run's process (importing dbt-core, loading the profile and the
      macros, ≈ 1.5-2.5 s), used only to fetch column metadata for the asset events
      (`fetch_column_metadata()`), which mmwatch does not ask for: the invocation gets no adapter.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]):  # noqa: ARG002 (the signature overridden)
        return None


def dbt_cli_resource() -> DbtCliResource:
    """The dbt CLI over the project (profile target from dbt/profiles.yml)."""
    return MmwatchDbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                                 dbt_executable=dbt_executable())
