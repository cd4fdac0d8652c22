"""SMTP down for the fault day's report, through the report_email asset (the run the automation starts).
tests/report/test_report_delivery_failures.py covers run_reports and the CLI with the server down, a
wrong password and an empty group; here: the Dagster run fails naming the server and the retried run
sends once, and a server that goes away in the middle of the conversation (421 to DATA) counts as not sent."""
from __future__ import annotations

import shutil

import dagster as dg
import pytest

from fault_day import DAY
from mmwatch.mail.loopback import LoopbackSmtp
from mmwatch.ports import free_port
from mmwatch.report.ledger import LEDGER_FILE, ReportLedger
from mmwatch.settings import DataDir

pytestmark = pytest.mark.e2e
GROUPS = "groups:\n  - name: desk\n    recipients: [desk@exchange.test, ops@exchange.test]\n"


class _ShuttingDown:
    """An SMTP server that greets, takes the envelope, then answers DATA with 421 (going down)."""

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        return "421 4.3.2 Service shutting down, closing transmission channel"


@pytest.fixture
def report(fault_day_built, tmp_path, monkeypatch):
    """report(smtp_env) runs report_email for the fault day on a copy of its warehouse: (success, the
    failure's description or None); `.layout` is the copy's data directory."""
    from assets.report.email import report_email
    from resources.data_dir import DataDirResource
    from resources.smtp import SmtpResource

    layout = DataDir(tmp_path / "data")
    layout.root.mkdir()
    shutil.copy(fault_day_built.data.warehouse, layout.warehouse)
    groups = tmp_path / "groups.yaml"
    groups.write_text(GROUPS)

    def run(smtp_env: dict[str, str]):
        for key, value in smtp_env.items():
            monkeypatch.setenv(key, value)
        result = dg.materialize(
            [report_email], partition_key=DAY, raise_on_error=False, instance=dg.DagsterInstance.ephemeral(),
            resources={"data_dir": DataDirResource(path=str(layout.root)), "smtp": SmtpResource()},
            run_config={"ops": {"report_email": {"config": {"groups_file": str(groups)}}}})
        if result.success:
            return True, None
        failure = result.failure_data_for_node("report_email")
        return False, failure.user_failure_data.description

    run.layout = layout
    return run


def _sent(layout: DataDir) -> list:
    return ReportLedger(layout.reports / LEDGER_FILE).sent(DAY)


def test_the_report_run_fails_naming_the_server_then_the_retry_sends_once(report):
    port = free_port()  # nothing listens there
    ok, description = report({"MMWATCH_SMTP_HOST": "127.0.0.1", "MMWATCH_SMTP_PORT": str(port),
                               "MMWATCH_SMTP_TIMEOUT_S": "5"})
    assert not ok and "\n" not in description
    assert description.startswith(f"group desk: not sent (cannot send through 127.0.0.1:{port} (none): ")
    assert "next run will retry" in description
    folder = report.layout.reports / DAY / "desk"
    assert {p.suffix for p in folder.iterdir()} >= {".html", ".pdf", ".csv", ".eml", ".txt"}  # kept for a resend
    assert _sent(report.layout) == []
    with LoopbackSmtp() as server:
        ok, _ = report(server.env())
        assert ok and len(server.received) == 1
        assert sorted(server.received[0].rcpt_tos) == ["desk@exchange.test", "ops@exchange.test"]
        ok, _ = report(server.env())  # run again (a retry of a run that did send): nothing more
        assert ok and len(server.received) == 1
    assert [entry.group_name for entry in _sent(report.layout)] == ["desk"]


def test_a_server_going_away_mid_conversation_is_not_sent(report):
    from aiosmtpd.controller import Controller

    port = free_port()
    going = Controller(_ShuttingDown(), hostname="127.0.0.1", port=port)
    going.start()
    try:
        ok, description = report({"MMWATCH_SMTP_HOST": "127.0.0.1", "MMWATCH_SMTP_PORT": str(port),
                                  "MMWATCH_SMTP_TIMEOUT_S": "5"})
    finally:
        going.stop()
    assert not ok and "\n" not in description
    assert f"cannot send through 127.0.0.1:{port} (none): SMTPDataError: (421" in description
    assert _sent(report.layout) == []
    with LoopbackSmtp() as server:
        ok, _ = report(server.env())
        assert ok and len(server.received) == 1
    assert len(_sent(report.layout)) == 1
