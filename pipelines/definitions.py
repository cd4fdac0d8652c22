"""The mmwatch code location: the core (raw lake assets, data-set assets, dbt marts, the HTML report,
serving, jobs, the landing sensor, the data-set schedules) merged with one Definitions per feature
module: report email, alerts, intraday freshness."""
import dagster as dg

# modules, not their Definitions: a code server loading this module refuses more than one
# Definitions object at module scope
from pipelines import alert_defs, core_defs, intraday_defs, report_defs

defs = dg.Definitions.merge(core_defs.defs, report_defs.defs, alert_defs.defs, intraday_defs.defs)
