"""Fixtures of the report tests: ONE day built per session through Dagster with the real dbt
(raw_ingest_job, then daily_marts_job limited to the marts the report reads), recorded in a
persistent Dagster instance so the report's automation condition sees the materializations."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from report_day import OBLIGATIONS, landing_day, landing_factory

@dataclass(frozen=True)
class BuiltDay:
    day: str
    layout: object  # mmwatch.settings.DataDir
    instance: object  # the session's persistent DagsterInstance (runs and materializations of the day)

    @property
    def warehouse(self) -> Path:
        return self.layout.warehouse


@pytest.fixture(scope="session")
def built_day(dbt_manifest, tmp_path_factory) -> BuiltDay:
    import dagster as dg

    from assets.marts.dbt_assets import mmwatch_dbt_assets
    from assets.partitions import partition_range_tags
    from assets.report.email import REPORT_MARTS
    from mmwatch.settings import DataDir

    lf = landing_factory()
    layout = DataDir.from_env(tmp_path_factory.mktemp("report") / "data").ensure()
    landing_day(layout, lf)
    csv = layout.root / "obligations.csv"
    csv.write_text(OBLIGATIONS)
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MMWATCH_DATA_DIR", str(layout.root))
        patch.setenv("DBT_INDIRECT_SELECTION", "cautious")  # only tests whose parents are all built
        from pipelines.definitions import defs

        wanted = dg.AssetSelection.assets(*REPORT_MARTS).upstream().resolve(defs.resolve_asset_graph())
        # one instance for the session: the schedule test reads its materializations
        instance = dg.DagsterInstance.local_temp(str(layout.dagster_home))
        defs.resolve_job_def("raw_ingest_job").execute_in_process(
            instance=instance, tags=partition_range_tags(lf.DAY, ["binance"]), run_config=quiet)
        defs.resolve_job_def("daily_marts_job").execute_in_process(
            instance=instance, partition_key=lf.DAY, asset_selection=sorted(wanted & set(mmwatch_dbt_assets.keys)),
            run_config={**quiet, "ops": {"mmwatch_dbt_assets": {"config": {"obligations_csv": str(csv)}}}})
    return BuiltDay(lf.DAY, layout, instance)


@pytest.fixture
def warehouse_copy(built_day, tmp_path) -> Path:
    """A private copy of the built warehouse (tests that only read still never share a ledger)."""
    return Path(shutil.copy(built_day.warehouse, tmp_path / "warehouse.duckdb"))


@pytest.fixture(scope="session")
def chromium() -> str:
    """$MMWATCH_TEST_CHROMIUM (default /usr/bin/chromium): skipped when missing, failed under CI=true."""
    path = os.environ.get("MMWATCH_TEST_CHROMIUM", "/usr/bin/chromium")
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        reason = f"no Chromium at {path}; set MMWATCH_TEST_CHROMIUM or install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path
