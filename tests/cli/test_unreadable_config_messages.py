"""Config files that are not text and a malformed MMWATCH_ANALYTICS_DSN (issue 15): one line naming
the file or the variable and what is expected, no UnicodeDecodeError or psycopg traceback."""
from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from mmwatch.errors import ConfigError

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xfe"  # an image saved under the config's name


def _one_error_line(result, *fragments: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, UnicodeDecodeError)
    lines = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def binary(tmp_path):
    def make(name: str):
        path = tmp_path / name
        path.write_bytes(BINARY)
        return path
    return make


def test_a_binary_collection_config(binary, tmp_path):
    path = binary("collect.yaml")
    result = CliRunner().invoke(app, ["collect", "--config", str(path), "--data-dir", str(tmp_path / "data")])
    _one_error_line(result, str(path), "not UTF-8 text (byte 0x89 at offset 0", "saved as UTF-8")


def test_a_binary_alerts_config(binary, tmp_path):
    path = binary("alerts.yaml")
    result = CliRunner().invoke(app, ["alerts", "test-channel", "ops", "--config", str(path)])
    _one_error_line(result, f"alerts config alerts.yaml ({path}): not UTF-8 text")


def test_a_binary_obligations_csv(binary):
    path = binary("obligations.csv")
    result = CliRunner().invoke(app, ["obligations", "check", str(path)])
    _one_error_line(result, f"obligations file {path} is not UTF-8 text")


def test_a_binary_report_groups_file(binary, tmp_path):
    path = binary("groups.yaml")
    result = CliRunner().invoke(app, ["report", "--date", "2026-11-20", "--groups", str(path),
                                      "--data-dir", str(tmp_path / "data")])
    _one_error_line(result, f"report groups file {path}: not UTF-8 text")


@pytest.mark.parametrize("dsn, says", [
    ("garbage", "neither a postgresql:// URL nor key=value pairs"),
    ("postgresql://reader:s3cret@127.0.0.1:fivefourthreetwo/postgres", "port 'fivefourthreetwo' is not a number"),
    ("mysql://reader:s3cret@127.0.0.1/analytics", "scheme 'mysql://' is not postgresql://"),
])
def test_a_malformed_analytics_dsn_is_one_line_naming_the_variable(dsn, says, tmp_path):
    from mmwatch.serving.publish import publish_marts

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(ConfigError) as refused:
        publish_marts(warehouse, dsn, [], "2026-11-20")
    message = str(refused.value)
    assert message.startswith("MMWATCH_ANALYTICS_DSN is malformed: ") and says in message
    assert "postgresql://USER:PASSWORD@HOST:5432/postgres" in message and "\n" not in message
    assert "s3cret" not in message  # the password is never repeated
    checked = CliRunner().invoke(app, ["config", "check"], env={"MMWATCH_ANALYTICS_DSN": dsn,
                                                                "MMWATCH_DATA_DIR": str(tmp_path)})
    (line,) = [line for line in checked.output.splitlines() if "PostgreSQL analytics" in line]
    assert line.startswith("FAIL") and "MMWATCH_ANALYTICS_DSN is malformed" in line and says in line
    assert "Traceback" not in checked.output and "s3cret" not in checked.output
