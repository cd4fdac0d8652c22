"""The alert sensors and job, run for real: a successful marts run requests one alert cycle for its
day, the cycle (the real definitions' job, warehouse pool) writes the ledger and notifies; a failed
run reaches the data-engineer route."""
from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest
import yaml

pytestmark = pytest.mark.e2e


@dg.op
def _noop():
    return None


@dg.op
def _boom():
    raise RuntimeError("dbt exploded on purpose")


@dg.job(name="intraday_marts_job")
def _marts_stand_in():
    """Stands in for a marts run (only its name, partition tag and success event matter to the sensor)."""
    _noop()


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


def test_marts_success_requests_a_cycle_that_writes_the_ledger(alerts_env, receivers):
    from pipelines.alert_defs import alerts_after_marts
    from pipelines.definitions import defs

    data, day = alerts_env
    instance = dg.DagsterInstance.ephemeral()
    marts = _marts_stand_in.execute_in_process(instance=instance, tags={"dagster/partition": day})
    context = dg.build_run_status_sensor_context(sensor_name=alerts_after_marts.name, dagster_instance=instance,
                                                 dagster_run=marts.dagster_run, dagster_event=marts.get_run_success_event())
    request = alerts_after_marts(context)
    assert request.run_key == f"alerts-{marts.run_id}"
    op_config = request.run_config["ops"]["evaluate_alerts"]["config"]
    assert (op_config["day"], op_config["full"]) == (day, False)

    job = defs.resolve_job_def("alerts_evaluation_job")
    assert job.graph.node_named("evaluate_alerts").definition.pool == "warehouse"
    run = job.execute_in_process(instance=instance, run_config=request.run_config)
    assert run.success
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rules = {row[0] for row in con.execute("select distinct rule from alerts.alert_ledger").fetchall()}
        pending = con.execute("select count(*) from alerts.alert_deliveries where status = 'pending'").fetchone()[0]
    assert rules == {"wide_spread", "dual_spread", "thin_book", "imbalance", "volume_spike", "price_move", "no_data",
                     "obligation_breach"}
    assert pending == 0 and receivers["slack"].posts and receivers["telegram"].posts

    posts = len(receivers["slack"].posts)  # the same marts run seen again: nothing new is sent
    assert job.execute_in_process(instance=instance, run_config=request.run_config).success
    assert len(receivers["slack"].posts) == posts


def test_failed_run_notifies_the_data_route(alerts_env, receivers):
    from pipelines.alert_defs import alerts_on_run_failure

    instance = dg.DagsterInstance.ephemeral()
    failed = _failing_stand_in.execute_in_process(instance=instance, raise_on_error=False)
    assert not failed.success
    context = dg.build_run_status_sensor_context(
        sensor_name=alerts_on_run_failure.name, dagster_instance=instance, dagster_run=failed.dagster_run,
        dagster_event=failed.get_run_failure_event()).for_run_failure()
    alerts_on_run_failure(context)
    texts = [body["text"] for _, body in receivers["telegram"].posts]
    assert len(texts) == 1 and "job raw_ingest_job" in texts[0] and failed.run_id in texts[0]
    assert not receivers["slack"].posts  # market channels are not the data route
