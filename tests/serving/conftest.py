"""Fixtures of the serving tests: databases on the real local PostgreSQL (pg_dsn and
throwaway_database: tests/conftest.py), one built day."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mmwatch.serving.postgres import with_database
from thin_morning_day import OBLIGATIONS_HEADER, landing_factory, thin_morning_books

@pytest.fixture
def database_dsn(pg_dsn, throwaway_database) -> Callable[[str], str]:
    """DSN of a database on the test server."""
    return lambda name: with_database(pg_dsn, name)


OBLIGATIONS = OBLIGATIONS_HEADER + """ob-lenient,Acme MM,binance,spot,BTC/USDT,2026-11-01,,20,50,25000,70,90,75,300
ob-strict,Orbit,binance,spot,BTC/USDT,2026-11-01,,20,50,25000,80,90,75,300
"""


@pytest.fixture(scope="session")
def built_day(dbt_manifest, tmp_path_factory) -> tuple[str, Path]:
    """(day, warehouse.duckdb) of the thin-morning day (thin_morning_day.py) built through Dagster
    with the real dbt."""
    lf = landing_factory()
    from mmwatch.landing.zone import write_landing
    from mmwatch.settings import DataDir

    layout = DataDir.from_env(tmp_path_factory.mktemp("serving") / "data").ensure()
    books = lf.books_frame(thin_morning_books(lf))
    write_landing(layout, "orderbooks", lf.DAY, "binance", books, "collector")
    csv = layout.root / "obligations.csv"
    csv.write_text(OBLIGATIONS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MMWATCH_DATA_DIR", str(layout.root))
        patch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
        # only the dbt tests whose parents are all built (e.g. not a relationship from an unbuilt mart)
        patch.setenv("DBT_INDIRECT_SELECTION", "cautious")
        _build_published_marts(lf.DAY, csv)
    return lf.DAY, layout.warehouse


# the marts the serving tests compare; only they and their parents are built (dbt build --select)
SERVED_MARTS = ("fct_mm_compliance_daily", "fct_mm_breach_episodes", "fct_orderbook_snapshot_metrics", "dim_obligations")


def _build_published_marts(day: str, obligations_csv: Path) -> None:
    """raw_ingest_job, then daily_marts_job limited to SERVED_MARTS and their parents, as `mmwatch build` runs them."""
    import dagster as dg

    from assets.marts.dbt_assets import mmwatch_dbt_assets
    from assets.partitions import partition_range_tags
    from pipelines.definitions import defs

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    wanted = dg.AssetSelection.assets(*SERVED_MARTS).upstream().resolve(defs.resolve_asset_graph())
    with dg.DagsterInstance.ephemeral() as instance:
        defs.resolve_job_def("raw_ingest_job").execute_in_process(
            instance=instance, tags=partition_range_tags(day, ["binance"]), run_config=quiet)
        defs.resolve_job_def("daily_marts_job").execute_in_process(
            instance=instance, partition_key=day, asset_selection=sorted(wanted & set(mmwatch_dbt_assets.keys)),
            run_config={**quiet, "ops": {"mmwatch_dbt_assets": {"config": {"obligations_csv": str(obligations_csv)}}}},
        )
