"""Resources of the mmwatch code location; the environment is chosen here only.

MMWATCH_DATA_DIR (default ./data) selects the data directory; the dbt
profile (dbt/profiles.yml) reads the same variable for the warehouse path,
and the dbt assets point it at the DataDirResource's path while dbt runs.
"""
from __future__ import annotations

from typing import Any

from resources.data_dir import DataDirResource
from resources.dbt import dbt_cli_resource, dbt_project
from resources.postgres import AnalyticsPostgresResource, analytics_resource
from resources.smtp import SmtpResource


def build_resources(data_dir: str | None = None) -> dict[str, Any]:
    """Resources keyed as the assets require them: `data_dir`, `dbt`, `smtp` and `analytics` (PostgreSQL,
    DSN from $MMWATCH_ANALYTICS_DSN, read when a run needs it).

    `data_dir` None = MMWATCH_DATA_DIR, else ./data, resolved when used.
    """
    return {
        "data_dir": DataDirResource(path=data_dir), "dbt": dbt_cli_resource(), "analytics": analytics_resource(),
        "smtp": SmtpResource(),
    }


__all__ = ["AnalyticsPostgresResource", "DataDirResource", "SmtpResource", "build_resources", "dbt_project"]
