"""The alert ledger as a Dagster asset, run for real: an update of the marts of a day makes the
alerts automation request alerts_ledger for that day (tests/automation_ticks.py: the daemon's own
evaluation code, the run executed in process with the real definitions and the warehouse pool); the
run writes the ledger and notifies, and a later update re-evaluates without sending anything twice;
a failed run reaches the data-engineer route."""
from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest
import yaml

from automation_ticks import Daemon

pytestmark = pytest.mark.e2e


@dg.op
def _boom():
    raise RuntimeError("dbt exploded on purpose")


@dg.job(name="raw_ingest_job")
def _failing_stand_in():
    _boom()


@pytest.fixture
def alerts_env(tmp_path, monkeypatch, scenario_marts, channel_config):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(scenario_marts[0], data / "warehouse.duckdb")
    config_file = tmp_path / "alerts.yaml"
    config_file.write_text(yaml.safe_dump(channel_config.model_dump(mode="json")), encoding="utf-8")
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data))
    monkeypatch.setenv("MMWATCH_ALERTS_CONFIG", str(config_file))
    return data, scenario_marts[1]["rules"]


def _marts_updated(instance: dg.DagsterInstance, day: str) -> None:
    """What a marts run of `day` leaves in the instance: a materialization of each mart the rules read."""
    from assets.alerts.ledger import ALERT_INPUTS

    for mart in ALERT_INPUTS:
        instance.report_runless_asset_event(dg.AssetMaterialization(mart, partition=day))


def test_a_marts_update_requests_the_days_ledger_which_writes_it_and_notifies(alerts_env, receivers):
    from pipelines.definitions import defs

    data, day = alerts_env
    instance = dg.DagsterInstance.ephemeral()
    daemon = Daemon(defs, instance, str(data), sensors=("alerts_automation",))
    assert daemon.requests("alerts_automation", None) == []  # nothing updated: nothing to evaluate
    assert defs.resolve_asset_graph().get(dg.AssetKey("alerts_ledger")).pools == {"warehouse"}

    _marts_updated(instance, day)
    (request,) = daemon.requests("alerts_automation", None)
    assert request.partition_key == day and request.asset_selection == [dg.AssetKey("alerts_ledger")]
    run = daemon.execute("alerts_automation", request)
    assert run.result.success
    (ledger,) = run.result.get_asset_materialization_events()
    assert ledger.materialization.metadata["evaluated"].value == "whole day"  # not today: the whole day
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rules = {row[0] for row in con.execute("select distinct rule from alerts.alert_ledger").fetchall()}
        pending = con.execute("select count(*) from alerts.alert_deliveries where status = 'pending'").fetchone()[0]
    assert rules == {"wide_spread", "dual_spread", "thin_book", "imbalance", "volume_spike", "price_move", "no_data",
                     "obligation_breach"}
    assert pending == 0 and receivers["slack"].posts and receivers["telegram"].posts
    assert daemon.requests("alerts_automation", None) == []  # once per update

    posts = len(receivers["slack"].posts)  # the marts of the day updated again: evaluated, nothing new sent
    _marts_updated(instance, day)
    assert daemon.tick(None)[-1].result.success
    assert len(receivers["slack"].posts) == posts


def test_failed_run_notifies_the_data_route(alerts_env, receivers):
    from pipelines.sensors import run_failure_sensor

    instance = dg.DagsterInstance.ephemeral()
    failed = _failing_stand_in.execute_in_process(instance=instance, raise_on_error=False)
    assert not failed.success
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_sensor.name, dagster_instance=instance, dagster_run=failed.dagster_run,
        dagster_event=failed.get_run_failure_event()).for_run_failure()
    run_failure_sensor(context)
    texts = [body["text"] for _, body in receivers["telegram"].posts]
    assert len(texts) == 1 and "job raw_ingest_job" in texts[0] and failed.run_id in texts[0]
    assert not receivers["slack"].posts  # market channels are not the data route
