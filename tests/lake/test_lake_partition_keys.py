"""Raw batch runs read the keys of only the lake files their rows' times meet (issue 15, bounded
disk): the 31st batch of a day reads one file, not thirty; nothing is doubled or lost, with lake
files named before names carried their range, with concurrent batches of the same rows, and when the
process dies just before or just after a lake file's rename, or in the middle of a rebuild's
replacement (real SIGKILLs in child processes)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from assets.raw.orderbooks import ORDERBOOKS
from assets.raw.trades import TRADES
from mmwatch.lake.files import REPLACING, lake_file_kind, lake_file_span, lake_files
from mmwatch.lake.raw_partition import materialize_partition
from mmwatch.landing.zone import LandingFile, write_landing
from mmwatch.settings import DataDir
from thin_morning_day import landing_factory

lf = landing_factory()
DAY, MINUTE = lf.DAY, 60_000
REPO = Path(__file__).resolve().parents[2]


def _books_of_minute(minute: int, count: int = 3) -> list[dict]:
    return [lf.book(minute * MINUTE + second * 1000, lf.levels((100, 1 + minute)), lf.levels((101, 1)))
            for second in range(count)]


def _land(data_dir: DataDir, rows: list[dict], dataset: str = "orderbooks") -> LandingFile:
    frame = lf.books_frame(rows) if dataset == "orderbooks" else lf.trades_frame(rows)
    return LandingFile.parse(write_landing(data_dir, dataset, DAY, "binance", frame, "collector"))


def _lake(data_dir: DataDir, table: str = "raw_orderbooks") -> pl.DataFrame:
    return pl.concat([pl.read_parquet(f) for f in lake_files(data_dir, table, DAY, "binance")])


def _feed_minutes(data_dir: DataDir, minutes: int) -> None:
    for minute in range(minutes):
        materialize_partition(ORDERBOOKS, data_dir, DAY, "binance", [_land(data_dir, _books_of_minute(minute))])


def test_a_batch_reads_the_keys_of_the_files_its_rows_meet_only(data_dir):
    _feed_minutes(data_dir, 30)
    files = lake_files(data_dir, "raw_orderbooks", DAY, "binance")
    assert len(files) == 30 and {lake_file_kind(f) for f in files} == {"batch"}
    assert lake_file_span(files[0]) == (lf.DAY_START_MS, lf.DAY_START_MS + 2000)
    # the next minute plus the last book of minute 29 again (a re-fetch)
    resent = _books_of_minute(29)[-1:]
    outcome = materialize_partition(ORDERBOOKS, data_dir, DAY, "binance",
                                    [_land(data_dir, resent + _books_of_minute(30))])
    assert (outcome.lake_files_keys_read, outcome.duplicates_in_lake, outcome.rows_written) == (1, 1, 3)
    # a book of minute 3 arriving again half an hour late, and one of minute 3 that is new, with minute 31:
    # minute 3's file is the one read (no file holds minute 31 yet)
    late = _books_of_minute(3)[:1] + [lf.book(3 * MINUTE + 500, lf.levels((100, 9)), lf.levels((101, 1)))]
    outcome = materialize_partition(ORDERBOOKS, data_dir, DAY, "binance", [_land(data_dir, late + _books_of_minute(31))])
    assert (outcome.lake_files_keys_read, outcome.duplicates_in_lake, outcome.rows_written) == (1, 1, 4)
    lake = _lake(data_dir)
    assert lake.height == 32 * 3 + 1 == lake["snapshot_id"].n_unique()


def test_trades_resent_across_batches_count_once(data_dir):
    def trades(minute: int) -> list[dict]:
        return [lf.trade(minute * MINUTE + i * 100, 100.0, 1.0, "buy", f"t{minute}-{i}") for i in range(5)]

    for minute in range(10):
        overlap = trades(minute - 1)[-2:] if minute else []  # a since-cursor fetches the boundary trades again
        outcome = materialize_partition(TRADES, data_dir, DAY, "binance", [_land(data_dir, overlap + trades(minute), "trades")])
        assert outcome.duplicates_in_lake == len(overlap)
        assert outcome.lake_files_keys_read == (1 if minute else 0)
    lake = _lake(data_dir, "raw_trades")
    assert lake.height == 50 == lake["trade_key"].n_unique()


def test_files_named_before_names_carried_their_range(data_dir):
    """Old names: the range comes from the Parquet statistics; a file without statistics is always read."""
    _feed_minutes(data_dir, 3)
    folder = lake_files(data_dir, "raw_orderbooks", DAY, "binance")[0].parent
    for number, path in enumerate(sorted(folder.glob("*.parquet"))):
        frame = pl.read_parquet(path)
        path.unlink()
        frame.write_parquet(folder / f"legacy-{number}.parquet", statistics=number != 0)
    outcome = materialize_partition(ORDERBOOKS, data_dir, DAY, "binance",
                                    [_land(data_dir, _books_of_minute(2) + _books_of_minute(0) + _books_of_minute(5))])
    # minute 0's file has no statistics (read), minute 2's range meets the batch (read), minute 1's does not
    assert (outcome.lake_files_keys_read, outcome.duplicates_in_lake, outcome.rows_written) == (2, 6, 3)
    assert _lake(data_dir)["snapshot_id"].n_unique() == _lake(data_dir).height == 12


def test_concurrent_batches_of_the_same_rows_write_them_once(data_dir):
    """The partition lock: two runs given the same books (two landing files) never both append them."""
    _feed_minutes(data_dir, 2)
    copies = [_land(data_dir, _books_of_minute(2, count=50)) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda f: materialize_partition(ORDERBOOKS, data_dir, DAY, "binance", [f]), copies))
    assert sorted(o.rows_written for o in outcomes) == [0, 0, 0, 50]
    assert _lake(data_dir).height == 56 == _lake(data_dir)["snapshot_id"].n_unique()


_CHILD = """
import os, signal, sys
import mmwatch.lake.files as files
from assets.raw.orderbooks import ORDERBOOKS
from mmwatch.lake.raw_partition import materialize_partition
from mmwatch.landing.zone import LandingFile
from mmwatch.settings import DataDir
point, root, day, landing = sys.argv[1:5]
original = files.move_into_place
def dying_move(tmp, final):
    if point == "before_rename":
        os.kill(os.getpid(), signal.SIGKILL)
    original(tmp, final)
    if point in ("after_rename", "mid_replacement"):
        os.kill(os.getpid(), signal.SIGKILL)
