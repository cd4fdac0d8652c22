"""The groups file: validation messages name the file and the field; filters select obligations."""
from __future__ import annotations

import pytest

from mmwatch.errors import ConfigError
from mmwatch.report.compliance import ComplianceRow
from mmwatch.report.groups import load_groups


def _row(oid, mm, exchange, symbol):
    return ComplianceRow(mm, exchange, "spot", symbol, oid, "pass", 99.0, 99.0, 99.0, 100.0, 0, 0.0, 0,
                         10, 50, 25000, 90, 90)


def test_messages_name_file_and_field(tmp_path):
    path = tmp_path / "groups.yaml"
    path.write_text("schedule: {cron: '0 7 * *'}\ngroups:\n  - name: a b\n    recipients: [bob@]\n    timezone: Mars/Base\n"
                    "  - name: ok\n    filter: {venues: [binance]}\n")
    with pytest.raises(ConfigError) as error:
        load_groups(path, environ={})
    text = str(error.value)
    for expected in (f"{path}: schedule.cron: '0 7 * *' is not a cron string", f"{path}: groups[0].name: 'a b'",
                     f"{path}: groups[0].recipients: not email addresses: 'bob@'", f"{path}: groups[0].timezone: 'Mars/Base'",
                     f"{path}: groups[1].filter.venues: Extra inputs are not permitted"):
        assert expected in text
    path.write_text("groups:\n  - name: x\n  - name: x\n")
    with pytest.raises(ConfigError, match="repeated: x"):
        load_groups(path, environ={})
    with pytest.raises(ConfigError, match="missing.yaml: No such file.*set MMWATCH_REPORT_GROUPS"):
        load_groups(path.with_name("missing.yaml"), environ={})


def test_defaults_env_cron_and_filters(tmp_path):
    default = load_groups(environ={"MMWATCH_REPORT_GROUPS": ""})
    assert [g.name for g in default.groups] == ["all"] and default.groups[0].recipients == []
    path = tmp_path / "groups.yaml"
    path.write_text("groups:\n  - name: acme\n    recipients: [a@b.test]\n    filter: {mm_names: [Acme], exchanges: [binance, okx]}\n")
    config = load_groups(path, environ={"MMWATCH_REPORT_CRON": "30 6 * * 1-5"})
    assert config.schedule.cron == "30 6 * * 1-5" and config.schedule.timezone == "UTC"
    rows = [_row("1", "Acme", "binance", "BTC/USDT"), _row("2", "Acme", "gate", "BTC/USDT"), _row("3", "Orbit", "okx", "ETH/USDT")]
    assert [r.obligation_id for r in rows if config.groups[0].filter.matches(r)] == ["1"]
    with pytest.raises(ConfigError, match="MMWATCH_REPORT_CRON: 'every day'"):
        load_groups(path, environ={"MMWATCH_REPORT_CRON": "every day"})
