"""The automation's evaluation history is bounded (pipelines/automation_history.py): real evaluations
of Dagster's automation, stored by the embedded instance's storage, are purged by their retention
(a run requested: 24 h; none: 1 h), by index, at most once a minute; dagster.yaml sets the hours."""
from __future__ import annotations

import time

import dagster as dg
import pytest
import sqlalchemy as db

from automation_evaluations import store_evaluations, stored
from mmwatch.settings import DataDir
from pipelines.automation_history import INDEXES, BoundedEvaluations, HistoryRetention
from pipelines.instance import ensure_instance

H = 3600.0


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with ensure_instance(DataDir(tmp_path / "data").ensure()) as local:
        yield local


def test_evaluations_are_kept_by_whether_they_requested_a_run(instance):
    storage = instance.schedule_storage
    assert isinstance(storage, BoundedEvaluations) and storage.retention == HistoryRetention(24, 1)
    store_evaluations(instance, 1)
    store_evaluations(instance, 2)
    now = time.time()

    assert storage.purge_now(before=now - 30 * 24 * H, now=now + 0.5 * H) == 0  # none is past its hours yet
    assert storage.purge_now(before=now - 30 * 24 * H, now=now + 1.5 * H) == 2  # the ones that requested nothing
    assert stored(instance) == [("wanted", 1), ("wanted", 2)]
    assert storage.purge_now(before=now - 30 * 24 * H, now=now + 23 * H) == 0
    assert storage.purge_now(before=now - 30 * 24 * H, now=now + 25 * H) == 2  # a day on, the requested ones too
    assert stored(instance) == []


def test_dagsters_own_cut_still_applies_when_it_is_later(instance):
    store_evaluations(instance, 1)
    assert instance.schedule_storage.purge_now(before=time.time() + 60, now=time.time()) == 2


def test_a_long_history_goes_away_over_several_purges_in_small_transactions(instance, monkeypatch):
    """A history of weeks left by Dagster's own purge is deleted a batch at a time, within a time budget:
    here batches of one row and no budget, so one row a purge."""
    import pipelines.automation_history as history

    monkeypatch.setattr(history, "PURGE_BATCH", 1)
    store_evaluations(instance, 1)
    store_evaluations(instance, 2)
    later = time.time() + 25 * H
    assert [instance.schedule_storage.purge_now(0, later, budget_s=0) for _ in range(5)] == [1, 1, 1, 1, 0]
    store_evaluations(instance, 3)
    assert instance.schedule_storage.purge_now(0, later, budget_s=60) == 2  # with time, all of it in one purge


def test_both_deletes_are_served_by_an_index(instance):
    storage = instance.schedule_storage
    storage.purge_now(before=0, now=time.time())
    with storage.connect() as conn:
        indexes = {row[1] for row in conn.execute(db.text("pragma index_list(asset_daemon_asset_evaluations)"))}
        assert set(INDEXES) <= indexes
        plans = [" ".join(str(row[-1]) for row in conn.execute(db.text(f"explain query plan {query}"))) for query in (
            "select id from asset_daemon_asset_evaluations where create_timestamp < '2026-01-01' limit 2000",
            "select id from asset_daemon_asset_evaluations where num_requested = 0 and create_timestamp < '2026-01-01' "
            "limit 2000")]  # each batch's rows, which the delete then takes by primary key
    assert "INDEX idx_asset_daemon_evaluations_create_timestamp (create_timestamp<?)" in plans[0], plans[0]
    assert "INDEX idx_asset_daemon_evaluations_requested_created (num_requested=? AND create_timestamp<?)" in plans[1], \
        plans[1]


def test_the_daemons_purge_runs_at_most_once_a_minute(instance):
    storage = instance.schedule_storage
    store_evaluations(instance, 1)
    storage.purge_asset_evaluations(before=time.time() + 60)  # what the daemon calls after each tick
    assert stored(instance) == []
    store_evaluations(instance, 2)
    storage.purge_asset_evaluations(before=time.time() + 60)  # the next tick, seconds later: nothing done
    assert len(stored(instance)) == 2


def test_dagster_yaml_sets_the_hours_and_a_bad_value_is_named(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    storage = f"storage:\n  custom:\n    module: pipelines.dagster_storage\n    class: CachedEngineSqliteStorage\n" \
              f"    config:\n      base_dir: {home}\n"
    (home / "dagster.yaml").write_text(storage + "      automation_history: {requested_hours: 48}\n")
    with dg.DagsterInstance.from_config(str(home)) as configured:
        assert configured.schedule_storage.retention == HistoryRetention(requested_hours=48, other_hours=1)
    (home / "dagster.yaml").write_text(storage + "      automation_history: {other_hours: 0}\n")
    with pytest.raises(ValueError, match="automation_history in dagster.yaml: .*both must be more than 0 hours"):
        dg.DagsterInstance.from_config(str(home)).schedule_storage  # noqa: B018 (built on first use)