files.move_into_place = dying_move
given = None if point == "mid_replacement" else [LandingFile.parse(__import__("pathlib").Path(landing))]
materialize_partition(ORDERBOOKS, DataDir.from_env(root), day, "binance", given)
"""


def _die_in_child(point: str, data_dir: DataDir, landing: LandingFile) -> None:
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(_CHILD), point, str(data_dir.root), DAY,
                            str(landing.path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert child.returncode == -9, child.stderr[-2000:]


@pytest.mark.parametrize("point", ["before_rename", "after_rename"])
def test_a_batch_killed_at_its_lake_file_loses_and_doubles_nothing(data_dir, point):
    _feed_minutes(data_dir, 3)
    batch = _land(data_dir, _books_of_minute(2)[-1:] + _books_of_minute(3))
    _die_in_child(point, data_dir, batch)
    files_after_crash = len(lake_files(data_dir, "raw_orderbooks", DAY, "binance"))
    assert files_after_crash == (3 if point == "before_rename" else 4)
    retried = materialize_partition(ORDERBOOKS, data_dir, DAY, "binance", [batch])  # the run's retry
    assert retried.rows_written == (3 if point == "before_rename" else 0)
    lake = _lake(data_dir)
    assert lake.height == 12 == lake["snapshot_id"].n_unique()


def test_a_rebuild_killed_between_its_new_file_and_the_removal_of_the_old_ones(data_dir):
    _feed_minutes(data_dir, 4)
    _die_in_child("mid_replacement", data_dir, _land(data_dir, []))
    folder = lake_files(data_dir, "raw_orderbooks", DAY, "binance")[0].parent
    assert (folder / REPLACING).is_file() and len(lake_files(data_dir, "raw_orderbooks", DAY, "binance")) == 5
    # the next writer of the partition finishes the replacement before it reads anything
    outcome = materialize_partition(ORDERBOOKS, data_dir, DAY, "binance", [_land(data_dir, _books_of_minute(3))])
    assert (outcome.rows_written, outcome.duplicates_in_lake) == (0, 3)
    assert not (folder / REPLACING).exists()
    assert [lake_file_kind(f) for f in lake_files(data_dir, "raw_orderbooks", DAY, "binance")] == ["rebuild"]
    lake = _lake(data_dir)
    assert lake.height == 12 == lake["snapshot_id"].n_unique()
