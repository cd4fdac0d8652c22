"""The data-set schedules: cron per cadence, one run over today's configured-exchange range, and a
closing run for yesterday just after midnight; the code location loads with them."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from pipelines.schedules import build_dataset_schedule, cron_for, days_to_request


def test_cron_follows_the_cadence():
    assert [cron_for(s) for s in (60, 300, 900, 3600, 7200, 86_400)] == [
        "* * * * *", "*/5 * * * *", "*/15 * * * *", "0 * * * *", "0 */2 * * *", "0 0 * * *"]


def test_first_tick_after_midnight_also_closes_yesterday():
    just_after = datetime(2026, 11, 21, 0, 0, tzinfo=timezone.utc)
    assert days_to_request(just_after, 3600) == ["2026-11-20", "2026-11-21"]
    assert days_to_request(just_after, 300) == ["2026-11-20", "2026-11-21"]
    assert days_to_request(datetime(2026, 11, 21, 0, 5, tzinfo=timezone.utc), 300) == ["2026-11-21"]


def test_a_tick_requests_the_configured_exchanges_of_today(tmp_path):
    from resources.market_data import MarketDataResource

    config = tmp_path / "config.yaml"
    config.write_text("exchanges:\n  okx: {markets: [BTC/USDT]}\n  bitget: {markets: [BTC/USDT]}\n")
    schedule = build_dataset_schedule("tickers", 60)
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc),
                                        resources={"market_data": MarketDataResource(config_path=str(config))})
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2026-11-21|bitget"
    assert request.tags["dagster/asset_partition_range_end"] == "2026-11-21|okx"
    assert schedule.job_name == "raw_tickers_job"


def test_definitions_load_with_the_data_sets():
    from pipelines.definitions import defs

    repo = defs.get_repository_def()
    assert {f"{name}_schedule" for name in ("tickers", "funding", "open_interest", "long_short_ratio", "fund_flow",
                                             "contract_stats", "ohlcv")} <= {s.name for s in repo.schedule_defs}
    assert repo.get_schedule_def("ohlcv_schedule").cron_schedule == "0 * * * *"
    assert repo.has_job("raw_funding_job")
