"""The ledger and the channels for real: micro-batches of the scenario day (evaluated as if the data
ended at a given minute) open, escalate and close alerts once; notifications arrive at loopback HTTP
receivers and an aiosmtpd server; a channel that is down is retried, does not block the others, and
its notifications stay unsent until a later evaluation delivers them."""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pytest

from mmwatch.alerts.ledger import DELIVERIES, LEDGER
from mmwatch.alerts.service import run_alert_cycle

pytestmark = pytest.mark.e2e


def _cycle(warehouse, day, config, hhmm):
    """One alert cycle as the sensor runs it, as if the marts held data up to `hhmm`: the first of
    the day evaluates the whole day, later ones only what can have changed since the previous."""
    cycle = run_alert_cycle(warehouse, day, config, until=datetime.fromisoformat(f"{day}T{hhmm}:00+00:00"))
    return cycle.changes, cycle.delivery


def _ledger(warehouse, where="true"):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(f"select * from {LEDGER} where {where} order by opened_at, alert_id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_open_once_escalate_close_and_deliver(warehouse_copy, scenario_marts, channel_config, receivers, smtp_server):
    day = scenario_marts[1]["rules"]
    # 05:10: the 05:00-05:20 wide spread has fired (05:04, warning), the breach too (05:05)
    changes, report = _cycle(warehouse_copy, day, channel_config, "05:10")
    wide = [c for c in changes if c.episode.rule == "wide_spread" and c.episode.opened_at.hour == 5]
    assert [(c.event, c.severity) for c in wide] == [("open", "warning")]
    assert report.failed == 0
    slack_texts = [body["text"] for _, body in receivers["slack"].posts]
    assert any("FIRED warning wide_spread binance BTC/USDT" in t and "2026-11-20 05:04 UTC" in t for t in slack_texts)
    # the earlier alerts of the day were opened and closed in the same cycle: both notifications
    assert sum("RESOLVED" in t and "wide_spread" in t for t in slack_texts) == 1
    sent_before = (len(receivers["slack"].posts), len(smtp_server.messages), len(receivers["webhook"].posts))

    # the same batch again: nothing new recorded, nothing sent
    again, report = _cycle(warehouse_copy, day, channel_config, "05:10")
    assert again == [] and report.sent == 0
    assert (len(receivers["slack"].posts), len(smtp_server.messages), len(receivers["webhook"].posts)) == sent_before

    # 05:16: 15 minutes of wide spread -> critical; re-notified once, also to the critical-only webhook
    changes, _ = _cycle(warehouse_copy, day, channel_config, "05:16")
    assert ("escalate", "critical") in [(c.event, c.severity) for c in changes if c.episode.rule == "wide_spread"]
    hook = [body for _, body in receivers["webhook"].posts if body["rule"] == "wide_spread" and body["event"] == "escalate"]
    assert len(hook) == 1 and hook[0]["severity"] == "critical" and hook[0]["opened_at"].startswith("2026-11-20T05:04")

    # 05:30: cleared at 05:20 -> closed with a resolution message
    changes, _ = _cycle(warehouse_copy, day, channel_config, "05:30")
    closes = {c.episode.rule: c for c in changes if c.event == "close"}
    assert closes["wide_spread"].episode.closed_at == datetime(2026, 11, 20, 5, 20, tzinfo=timezone.utc)
    row = _ledger(warehouse_copy, "rule = 'wide_spread' and opened_at = timestamptz '2026-11-20 05:04:00+00'")[0]
    assert (row["status"], row["severity"], row["notified_severity"], row["delivery_pending"]) == \
        ("closed", "critical", "critical", False)
    assert row["closed_at"] == datetime(2026, 11, 20, 5, 20, tzinfo=timezone.utc)
    # email through the real SMTP server carries the same subject
    assert any(m["Subject"].startswith("[mmwatch] RESOLVED critical wide_spread") for m in smtp_server.messages)
    # the no-data alert went to the data route only (telegram), never to the market channels
    tg = [body for _, body in receivers["telegram"].posts]
    assert any("no_data" in b["text"] and "not a market-maker breach" in b["text"] for b in tg)
    assert all(b["chat_id"] == "42" for b in tg)
    assert not any("no_data" in body["text"] for _, body in receivers["slack"].posts)


def test_down_channel_is_retried_without_blocking_others(warehouse_copy, scenario_marts, channel_config, receivers):
    day = scenario_marts[1]["rules"]
    receivers["slack"].down = True
    changes, report = _cycle(warehouse_copy, day, channel_config, "01:08")
    assert report.failed_channels and set(report.failed_channels) == {"ops-slack"}
    assert receivers["slack"].refused == channel_config.delivery.attempts  # one message's retries, then it waits
    assert not any("no_data" in body["text"] for _, body in receivers["telegram"].posts)  # none before 04:04
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        statuses = dict(con.execute(f"select channel, list(distinct status) from {DELIVERIES} group by channel").fetchall())
    assert statuses["ops-slack"] == ["pending"] and statuses["ops-email"] == ["sent"]
    assert all(row["delivery_pending"] for row in _ledger(warehouse_copy))

    receivers["slack"].down = False
    again, report = _cycle(warehouse_copy, day, channel_config, "01:08")  # same batch: only the retry
    assert again == [] and report.failed == 0 and report.sent == len(receivers["slack"].posts) > 0
    assert not any(row["delivery_pending"] for row in _ledger(warehouse_copy))
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        owed = con.execute(f"select count(*) from {DELIVERIES} where channel = 'ops-slack'").fetchone()[0]
    assert owed == len(receivers["slack"].posts) == len({c.alert_id + c.event for c in changes if "ops-slack" in c.channels})


def test_cooldown_records_but_does_not_resend(warehouse_copy, scenario_marts, channel_config, receivers):
    """The 01:00 and 05:00 wide spreads are the same key four hours apart: with a 5 h cool-down the
    second is recorded but not sent; escalations are always sent."""
    from mmwatch.alerts.config import AlertsConfig

    config = AlertsConfig.model_validate({**channel_config.model_dump(), "cooldown_minutes": 300})
    day = scenario_marts[1]["rules"]
    _cycle(warehouse_copy, day, config, "02:00")
    wide = lambda: [b["text"] for _, b in receivers["slack"].posts if " wide_spread " in b["text"]]  # noqa: E731
    first = len(wide())
    _cycle(warehouse_copy, day, config, "05:10")
    assert len(wide()) == first == 2  # the 01:04 alert's open + close; the 05:04 one is recorded only
    assert len(_ledger(warehouse_copy, "rule = 'wide_spread'")) == 2
    _cycle(warehouse_copy, day, config, "05:16")
    assert len(wide()) == 3 and wide()[-1].startswith("[mmwatch] ESCALATED critical wide_spread")


def test_while_the_heartbeat_runs_the_marts_no_data_is_recorded_not_sent(warehouse_copy, scenario_marts,
                                                                          channel_config, receivers):
    """The heartbeat (mmwatch/alerts/heartbeat.py) sends no data live from the landing zone; the marts'
    evaluation of the same gap (04:04) only records it, so the data engineers hear of it once."""
    from mmwatch.alerts.config import AlertsConfig

    config = AlertsConfig.model_validate({**channel_config.model_dump(), "heartbeat": {"enabled": True}})
    day = scenario_marts[1]["rules"]
    changes, _ = _cycle(warehouse_copy, day, config, "05:10")
    no_data = [c for c in changes if c.episode.rule == "no_data"]
    assert no_data and all(c.channels == () for c in no_data)
    assert [row["rule"] for row in _ledger(warehouse_copy, "rule = 'no_data'")] == ["no_data"] * len(
        {c.alert_id for c in no_data})
    assert not any("no_data" in body["text"] for _, body in receivers["telegram"].posts)
    assert any("wide_spread" in body["text"] for _, body in receivers["slack"].posts)  # the others still go out
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        assert con.execute(f"select count(*) from {DELIVERIES} d join {LEDGER} l using (alert_id) "
                           "where l.rule = 'no_data'").fetchone()[0] == 0
