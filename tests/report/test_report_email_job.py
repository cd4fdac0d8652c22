"""The scheduled report job through Dagster: a real SMTP server on loopback receives the email, whose
verdicts, uptimes, CSV rows, inline images and PDF are checked against fct_mm_compliance_daily."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import pytest
from email_checks import (assert_images_referenced_and_present, csv_by_obligation, daily_rows, parts, pdf_text,
                          table_row)

from mmwatch.mail.loopback import LoopbackSmtp
from mmwatch.report.ledger import LEDGER_FILE, ReportLedger
from report_day import ODD_NAME, landing_factory

TICK = datetime(2026, 11, 21, 7, 0, tzinfo=timezone.utc)  # reports 2026-11-20, the built day
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


def _tick(defs, instance, when):
    from resources.data_dir import DataDirResource

    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when,
                                        resources={"data_dir": DataDirResource()},
                                        repository_def=defs.get_repository_def())
    return defs.get_schedule_def("daily_report_schedule").evaluate_tick(context)


def _run(defs, instance, request):
    return defs.resolve_job_def("report_email_job").execute_in_process(
        instance=instance, partition_key=request.partition_key, tags=request.tags, raise_on_error=False)


def test_scheduled_job_sends_the_report(built_day, monkeypatch, tmp_path):
    groups_file = tmp_path / "groups.yaml"
    groups_file.write_text(GROUPS)
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(built_day.layout.root))
    monkeypatch.setenv("MMWATCH_REPORT_GROUPS", str(groups_file))
    from pipelines.definitions import defs

    day, expected = built_day.day, daily_rows(built_day.warehouse, built_day.day)
    assert {r["verdict"] for r in expected.values()} == {"pass", "fail", "insufficient_data"}
    assert [oid for oid, r in expected.items() if not r["market_has_data"]] == ["ob-uncollected"]
    instance = built_day.instance
    with LoopbackSmtp() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        # a day without data: a clear skip
        skipped = _tick(defs, instance, datetime(2026, 11, 23, 7, tzinfo=timezone.utc))
        assert not skipped.run_requests and "no order-book landing data for 2026-11-22" in skipped.skip_message

        requests = _tick(defs, instance, TICK).run_requests
        assert [r.partition_key for r in requests] == [day]
        result = _run(defs, instance, requests[0])
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
        assert len(found["images"]) == 1 + len(failing)  # uptime by day + one timeline per failing obligation
        assert_images_referenced_and_present(found["html"], found["images"])

        folder = built_day.layout.reports / day
        for group in ("listing-desk", "nobody"):  # files are written for the empty group too
            assert {p.suffix for p in (folder / group).iterdir()} >= {".html", ".txt", ".csv", ".pdf", ".eml"}
        ledger = ReportLedger(built_day.layout.reports / LEDGER_FILE)
        sent = ledger.sent(day)
        assert [(s.group_name, s.message_id) for s in sent] == [("listing-desk", message["Message-ID"])]

        # a re-run (or a retried run) never sends twice
        assert _run(defs, instance, requests[0]).success and len(server.received) == 1

        # a landing file newer than the raw partition: the day is not complete any more
        from mmwatch.landing.zone import write_landing
        lf = landing_factory()
        write_landing(built_day.layout, "orderbooks", day, "binance",
                      lf.books_frame([lf.book(86_000_000, lf.levels((99, 1)), lf.levels((101, 1)))]), "collector")
        late = _tick(defs, instance, TICK)
        assert not late.run_requests and f"raw_orderbooks {day}|binance is incomplete" in late.skip_message
