"""intraday_marts_sensor on real runs in a real instance: today only, never while a marts run is in flight."""
from __future__ import annotations

import dagster as dg
import pytest

from intraday_runs import PAST, land_books, noon_of, raw_run
from landing_factory import DAY
from pipelines.intraday_sensor import build_intraday_marts_sensor


@pytest.fixture
def env(data_dir, monkeypatch):
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir.root))
    return data_dir


def _tick(instance, today=DAY):
    sensor = build_intraday_marts_sensor(clock=lambda: noon_of(today))
    return sensor(dg.build_sensor_context(instance=instance))


def test_requests_only_today_after_a_raw_run_of_today(defs, env, instance):
    assert "no successful raw run" in _tick(instance).skip_message
    land_books(env, PAST, 0, 3, 0.05)
    raw_run(defs, instance, PAST)
    assert "no successful raw run of today (2026-11-20)" in _tick(instance).skip_message  # a past day: nothing

    land_books(env, DAY, 0, 3, 0.05)
    today_run = raw_run(defs, instance, DAY)
    request = _tick(instance)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == DAY and request.run_key == f"intraday-{DAY}-{today_run}"
    # the same raw state asks again under the same run key, which Dagster de-duplicates
    assert _tick(instance).run_key == request.run_key
    # the next day, yesterday's raw run is not today's
    assert isinstance(_tick(instance, today="2026-11-21"), dg.SkipReason)


@pytest.mark.parametrize("job, status", [("intraday_marts_job", "NOT_STARTED"), ("daily_marts_job", "STARTED")])
def test_a_marts_run_in_flight_coalesces_new_data(defs, env, instance, job, status):
    land_books(env, DAY, 0, 3, 0.05)
    raw_run(defs, instance, DAY)
    # a marts run (of any day) is waiting to start or running: no second one while it holds the warehouse
    queued = instance.create_run_for_job(defs.resolve_job_def(job), status=dg.DagsterRunStatus(status),
                                         tags={"dagster/partition": PAST})
    for _ in range(2):  # a second tick while it waits requests nothing either
        skip = _tick(instance)
        assert isinstance(skip, dg.SkipReason) and queued.run_id in skip.skip_message
    instance.report_run_failed(instance.get_run_by_id(queued.run_id))  # it ended without covering today
    later = raw_run(defs, instance, DAY)
    request = _tick(instance)
    assert isinstance(request, dg.RunRequest) and request.run_key == f"intraday-{DAY}-{later}"


@pytest.mark.parametrize("job", ["intraday_marts_job", "daily_marts_job"])
def test_publishing_follows_every_marts_job(defs, instance, job):
    from assets.serving.published import PUBLISHED_MARTS, published_key
    from pipelines.intraday_jobs import INTRADAY_MARTS

    run = instance.create_run_for_job(defs.resolve_job_def(job), status=dg.DagsterRunStatus.SUCCESS,
                                      tags={"dagster/partition": DAY})
    event = dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name=job)
    context = dg.build_run_status_sensor_context(
        sensor_name="publish_after_marts", dagster_event=event, dagster_instance=instance, dagster_run=run)
    request = defs.resolve_sensor_def("publish_after_marts")(context)
    assert request.partition_key == DAY and request.run_key == run.run_id
    if job == "intraday_marts_job":  # only the marts the intraday run rebuilt
        assert set(request.asset_selection) == {published_key(m) for m in INTRADAY_MARTS}
        assert len(INTRADAY_MARTS) < len(PUBLISHED_MARTS)
    else:
        assert request.asset_selection is None
