"""Resources of the mmwatch code location; the environment is chosen here only.

MMWATCH_DATA_DIR (default ./data) selects the data directory; the dbt
profile (dbt/profiles.yml) reads the same variable for the warehouse path,
and the dbt assets point it at the DataDirResource's path while dbt runs.
"""
from __future__ import annotations

from typing import Any

from resources.data_dir import DataDirResource
from resources.dbt import dbt_cli_resource, dbt_project


def build_resources(data_dir: str | None = None) -> dict[str, Any]:
    """Resources keyed as the assets require them: `data_dir` and `dbt`.

    `data_dir` None = MMWATCH_DATA_DIR, else ./data, resolved when used.
    """
    return {"data_dir": DataDirResource(path=data_dir), "dbt": dbt_cli_resource()}


__all__ = ["DataDirResource", "build_resources", "dbt_project"]
