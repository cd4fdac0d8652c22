"""freshness feature of the code location: today's marts refresh as raw data lands
(intraday_marts_job + intraday_marts_sensor), and the day-close schedule builds yesterday in full."""
import dagster as dg

from pipelines.intraday_jobs import intraday_marts_job
from pipelines.day_close_schedule import close_day_schedule
from pipelines.intraday_sensor import intraday_marts_sensor

defs = dg.Definitions(jobs=[intraday_marts_job], sensors=[intraday_marts_sensor], schedules=[close_day_schedule])
