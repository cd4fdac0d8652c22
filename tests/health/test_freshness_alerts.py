"""A mart kept stale past its FreshnessPolicy: Dagster's own freshness daemon code judges it FAIL (the
clock moved past the policy's fail window), the real freshness_sensor opens one alert for its asset
group on the data route naming it, and closes it once the mart materializes again and passes."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest
from dagster._core.loader import LoadingContextForTest
from dagster._core.test_utils import freeze_time
from dagster._daemon.freshness import FreshnessDaemon

STALE = ("fct_mm_compliance_daily", "fct_orderbook_snapshot_metrics")
DAY = "2026-11-20"


@pytest.fixture
def judged(defs_and_graph, tmp_path, monkeypatch):
    """(instance, judge(at)): judge runs the freshness daemon's evaluation of STALE + raw_orderbooks at `at`."""
    defs, graph = defs_and_graph
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text("channels: {hook: {type: webhook, url_env: TEST_DATA_HOOK}}\nroutes: [{route: data, channels: [hook]}]\n")
    monkeypatch.setenv("MMWATCH_ALERTS_CONFIG", str(alerts))
    with dg.DagsterInstance.ephemeral() as instance:
        def judge(at: datetime) -> dict[str, str]:
            daemon, context = FreshnessDaemon(), LoadingContextForTest(instance)

            async def evaluate() -> None:
                for name in (*STALE, "raw_orderbooks"):
                    await daemon._evaluate_asset(context, graph.get(dg.AssetKey(name)))  # noqa: SLF001

            with freeze_time(at):
                asyncio.run(evaluate())
            records = instance.get_freshness_state_records([dg.AssetKey(n) for n in (*STALE, "raw_orderbooks")])
            return {key.to_user_string(): record.freshness_state.value for key, record in records.items()}

        yield instance, judge


@pytest.fixture(scope="module")
def defs_and_graph(dbt_manifest):
    from pipelines.definitions import defs

    return defs, defs.resolve_asset_graph()


def _materialize(instance, names) -> None:
    for name in names:
        instance.report_runless_asset_event(dg.AssetMaterialization(name, partition=DAY))


def _tick(defs, instance, data) -> str:
    from pipelines.health_sensors import freshness_sensor
    from resources import DataDirResource, SmtpResource

    context = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def(),
                                      resources={"data_dir": DataDirResource(path=str(data)), "smtp": SmtpResource()})
    return freshness_sensor(context).skip_message


def test_a_stale_mart_fails_its_check_and_reaches_the_data_route(judged, defs_and_graph, data_route, tmp_path):
    defs, graph = defs_and_graph
    instance, judge = judged
    data = tmp_path / "data"
    _materialize(instance, (*STALE, "raw_orderbooks"))
    now = datetime.now(timezone.utc)
    assert set(judge(now).values()) == {"PASS"}
    assert "groups past their policy: none" in _tick(defs, instance, data) and data_route.posts == []

    _materialize(instance, ["raw_orderbooks"])  # the lake keeps landing; the marts stop
    fail_after = graph.get(dg.AssetKey(STALE[0])).freshness_policy.fail_window.to_timedelta()
    later = now + fail_after + timedelta(seconds=1)
    with freeze_time(later - timedelta(seconds=2)):
        _materialize(instance, ["raw_orderbooks"])
    states = judge(later)
    assert states == {**dict.fromkeys(STALE, "FAIL"), "raw_orderbooks": "PASS"}
    assert "groups past their policy: marts" in _tick(defs, instance, data)
    (post,) = [body for _, body in data_route.posts]
    assert post["subject"] == "[mmwatch] FIRED critical freshness asset group marts"
    assert post["trigger_values"]["stale_assets"] == ", ".join(sorted(STALE))
    assert post["route"] == "data" and post["text"].endswith("Runbook: docs/runbook.md#freshness")
    _tick(defs, instance, data)
    assert len(data_route.posts) == 1  # still stale: not sent again

    with freeze_time(later + timedelta(seconds=5)):
        _materialize(instance, STALE)
    assert set(judge(later + timedelta(seconds=10)).values()) == {"PASS"}
    _tick(defs, instance, data)
    assert [body["subject"] for _, body in data_route.posts][1:] == [
        "[mmwatch] RESOLVED critical freshness asset group marts"]
