"""The `mmwatch` command line: every subcommand has help, and bad input gives a clear message
and exit status 2 (no traceback)."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.app import app

COMMANDS = ["collect", "record", "import", "markets", "simulate-day", "build", "report", "demo",
            "simulator serve", "simulator truth"]
runner = CliRunner()


def _run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def test_top_level_help_lists_every_command():
    result = _run("--help")
    assert result.exit_code == 0
    for command in ("collect", "record", "import", "markets", "simulate-day", "build", "report", "demo", "simulator"):
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_prints_help(command):
    result = _run(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and "--help" in result.output


def _fails_clearly(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


def test_collect_missing_config_file(tmp_path):
    _fails_clearly(_run("collect", "--config", str(tmp_path / "nope.yaml")), "nope.yaml")


def test_collect_unknown_exchange_lists_the_supported_ones(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("exchanges:\n  binanse:\n    markets: [BTC/USDT]\n")
    _fails_clearly(_run("collect", "--config", str(config)), "binanse", "binance", "okx")


def test_collect_unknown_symbol_names_the_closest(tmp_path):
    from simulator.process import SimulatorThread

    config = tmp_path / "typo.yaml"
    config.write_text("exchanges:\n  binance:\n    markets: [BTC/USDX]\n")
    with SimulatorThread("scenarios/smoke.yaml") as simulator:
        result = _run("collect", "--config", str(config), "--simulator", simulator.url, "--duration", "1",
                      "--data-dir", str(tmp_path / "data"))
    _fails_clearly(result, "BTC/USDX", "BTC/USDT")


def test_import_missing_file(tmp_path):
    _fails_clearly(_run("import", str(tmp_path / "gone.jsonl"), "--data-dir", str(tmp_path)), "gone.jsonl")


def test_import_refuses_a_file_that_is_not_json_lines(tmp_path):
    csv = tmp_path / "prices.jsonl"
    csv.write_text("ts,price\n1,2\n3,4\n")
    _fails_clearly(_run("import", str(csv), "--data-dir", str(tmp_path)), "prices.jsonl")


def test_build_rejects_a_bad_date(tmp_path):
    _fails_clearly(_run("build", "--date", "2026-13-01", "--data-dir", str(tmp_path)), "2026-13-01")


def test_build_without_landing_data_says_where_it_looked(tmp_path):
    _fails_clearly(_run("build", "--date", "2026-11-20", "--data-dir", str(tmp_path)),
                   "no landing data for 2026-11-20", "mmwatch import")


def test_simulator_missing_scenario(tmp_path):
    _fails_clearly(_run("simulator", "serve", "--scenario", str(tmp_path / "none.yaml")), "none.yaml")


def test_simulate_day_missing_scenario(tmp_path):
    _fails_clearly(_run("simulate-day", "--scenario", str(tmp_path / "none.yaml"), "--data-dir", str(tmp_path)),
                   "none.yaml")
