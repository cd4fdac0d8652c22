"""SMTP down, wrong password, empty group: a clear error or warning, the files still written, no send
in the ledger, and the next run sends; re-runs never send twice unless forced. Also the CLI."""
from __future__ import annotations

from typer.testing import CliRunner

from cli.app import app
from mmwatch.mail import SmtpSettings
from mmwatch.mail.loopback import LoopbackSmtp
from mmwatch.ports import free_port
from mmwatch.report.delivery import ALREADY_SENT, FAILED, NOT_SENT, SENT, run_reports
from mmwatch.report.groups import ReportGroup
from mmwatch.report.ledger import ReportLedger

DESK = ReportGroup(name="desk", recipients=["desk@exchange.test"])
EMPTY = ReportGroup(name="empty", recipients=["fund@fund.test"], filter={"mm_names": ["No Such MM"]})


def _run(warehouse, day, tmp_path, settings, **kwargs):
    return run_reports(warehouse, day, [DESK, EMPTY], tmp_path / "out", ReportLedger(tmp_path / "sent.sqlite3"),
                       send=True, settings=settings, **kwargs)


def _files(outcome) -> set[str]:
    return {p.suffix for p in outcome.folder.iterdir()}


def test_smtp_down_then_up(built_day, warehouse_copy, tmp_path):
    down = SmtpSettings.from_env({"MMWATCH_SMTP_PORT": str(free_port()), "MMWATCH_SMTP_TIMEOUT_S": "5"})
    desk, empty = _run(warehouse_copy, built_day.day, tmp_path, down)
    assert desk.status == FAILED and "cannot send through 127.0.0.1" in desk.detail and "next run will retry" in desk.detail
    assert _files(desk) >= {".html", ".pdf", ".csv", ".eml", ".txt"}
    assert empty.status == NOT_SENT and "no obligation" in empty.warnings[0] and _files(empty) >= {".html", ".pdf"}
    ledger = ReportLedger(tmp_path / "sent.sqlite3")
    assert ledger.sent(built_day.day) == []
    with LoopbackSmtp() as server:
        settings = SmtpSettings.from_env(server.env())
        desk, _ = _run(warehouse_copy, built_day.day, tmp_path, settings)
        assert desk.status == SENT and len(server.received) == 1
        again, _ = _run(warehouse_copy, built_day.day, tmp_path, settings)
        assert again.status == ALREADY_SENT and len(server.received) == 1
        forced, _ = _run(warehouse_copy, built_day.day, tmp_path, settings, force=True)
        assert forced.status == SENT and len(server.received) == 2
    sent = ledger.sent(built_day.day)
    assert [s.group_name for s in sent] == ["desk", "desk"] and [s.forced for s in sent] == [False, True]
    assert sent[0].content_hash == sent[1].content_hash  # same marts, same content


def test_wrong_password_then_right(built_day, warehouse_copy, tmp_path):
    with LoopbackSmtp(login=("reports", "right-secret")) as server:
        wrong = SmtpSettings.from_env(server.env(MMWATCH_SMTP_USER="reports", MMWATCH_SMTP_PASSWORD="wrong"))
        desk, _ = _run(warehouse_copy, built_day.day, tmp_path, wrong)
        assert desk.status == FAILED and "login as 'reports' refused" in desk.detail and "MMWATCH_SMTP_USER/PASSWORD" in desk.detail
        assert server.received == [] and ReportLedger(tmp_path / "sent.sqlite3").sent(built_day.day) == []
        right = SmtpSettings.from_env(server.env(MMWATCH_SMTP_USER="reports", MMWATCH_SMTP_PASSWORD="right-secret"))
        desk, _ = _run(warehouse_copy, built_day.day, tmp_path, right)
        assert desk.status == SENT and len(server.received) == 1


def test_cli_send_failure_exits_2_and_writes_files(built_day, warehouse_copy, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    warehouse_copy.rename(data / "warehouse.duckdb")
    groups = tmp_path / "groups.yaml"
    groups.write_text("groups:\n  - name: desk\n    recipients: [desk@exchange.test]\n")
    env = {"MMWATCH_DATA_DIR": str(data), "MMWATCH_REPORT_GROUPS": str(groups),
           "MMWATCH_SMTP_PORT": str(free_port()), "MMWATCH_SMTP_TIMEOUT_S": "5"}
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--date", built_day.day, "--send"], env=env)
    assert result.exit_code == 2 and "group desk: not sent (cannot send through" in result.output
    folder = data / "reports" / built_day.day / "desk"
    assert (folder / f"compliance-{built_day.day}-desk.pdf").read_bytes().startswith(b"%PDF")
    result = runner.invoke(app, ["report", "--date", built_day.day, "--dry-run"], env=env)
    assert result.exit_code == 0 and "would send to desk@exchange.test" in result.output
    result = runner.invoke(app, ["report", "--date", "2026-13-01"], env=env)
    assert result.exit_code == 2 and "does not exist in the calendar" in result.output
    result = runner.invoke(app, ["report", "--date", built_day.day, "--group", "nope"], env=env)
    assert result.exit_code == 2 and "no report group 'nope'" in result.output and "groups: desk" in result.output
