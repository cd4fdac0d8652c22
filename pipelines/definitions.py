"""The mmwatch code location: the core (raw lake assets, data-set assets, dbt marts, the HTML report,
serving, jobs, the landing sensor, the data-set schedules) merged with one Definitions per feature
module: report email, alerts, intraday freshness."""
import dagster as dg

from pipelines.alert_defs import defs as alert_defs
from pipelines.core_defs import defs as core_defs
from pipelines.freshness_defs import defs as freshness_defs
from pipelines.report_defs import defs as report_defs

defs = dg.Definitions.merge(core_defs, report_defs, alert_defs, freshness_defs)
