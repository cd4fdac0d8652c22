"""The guard on partition folders: every component from its allow-list, nothing outside the data dir."""
from __future__ import annotations

import os

import polars as pl
import pytest

from mmwatch.door.paths import PartitionPathError, partition_folder
from mmwatch.lake.files import LakeFileWriter, lake_files, partition_dir
from mmwatch.landing.zone import write_landing
from mmwatch.schemas import LANDING_TRADES
from mmwatch.settings import DataDir

DAY = "2025-11-21"
HOSTILE = ["..", "../..", "../../x/ESCAPED", "a/b", "/etc", "binance/..", "bin\x00ance", "binance\n", "",
           "b" * 10_000, ".", "binance ", "BINANCE"]
HOSTILE_DAYS = ["..", "../2025-11-21", "2025-11-21/..", "2025-13-01", "2025-02-30", "2025-11-21\x00", "9" * 10_000,
                "<value out of range: 115740740>", "1970-1-1", ""]


def _trade_frame() -> pl.DataFrame:
    return pl.DataFrame([{"exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT", "exchange_ts": 1,
                          "received_ts": 1, "trade_id": "1", "price": 1.0, "amount": 1.0, "side": "buy",
                          "source": "t", "contract_size": 1.0}], schema=LANDING_TRADES)


def _everything_under(root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, dirs, files in os.walk(root) for name in dirs + files)


def test_good_components_make_the_usual_folders(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    assert partition_dir(data_dir, "raw_orderbooks", DAY, "okx") == data_dir.lake / "raw_orderbooks/day=2025-11-21/exchange=okx"
    path = write_landing(data_dir, "trades", DAY, "binance", _trade_frame(), "test")
    assert path.parent == data_dir.landing / "trades/day=2025-11-21/exchange=binance"


@pytest.mark.parametrize("exchange", HOSTILE, ids=repr)
def test_an_exchange_outside_the_venues_is_refused_everywhere(tmp_path, exchange):
    data_dir = DataDir(tmp_path / "data")
    with pytest.raises(PartitionPathError, match="exchange .* is not a venue"):
        write_landing(data_dir, "trades", DAY, exchange, _trade_frame(), "test")
    with pytest.raises(PartitionPathError, match="exchange .* is not a venue"):
        partition_dir(data_dir, "raw_trades", DAY, exchange)
    with pytest.raises(PartitionPathError):
        lake_files(data_dir, "raw_trades", DAY, exchange)
    with pytest.raises(PartitionPathError):
        LakeFileWriter(data_dir, "raw_trades", DAY, exchange, "run", check=lambda frame: None)
    assert _everything_under(tmp_path) == []


@pytest.mark.parametrize("day", HOSTILE_DAYS, ids=repr)
def test_a_day_that_is_not_a_date_is_refused(tmp_path, day):
    data_dir = DataDir(tmp_path / "data")
    with pytest.raises(PartitionPathError, match="is not a YYYY-MM-DD date"):
        write_landing(data_dir, "trades", day, "binance", _trade_frame(), "test")
    with pytest.raises(PartitionPathError, match="is not a YYYY-MM-DD date"):
        partition_dir(data_dir, "raw_trades", day, "binance")
    assert _everything_under(tmp_path) == []


@pytest.mark.parametrize("name", ["..", "../trades", "trades/..", "raw_trades", "/tmp", "trades\x00", "t" * 5_000],
                         ids=repr)
def test_a_data_set_outside_the_zone_list_is_refused(tmp_path, name):
    data_dir = DataDir(tmp_path / "data")
    with pytest.raises(PartitionPathError, match="data set or table .* is not one of fetch_errors, orderbooks, trades"):
        write_landing(data_dir, name, DAY, "binance", _trade_frame(), "test")
    with pytest.raises(PartitionPathError, match="data set or table"):
        partition_dir(data_dir, name if name != "raw_trades" else "trades", DAY, "binance")
    assert _everything_under(tmp_path) == []


def test_messages_stay_short_for_long_values(tmp_path):
    with pytest.raises(PartitionPathError) as refused:
        partition_folder(tmp_path, "trades", {"trades"}, DAY, "x" * 100_000)
    assert len(str(refused.value)) < 250 and "(100000 characters)" in str(refused.value)
