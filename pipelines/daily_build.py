"""`mmwatch build`: one UTC day through Dagster — raw assets, dbt marts, report."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from assets.partitions import EXCHANGES, partition_range_tags
from mmwatch.errors import ConfigError, MmwatchError
from mmwatch.landing.zone import list_landing
from mmwatch.days import check_buildable_day
from mmwatch.report import ComplianceRow, load_compliance_rows
from mmwatch.schemas import LAKE_TABLES
from mmwatch.settings import DATA_DIR_ENV, DataDir
from pipelines.instance import ensure_instance


# the console shows warnings only; every event is still recorded in the instance
_QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class DailyBuild:
    """What a build produced."""

    day: str
    exchanges: list[str]
    rows: list[ComplianceRow]
    report: Path
    warehouse: Path
    raw_run_id: str
    marts_run_id: str


def landed_exchanges(data_dir: DataDir, day: str) -> list[str]:
    """Exchanges with at least one landing file of `day` (any data set), in partition order."""
    found = {f.exchange for dataset in LAKE_TABLES.values() for f in list_landing(data_dir, dataset, day)}
    unknown = sorted(found - set(EXCHANGES))
    if unknown:
        raise ConfigError(
            f"landing data of {day} names exchanges {unknown} that are not Dagster partitions "
            f"({', '.join(EXCHANGES)}); add them to mmwatch/venues.py VENUES"
        )
    return sorted(found, key=EXCHANGES.index)


def run_daily_build(day: str, data_dir: str | Path | None = None, obligations_csv: str | Path | None = None) -> DailyBuild:
    """Rebuild the raw partitions of `day` that have landing files, then the marts and the report.

    Runs are recorded in the Dagster instance at $DAGSTER_HOME (default
    <data dir>/dagster_home). Raises MmwatchError with what to do on bad input.
    """
    check_buildable_day(day)
    layout = DataDir.from_env(data_dir).ensure()
    os.environ[DATA_DIR_ENV] = str(layout.root)  # the definitions' resources resolve the data dir from it
    exchanges = landed_exchanges(layout, day)
    if not exchanges:
        raise MmwatchError(
            f"no landing data for {day}: looked in {layout.landing}/<orderbooks|trades|fetch_errors>/day={day}/. "
            f"Collect it with `mmwatch collect --config <file>` or import a capture with "
            f"`mmwatch import <capture.jsonl>`, or pass --data-dir where the data is."
        )
    csv = None
    if obligations_csv is not None:
        csv = Path(obligations_csv).expanduser().resolve()
        if not csv.is_file():
            raise ConfigError(f"obligations file {csv} does not exist: pass --obligations <existing CSV>")
    instance = ensure_instance(layout)
    from pipelines.definitions import defs  # heavy: Dagster and the dbt manifest

    raw = defs.resolve_job_def("raw_ingest_job").execute_in_process(
        instance=instance, tags=partition_range_tags(day, exchanges), run_config=_QUIET
    )
    marts_config = {
        **_QUIET, "ops": {"mmwatch_dbt_assets": {"config": {"obligations_csv": str(csv) if csv else None}}},
    }
    try:
        marts = defs.resolve_job_def("daily_marts_job").execute_in_process(
            instance=instance, partition_key=day, run_config=marts_config
        )
    except Exception as error:  # dbt failures: say where to look
        if isinstance(error, MmwatchError):
            raise
        raise MmwatchError(
            f"the dbt build of {day} failed: {error}\nSee dbt/logs/dbt.log and the run in `dagster dev`."
        ) from error
    return DailyBuild(
        day=day,
        exchanges=exchanges,
        rows=load_compliance_rows(layout.warehouse, day),
        report=layout.reports / f"compliance-{day}.html",
        warehouse=layout.warehouse,
        raw_run_id=raw.run_id,
        marts_run_id=marts.run_id,
    )
