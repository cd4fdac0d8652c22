"""The report email through Dagster's declared automation: report_automation requests yesterday's
report at the groups file's cron once the day close has rebuilt its marts (ticks of the real sensor,
tests/automation_ticks.py), and the run sends it: a real SMTP server on loopback receives the email,
whose verdicts, uptimes, CSV rows, inline images and PDF are checked against fct_mm_compliance_daily."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import pytest
from email_checks import (assert_images_referenced_and_present, csv_by_obligation, daily_rows, parts, pdf_text,
                          table_row)

from automation_ticks import Daemon
from mmwatch.mail.loopback import LoopbackSmtp
from mmwatch.report.ledger import LEDGER_FILE, ReportLedger
from report_day import ODD_NAME

GROUPS = """schedule: {cron: "0 7 * * *", timezone: UTC}
groups:
  - name: listing-desk
    recipients: [desk@exchange.test, ops@exchange.test]
    timezone: Europe/Berlin
    filter: {exchanges: [binance]}
  - name: nobody
    recipients: [fund@fund.test]
    filter: {mm_names: [No Such MM]}
"""


def _at(day: str, hour: int, minute: int) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=timezone.utc)


def _requested(daemon: Daemon, when: datetime) -> list[str]:
    return [r.partition_key for r in daemon.requests("report_automation", when)]


def _closed(instance: dg.DagsterInstance, day: str) -> None:
    """What the day close of `day` leaves: each mart the report reads materialized for the day."""
    from assets.report.email import REPORT_MARTS

    for mart in REPORT_MARTS:
        instance.report_runless_asset_event(dg.AssetMaterialization(mart, partition=day))


def test_report_due_waits_for_the_day_close_and_goes_once_at_its_cron(defs):
    instance = dg.DagsterInstance.ephemeral()
    daemon = Daemon(defs, instance, "unused")
    day, next_day = "2026-11-20", "2026-11-21"
    assert _requested(daemon, _at(next_day, 0, 10)) == []  # first tick: state only
    assert _requested(daemon, _at(next_day, 0, 20)) == []  # the day close ticked at 00:15; its run goes on
    marts_run = instance.create_run_for_job(  # the day close, still running at the report's hour
        defs.resolve_job_def("daily_marts_job"), tags={"dagster/partition": day}, status=dg.DagsterRunStatus.STARTED)
    assert _requested(daemon, _at(next_day, 7, 0)) == []  # 07:00: yesterday's marts are not complete
    _closed(instance, day)
    instance.report_run_failed(instance.get_run_by_id(marts_run.run_id))  # (here: ended; its marts are recorded)
    assert _requested(daemon, _at(next_day, 7, 40)) == [day]  # sent when they complete, not a day later
    assert _requested(daemon, _at(next_day, 7, 41)) == []  # once
    # a day without data: its marts never built, no report
    assert _requested(daemon, _at("2026-11-22", 0, 20)) == []
    assert _requested(daemon, _at("2026-11-22", 7, 1)) == []
    # the next day, closed at 00:15, goes at 07:00 sharp
    assert _requested(daemon, _at("2026-11-23", 0, 20)) == []
    _closed(instance, "2026-11-22")
    assert _requested(daemon, _at("2026-11-23", 6, 59)) == []
    assert _requested(daemon, _at("2026-11-23", 7, 0)) == ["2026-11-22"]


@pytest.fixture
def defs(dbt_manifest):
    from pipelines.definitions import defs as location

    return location


def test_the_requested_report_run_sends_the_report(built_day, defs, monkeypatch, tmp_path):
    groups_file = tmp_path / "groups.yaml"
    groups_file.write_text(GROUPS)
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(built_day.layout.root))
    monkeypatch.setenv("MMWATCH_REPORT_GROUPS", str(groups_file))

    day, expected = built_day.day, daily_rows(built_day.warehouse, built_day.day)
    assert {r["verdict"] for r in expected.values()} == {"pass", "fail", "insufficient_data"}
    assert [oid for oid, r in expected.items() if not r["market_has_data"]] == ["ob-uncollected"]
    instance = built_day.instance
    daemon = Daemon(defs, instance, str(built_day.layout.root), sensors=("report_automation",))
    next_day = "2026-11-21"
    assert _requested(daemon, _at(next_day, 0, 10)) == [] and _requested(daemon, _at(next_day, 0, 20)) == []
    _closed(instance, day)
    (request,) = daemon.requests("report_automation", _at(next_day, 7, 0))
    assert request.partition_key == day
    with LoopbackSmtp() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        result = daemon.execute("report_automation", request).result
        assert result.success
        assert len(server.received) == 1  # the empty group is not sent
        received = server.received[0]
        assert sorted(received.rcpt_tos) == ["desk@exchange.test", "ops@exchange.test"]
        message = received.parsed()
        counts = {v: sum(r["verdict"] == v for r in expected.values()) for v in ("pass", "fail", "insufficient_data")}
        assert message["Subject"] == (f"MM compliance {day} — listing-desk: {counts['pass']} passed, "
                                      f"{counts['fail']} failed, {counts['insufficient_data']} insufficient data")
        found = parts(message)
        rows = csv_by_obligation(found["csv"])
        assert set(rows) == set(expected)
        pdf = pdf_text(found["pdf"])
        assert "Market maker" in pdf and "Coverage" in pdf
        for oid, want in expected.items():
            html_row, csv_row = table_row(found["html"], oid), rows[oid]
            assert csv_row["verdict"] == want["verdict"]
            assert csv_row["coverage_pct"] == repr(want["coverage_pct"])
            assert int(csv_row["breach_episodes"]) == want["breach_episodes"]
            assert csv_row["market_has_data"] == str(want["market_has_data"]).lower()
            if not want["market_has_data"]:  # never collected: said so, the verdict stays insufficient_data
                assert want["verdict"] == "insufficient_data" and want["coverage_pct"] == 0
                note = f"no data collected for this market (no order book of binance {want['symbol']} (spot) has ever landed)"
                assert f"insufficient data: {note}, no verdict" in html_row
                assert f"verdict: insufficient data: {note}, no verdict" in found["text"]
                assert csv_row["verdict_note"] == note
                assert "insufficient data: no data collected for this market" in " ".join(pdf.split())
            elif want["verdict"] == "insufficient_data":
                assert f"insufficient data: coverage {want['coverage_pct']:.2f} %" in html_row
                assert "insufficient data" in found["text"]
                assert csv_row["verdict_note"].startswith("coverage ")
            else:
                assert f'class="{want["verdict"]}">' in html_row
                assert f"{want['uptime_pct']:.2f} %" in html_row and f"{want['uptime_pct']:.2f} %" in pdf
                assert float(csv_row["uptime_pct"]) == want["uptime_pct"]
        assert ODD_NAME not in found["html"] and "Orbit &lt;Markets&gt; &amp; Co" in found["html"]
        assert ODD_NAME in pdf and ODD_NAME in found["text"]
        failing = [oid for oid, r in expected.items() if r["verdict"] == "fail"]
        # uptime by day + per failing obligation its timeline, the day's heat map and depth by band
        assert sorted(found["images"]) == sorted(["uptime-by-day@mmwatch"] + [
            f"{kind}-{n:02d}@mmwatch" for n in range(1, len(failing) + 1) for kind in ("timeline", "heatmap", "depth-bands")])
        assert_images_referenced_and_present(found["html"], found["images"])

        folder = built_day.layout.reports / day
        for group in ("listing-desk", "nobody"):  # files are written for the empty group too
            assert {p.suffix for p in (folder / group).iterdir()} >= {".html", ".txt", ".csv", ".pdf", ".eml"}
        ledger = ReportLedger(built_day.layout.reports / LEDGER_FILE)
        sent = ledger.sent(day)
        assert [(s.group_name, s.message_id) for s in sent] == [("listing-desk", message["Message-ID"])]

        # a re-run (or a retried run) never sends twice
        assert daemon.execute("report_automation", request).result.success and len(server.received) == 1
