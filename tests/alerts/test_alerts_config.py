"""The alerts config: spec defaults, per-market overrides, routing, and messages that name the file,
the field and the value."""
from __future__ import annotations

import pytest

from mmwatch.alerts.config import load_alerts_config, parse_alerts_config
from mmwatch.errors import ConfigError


def test_defaults_are_the_spec_values():
    rules = parse_alerts_config({}).rules
    assert (rules.wide_spread.max_spread_bps, rules.wide_spread.minutes) == (100, 5)
    assert (rules.dual_spread.window_snapshots, rules.dual_spread.min_snapshots, rules.dual_spread.reset_gap_s) == (300, 30, 120)
    assert (rules.imbalance.band_bps, rules.imbalance.max_abs_imbalance) == (200, 0.7)
    assert (rules.volume_spike.window_minutes, rules.volume_spike.factor, rules.volume_spike.trailing_hours) == (5, 3, 24)
    assert (rules.price_move.lookback_minutes, rules.price_move.max_move_pct, rules.no_data.minutes) == (60, 5, 5)


def test_market_override_merges_with_defaults():
    config = parse_alerts_config({"rules": {"wide_spread": {"minutes": 7}},
                                  "markets": [{"exchange": "okx", "symbol": "BTC/USDT", "rules": {"wide_spread": {"max_spread_bps": 40}}}]})
    own = config.rules_for("okx", "spot", "BTC/USDT").wide_spread
    assert (own.max_spread_bps, own.minutes) == (40, 7)
    assert config.rules_for("binance", "spot", "BTC/USDT").wide_spread.max_spread_bps == 100


def test_routes_pick_channels_by_rule_route_and_severity():
    config = parse_alerts_config({
        "channels": {"a": {"type": "slack", "webhook_url_env": "A"}, "b": {"type": "webhook", "url_env": "B"}},
        "routes": [{"route": "market", "channels": ["a"]}, {"severities": ["critical"], "channels": ["b", "a"]},
                   {"rules": ["no_data"], "channels": ["b"]}]})
    assert config.channels_for("wide_spread", "market", "warning") == ["a"]
    assert config.channels_for("wide_spread", "market", "critical") == ["a", "b"]
    assert config.channels_for("no_data", "data", "warning") == ["b"]


@pytest.mark.parametrize("data, words", [
    ({"rules": {"wide_spread": {"max_spread_bps": -3}}}, ["rules.wide_spread.max_spread_bps", "-3"]),
    ({"routes": [{"channels": ["nowhere"]}]}, ["routes[0].channels", "'nowhere'"]),
    ({"markets": [{"exchange": "x", "symbol": "A/B", "rules": {"wide_spreed": {}}}]}, ["markets[0]", "wide_spreed"]),
    ({"markets": [{"exchange": "x", "symbol": "A/B", "rules": {"imbalance": {"band_bps": 75}}}]}, ["markets[0].rules.imbalance.band_bps", "75"]),
    ({"channels": {"t": {"type": "telegram", "chat_id": "1"}}}, ["channels.t.telegram.bot_token_env"]),
])
def test_bad_values_are_named(data, words):
    with pytest.raises(ConfigError) as error:
        parse_alerts_config(data, "alerts.yaml")
    for word in ["alerts.yaml", *words]:
        assert word in str(error.value)


def test_file_errors(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="does not exist"):
        load_alerts_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_alerts_config(bad)
    monkeypatch.delenv("MMWATCH_ALERTS_CONFIG", raising=False)
    assert load_alerts_config().channels == {}


def test_shipped_example_config_is_valid():
    from pathlib import Path

    config = load_alerts_config(Path(__file__).resolve().parents[2] / "config" / "alerts.yaml")
    assert config.channels and config.channels_for("no_data", "data", "warning")
