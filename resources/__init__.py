"""Resources of the mmwatch code location; the environment is chosen here only.

MMWATCH_ENV (default `dev`) selects the dbt profile target; MMWATCH_DATA_DIR
(default ./data) the data directory. Nothing else varies by environment.
"""
from __future__ import annotations

import os
from typing import Any

from resources.data_dir import DataDirResource
from resources.dbt import dbt_cli_resource, dbt_project

ENV_VAR = "MMWATCH_ENV"
_DBT_TARGETS = {"dev": None, "prod": "prod"}


def build_resources(data_dir: str | None = None, environment: str | None = None) -> dict[str, Any]:
    """Resources keyed as the assets require them: `data_dir` and `dbt`."""
    env = environment or os.environ.get(ENV_VAR, "dev")
    if env not in _DBT_TARGETS:
        from mmwatch.errors import ConfigError

        raise ConfigError(f"{ENV_VAR}={env!r} is not an environment; use one of {sorted(_DBT_TARGETS)}")
    return {"data_dir": DataDirResource(path=data_dir), "dbt": dbt_cli_resource(_DBT_TARGETS[env])}


__all__ = ["DataDirResource", "build_resources", "dbt_project"]
