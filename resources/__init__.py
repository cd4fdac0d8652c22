"""Every resource of the mmwatch code location, bound in one place; the environment is chosen here only.

MMWATCH_DATA_DIR (default ./data) selects the data directory; the dbt profile (dbt/profiles.yml) reads
the same variable for the warehouse path, and the dbt assets point it at the DataDirResource's path
while dbt runs. Secrets arrive through dg.EnvVar, resolved when a run uses the resource: the
PostgreSQL DSN ($MMWATCH_ANALYTICS_DSN); SMTP reads its MMWATCH_SMTP_* variables the same way.
"""
from __future__ import annotations

from typing import Any

from resources.data_dir import DataDirResource
from resources.dbt import dbt_cli_resource, dbt_project
from resources.market_data import MarketDataResource
from resources.postgres import AnalyticsPostgresResource, analytics_resource
from resources.smtp import SmtpResource


def build_resources(data_dir: str | None = None) -> dict[str, Any]:
    """Resources keyed as the assets require them: `data_dir`, `dbt`, `analytics` (PostgreSQL),
    `smtp` and `market_data` (ccxt for the slower data sets, config from $MMWATCH_CONFIG).

    `data_dir` None = MMWATCH_DATA_DIR, else ./data, resolved when used.
    """
    return {
        "data_dir": DataDirResource(path=data_dir), "dbt": dbt_cli_resource(), "analytics": analytics_resource(),
        "smtp": SmtpResource(), "market_data": MarketDataResource(),
    }


__all__ = ["AnalyticsPostgresResource", "DataDirResource", "MarketDataResource", "SmtpResource", "build_resources",
           "dbt_project"]
