"""`mmwatch config check` reads the streaming settings: the collection-config line names the venues in
mode stream and their sampling; a bad stream setting is a FAIL naming the file, key and value."""
from __future__ import annotations

from typer.testing import CliRunner

from mmwatch.environment import SETTINGS


def _collection_line(tmp_path, venue_lines: str) -> str:
    from cli.app import app

    path = tmp_path / "collect.yaml"
    path.write_text("exchanges:\n  binance:\n    markets: [BTC/USDT, ETH/USDT]\n" + venue_lines
                    + "  okx:\n    markets: [BTC/USDT]\n")
    env = {setting.name: "" for setting in SETTINGS}
    env.update({"MMWATCH_CONFIG": str(path), "MMWATCH_DATA_DIR": str(tmp_path / "data")})
    output = CliRunner().invoke(app, ["config", "check"], env=env).output
    found = [line for line in output.splitlines() if "collection config" in line]
    assert len(found) == 1, output
    return found[0]


def test_streaming_venues_are_named_with_their_sampling(tmp_path):
    line = _collection_line(tmp_path, "    mode: stream\n    sample_every_ms: 250\n")
    assert line.startswith("ok    collection config")
    assert line.endswith("collect.yaml: 2 venues, 3 markets; streaming: binance (sampled every 250 ms)")


def test_a_bad_stream_setting_fails_the_check(tmp_path):
    line = _collection_line(tmp_path, "    mode: stream\n    sample_every_ms: 20\n")
    assert line.startswith("FAIL  collection config")
    assert "collect.yaml: invalid collection config:" in line
    assert "exchanges.binance.sample_every_ms = 20: sample_every_ms must be whole milliseconds from 100" in line
