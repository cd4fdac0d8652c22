"""`mmwatch markets --exchange X --simulator URL` lists what a venue offers, for picking symbols."""
from __future__ import annotations

from typer.testing import CliRunner

from cli.app import app


def test_markets_lists_symbols_types_and_contract_sizes(venues_sim):
    result = CliRunner().invoke(app, ["markets", "--exchange", "kucoinfutures", "--simulator", venues_sim.url])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["BTC/USDT:USDT  swap  contract_size 0.001",
                                          "ETH/USDT:USDT  swap  contract_size 0.01",
                                          "SOL/USDT:USDT  swap  contract_size 0.1"]


def test_markets_of_an_unknown_exchange_names_the_supported_ids():
    result = CliRunner().invoke(app, ["markets", "--exchange", "binanse"])
    assert result.exit_code == 2
    assert "unknown exchange 'binanse'" in result.output and "kucoinfutures" in result.output
