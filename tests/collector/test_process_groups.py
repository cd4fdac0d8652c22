"""Venues split between collector processes by expected load (mmwatch.collector.process_groups)."""
from __future__ import annotations

import pytest

from mmwatch.collector.process_groups import only_venues, venue_groups, venue_load
from mmwatch.config import CollectionConfig
from mmwatch.errors import ConfigError

VENUES = ["binance", "binancecoinm", "binanceusdm", "bitget", "bybit", "gate", "kucoin", "kucoinfutures", "okx"]


def _config(processes: int = 1, **modes: str) -> CollectionConfig:
    return CollectionConfig(processes=processes, exchanges={
        venue: {"markets": [f"C{i}/USDT" for i in range(22)], "mode": modes.get(venue, "stream")} for venue in VENUES})


def test_the_per_level_venue_gets_a_process_of_its_own():
    groups = venue_groups(_config(2))
    assert groups == [["kucoinfutures"], sorted(set(VENUES) - {"kucoinfutures"})]
    three = venue_groups(_config(3))
    assert three[0] == ["kucoinfutures"] and sorted(len(g) for g in three[1:]) == [4, 4]


def test_every_venue_in_exactly_one_process_and_never_an_empty_one():
    for processes in (1, 2, 4, 9, 16):
        groups = venue_groups(_config(), processes)
        assert len(groups) == min(processes, len(VENUES))
        assert sorted(v for g in groups for v in g) == VENUES and all(groups)


def test_polled_markets_weigh_less_than_streamed_ones():
    config = _config(kucoinfutures="poll", binance="poll")
    assert venue_load(config, "binance") == pytest.approx(2.2)
    assert venue_load(config, "okx") == 22
    assert venue_load(_config(), "kucoinfutures") == 22 * 200  # 100 levels a side, a message each
    # seven streamed venues (22 each) dealt heaviest first, then the two polled ones (2.2 each) to the lighter
    assert venue_groups(config, 2) == [["binancecoinm", "bitget", "gate", "okx"],
                                       ["binance", "binanceusdm", "bybit", "kucoin", "kucoinfutures"]]


def test_only_venues_keeps_the_named_ones_and_names_an_unknown_one():
    config = only_venues(_config(2), ["okx", "gate"])
    assert list(config.exchanges) == ["okx", "gate"] and config.processes == 1
    with pytest.raises(ConfigError, match="'?huobi'?.*not in the config's exchanges"):
        only_venues(_config(), ["okx", "huobi"])
