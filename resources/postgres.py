"""PostgreSQL `analytics` (the served marts) as a Dagster resource."""
from __future__ import annotations

import dagster as dg

ANALYTICS_DSN_ENV = "MMWATCH_ANALYTICS_DSN"


class AnalyticsPostgresResource(dg.ConfigurableResource):
    """Where the marts are published.

    `dsn`: a libpq URL of the server, e.g. postgresql://mmwatch:PASSWORD@postgres:5432/postgres
    (in the code location: dg.EnvVar("MMWATCH_ANALYTICS_DSN"), resolved when a run starts);
    `database`: the served database, created there when missing.
    """

    dsn: str
    database: str = "analytics"


def analytics_resource() -> AnalyticsPostgresResource:
    """The resource of the code location: DSN from $MMWATCH_ANALYTICS_DSN."""
    return AnalyticsPostgresResource(dsn=dg.EnvVar(ANALYTICS_DSN_ENV))
