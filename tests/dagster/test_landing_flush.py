"""The collector's landing_flush_s: shorter landing windows for freshness, one file a minute by default."""
from __future__ import annotations

import polars as pl
import pytest

from landing_factory import DAY, book, levels
from mmwatch.collector.sinks import LandingSink
from mmwatch.config import parse_config
from mmwatch.errors import ConfigError
from mmwatch.landing.zone import list_landing


def _book_at(second: float) -> dict:
    return book(int(second * 1000), levels((99, 1)), levels((101, 1)), received_delay_ms=0)


def _rows_per_file(data_dir) -> list[list[int]]:
    """received_ts (s after midnight) of each landing file's rows, files in arrival order."""
    files = list_landing(data_dir, "orderbooks", DAY)
    start = pl.read_parquet(files[0].path)["received_ts"].min() // 1000 if files else 0
    return [sorted((pl.read_parquet(f.path)["received_ts"] // 1000 - start).to_list()) for f in files]


def test_short_windows_land_as_soon_as_a_later_row_arrives(data_dir):
    sink = LandingSink(data_dir, background=False, flush_s=15)
    for second in (0, 5, 14):
        sink.add("orderbooks", _book_at(second))
    assert sink.files == []
    sink.add("orderbooks", _book_at(16))  # first row of the next 15 s window: the first one lands
    assert _rows_per_file(data_dir) == [[0, 5, 14]]
    sink.add("orderbooks", _book_at(31))
    sink.close()
    assert _rows_per_file(data_dir) == [[0, 5, 14], [16], [31]]
    assert sink.rows["orderbooks"] == 5


def test_default_is_one_file_per_minute_at_the_tick(data_dir):
    sink = LandingSink(data_dir, background=False)
    for second in (0, 20, 59, 61):
        sink.add("orderbooks", _book_at(second))
    assert sink.files == []  # nothing before the collector's minute tick
    sink.tick(_book_at(61)["received_ts"])
    assert _rows_per_file(data_dir) == [[0, 20, 59]]
    sink.close()
    assert len(sink.files) == 2


def test_config_accepts_divisors_of_a_minute_only():
    base = {"exchanges": {"binance": {"markets": ["BTC/USDT"]}}}
    assert parse_config(base).landing_flush_s == 60
    assert parse_config({**base, "landing_flush_s": 15}).landing_flush_s == 15
    with pytest.raises(ConfigError, match=r"landing_flush_s = 7: landing_flush_s must divide a minute"):
        parse_config({**base, "landing_flush_s": 7})
