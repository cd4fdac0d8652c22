"""The local instance's storage (pipelines/dagster_storage.py): Dagster's SQLite files, each database's
engine kept for the process; an instance written by either storage is read whole by the other."""
from __future__ import annotations

import os
import signal

import dagster as dg

from mmwatch.settings import DataDir
from pipelines.dagster_storage import ENGINES, CachedEngineEventLogStorage, CachedEngineRunStorage, EngineCache
from pipelines.instance import ensure_instance


@dg.asset
def counted() -> int:
    return 1


def _dagsters_own(home) -> dg.DagsterInstance:
    """The instance at `home` through Dagster's default storage (a dagster.yaml naming no storage)."""
    from dagster._core.instance.ref import InstanceRef

    plain = home.parent / "plain_config"
    plain.mkdir(exist_ok=True)
    (plain / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), config_dir=str(plain)))


def test_runs_reuse_the_engines_and_dagsters_own_storage_reads_them_whole(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    layout = DataDir(tmp_path / "data").ensure()
    with ensure_instance(layout) as instance:
        assert isinstance(instance.run_storage, CachedEngineRunStorage)
        assert isinstance(instance.event_log_storage, CachedEngineEventLogStorage)
        assert dg.materialize([counted], instance=instance).success
        created = ENGINES.created
        assert dg.materialize([counted], instance=instance).success
        # the second run: one new database (its own event log), one engine, for its dozens of statements
        assert ENGINES.created - created == 1
        runs = {record.dagster_run.run_id for record in instance.get_run_records()}
    with _dagsters_own(layout.dagster_home) as plain:
        assert type(plain.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert {record.dagster_run.run_id for record in plain.get_run_records()} == runs
        latest = plain.get_latest_materialization_event(counted.key)
        assert latest is not None and latest.run_id in runs
        assert dg.materialize([counted], instance=plain).success  # and the other way round
        written_by_dagster = plain.get_latest_materialization_event(counted.key).run_id
    with ensure_instance(layout) as instance:
        assert instance.get_latest_materialization_event(counted.key).run_id == written_by_dagster
        assert len(instance.get_run_records()) == 3


def test_the_least_recently_used_engine_is_dropped_past_the_bound():
    cache = EngineCache(size=2)
    first = cache.engine("sqlite:///a.db")
    cache.engine("sqlite:///b.db")
    assert cache.engine("sqlite:///a.db") is first  # a hit moves it to the newest
    cache.engine("sqlite:///c.db")  # drops b, the least recently used
    assert cache.engine("sqlite:///a.db") is first
    cache.engine("sqlite:///b.db")
    assert cache.created == 4


def test_a_forked_child_gets_engines_while_a_parent_thread_holds_the_lock():
    """The run workers are forked: a lock held by another thread at the fork would never be released."""
    ENGINES._lock.acquire()
    try:
        child = os.fork()
        if child == 0:  # the child: exits 0 when it got an engine within 10 s
            signal.alarm(10)
            ENGINES.engine("sqlite://")
            os._exit(0)
        _, status = os.waitpid(child, 0)
    finally:
        ENGINES._lock.release()
    assert os.waitstatus_to_exitcode(status) == 0
