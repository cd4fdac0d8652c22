"""Collection config for streaming: mode, sample_every_ms, stall_after_s, fallback_after_s,
simulator_ws_url; the errors name the file, the key and the bad value."""
from __future__ import annotations

import pytest

from mmwatch.config import load_config, parse_config
from mmwatch.errors import ConfigError


def write(tmp_path, venue_lines: str):
    path = tmp_path / "streams.yaml"
    path.write_text("exchanges:\n  binance:\n    markets: [BTC/USDT]\n" + venue_lines)
    return path


def test_defaults_poll_and_stream_settings():
    venue = parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT"]}}}).exchanges["binance"]
    assert (venue.mode, venue.streams, venue.sample_every_ms, venue.stall_after_s, venue.fallback_after_s) == (
        "poll", False, 1000, 5.0, 30.0)


def test_stream_venue_read_from_a_file(tmp_path):
    path = write(tmp_path, "    mode: stream\n    sample_every_ms: 100\n    stall_after_s: 2.5\n"
                           "    fallback_after_s: 10\n    simulator_ws_url: ws://127.0.0.1:9000/\n")
    venue = load_config(path).exchanges["binance"]
    assert (venue.mode, venue.streams, venue.sample_every_ms, venue.stall_after_s, venue.fallback_after_s,
            venue.simulator_ws_url) == ("stream", True, 100, 2.5, 10.0, "ws://127.0.0.1:9000")


@pytest.mark.parametrize("line,problem", [
    ("sample_every_ms: 99", "exchanges.binance.sample_every_ms = 99: sample_every_ms must be whole milliseconds "
                            "from 100 to 3600000 (how often each streamed book is sampled)"),
    ("sample_every_ms: 250.5", "exchanges.binance.sample_every_ms = 250.5: sample_every_ms must be whole "
                               "milliseconds from 100 to 3600000 (how often each streamed book is sampled)"),
    ("mode: websocket", "exchanges.binance.mode = 'websocket': mode must be one of poll, stream "
                        "(poll: REST, stream: WebSocket)"),
    ("stall_after_s: 0", "exchanges.binance.stall_after_s = 0: stall_after_s must be seconds in (0, 3600]"),
    ("fallback_after_s: -1", "exchanges.binance.fallback_after_s = -1: fallback_after_s must be seconds in (0, 3600]"),
    ("simulator_ws_url: http://127.0.0.1:9000", "exchanges.binance.simulator_ws_url = 'http://127.0.0.1:9000': "
                                                "simulator_ws_url must start with ws:// or wss://, got "
                                                "'http://127.0.0.1:9000'"),
])
def test_bad_stream_settings_name_file_key_and_value(tmp_path, line, problem):
    path = write(tmp_path, f"    {line}\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == f"{path}: invalid collection config:\n  {problem}"


def test_top_level_ws_url_is_checked_too():
    with pytest.raises(ConfigError, match=r"simulator_ws_url = 'localhost:1': simulator_ws_url must start with ws://"):
        parse_config({"simulator_ws_url": "localhost:1", "exchanges": {"binance": {"markets": ["BTC/USDT"]}}})
