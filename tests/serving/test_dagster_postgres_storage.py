"""The production dagster.yaml for real: a run of publish_marts_job records its run and events in PostgreSQL."""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import psycopg
from psycopg.conninfo import conninfo_to_dict

from mmwatch.serving.postgres import with_database

REPO = Path(__file__).resolve().parents[2]


def _production_home(pg_dsn: str, storage_db: str, tmp_path: Path, monkeypatch) -> Path:
    """A DAGSTER_HOME holding the production dagster.yaml, its DAGSTER_PG_* pointing at `storage_db`."""
    server = conninfo_to_dict(pg_dsn)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    for name, value in {"HOST": server.get("host", "127.0.0.1"), "PORT": server.get("port", "5432"),
                        "USER": server.get("user", "postgres"), "PASSWORD": server.get("password", ""),
                        "DB": storage_db}.items():
        monkeypatch.setenv(f"DAGSTER_PG_{name}", str(value))
    return home


def test_runs_and_events_are_stored_in_postgres(built_day, pg_dsn, throwaway_database, tmp_path, monkeypatch):
    day, warehouse = built_day
    storage_db, analytics_db = throwaway_database(), throwaway_database()
    home = _production_home(pg_dsn, storage_db, tmp_path, monkeypatch)
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(warehouse.parent))
    monkeypatch.setenv("MMWATCH_ANALYTICS_DSN", pg_dsn)
    from pipelines.definitions import defs

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = defs.resolve_job_def("publish_marts_job").execute_in_process(
            instance=instance, partition_key=day,
            run_config={"resources": {"analytics": {"config": {"dsn": {"env": "MMWATCH_ANALYTICS_DSN"}, "database": analytics_db}}}},
        )
        assert result.success
    with psycopg.connect(with_database(pg_dsn, storage_db)) as pg:
        runs = pg.execute("select run_id, pipeline_name, status from runs").fetchall()
        assert runs == [(result.run_id, "publish_marts_job", "SUCCESS")]
        events = dict(pg.execute(
            "select dagster_event_type, count(*) from event_logs where run_id = %s group by 1", (result.run_id,)
        ).fetchall())
        assert events.get("PIPELINE_SUCCESS") == 1, events  # RUN_SUCCESS, stored under its old name
        assert events["ASSET_MATERIALIZATION"] >= 4  # one per published mart
        keys = {r[0] for r in pg.execute("select asset_key from asset_keys").fetchall()}
        assert '["analytics", "fct_mm_compliance_daily"]' in keys


def test_the_production_instance_bounds_the_automation_history_in_postgres(pg_dsn, throwaway_database, tmp_path,
                                                                          monkeypatch):
    """dagster.yaml's storage keeps an evaluation that requested a run 24 h and any other 1 h, by index."""
    import time

    from automation_evaluations import store_evaluations, stored
    from pipelines.automation_history import INDEXES
    from pipelines.dagster_storage import BoundedHistoryPostgresScheduleStorage

    storage_db = throwaway_database()
    home = _production_home(pg_dsn, storage_db, tmp_path, monkeypatch)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.schedule_storage
        assert isinstance(storage, BoundedHistoryPostgresScheduleStorage)
        store_evaluations(instance, 1)
        now, long_ago = time.time(), time.time() - 30 * 86400
        assert storage.purge_now(before=long_ago, now=now + 1.5 * 3600) == 1  # the one that requested nothing
        assert stored(instance) == [("wanted", 1)]
        assert storage.purge_now(before=long_ago, now=now + 25 * 3600) == 1
        assert stored(instance) == []
    with psycopg.connect(with_database(pg_dsn, storage_db)) as pg:
        indexes = {r[0] for r in pg.execute(
            "select indexname from pg_indexes where tablename = 'asset_daemon_asset_evaluations'").fetchall()}
    assert set(INDEXES) <= indexes
