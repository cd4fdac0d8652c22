"""raw_orderbooks materialized for real on hand-made landing files."""
from __future__ import annotations

import dagster as dg
import pytest

from assets.partitions import partition_range_tags
from assets.raw.orderbooks import raw_orderbooks
from mmwatch.landing.quarantine import read_ledger
from resources.data_dir import DataDirResource
from landing_factory import DAY, DAY_START_MS, book, books_frame, levels
from mmwatch.landing.zone import write_landing
from raw_runs import lake_file_count, materialize_raw, read_lake

KEY = f"{DAY}|binance"


def _cases() -> list[dict]:
    """One snapshot per second; the comment says what spec §1 makes of it."""
    return [
        book(0, levels((100, 1), (99, 2)), levels((101, 1), (102, 2))),  # valid
        book(1000, levels((101, 1)), levels((100.5, 1))),  # crossed: best bid 101 >= best ask 100.5
        book(2000, levels((100, 1)), levels((100, 1))),  # locked book counts as crossed
        book(3000, levels((100, 1), (0, 3)), levels((101, 1))),  # bad price: 0 on a live level
        book(4000, levels((100, 1)), levels((101, -0.5))),  # bad amount: negative
        book(5000, levels((100, 1), (-7, 0)), levels((101, 1))),  # zero-amount level ignored: valid
        book(6000, levels((100, 1), (102, 0)), levels((101, 1))),  # zero-amount bid above ask ignored: valid
        book(7000, levels((100, 1)), []),  # one-sided: valid
        book(8000, levels((-1, 1)), levels((50, -1))),  # bad price wins over bad amount
        book(9000, levels((float("inf"), 1)), levels((101, 1))),  # non-finite price
        book(10000, levels((100, float("nan"))), levels((101, 1)), exchange_ts=False),  # NaN amount, no exchange ts
    ]


EXPECTED_REASONS = [None, "crossed_book", "crossed_book", "bad_price", "bad_amount", None, None, None,
                    "bad_price", "bad_price", "bad_amount"]


def test_validity_kept_with_reason(data_dir, instance):
    write_landing(data_dir, "orderbooks", DAY, "binance", books_frame(_cases()), "collector")
    metadata = materialize_raw(raw_orderbooks, data_dir, KEY, instance)
    lake = read_lake(data_dir, "raw_orderbooks", DAY, "binance").sort("ts")
    assert lake["invalid_reason"].to_list() == EXPECTED_REASONS
    assert lake["is_valid"].to_list() == [r is None for r in EXPECTED_REASONS]
    # ts = exchange_ts, or received_ts when the venue gives none
    assert lake["ts"].to_list() == [DAY_START_MS + 1000 * i for i in range(11)]
    assert lake["exchange_ts"].null_count() == 1
    # levels stay as received, zero-amount ones included
    assert lake.filter(lake["ts"] == DAY_START_MS + 6000)["bids"].to_list() == [levels((100, 1), (102, 0))]
    assert metadata["rows_written"] == 11
    assert metadata["invalid_snapshots"] == 7
    assert metadata["invalid_snapshots_by_reason"] == {"bad_amount": 2, "bad_price": 3, "crossed_book": 2}
    assert metadata["first_ts_utc"] == "2026-11-20T00:00:00.000+00:00"
    assert metadata["last_ts_utc"] == "2026-11-20T00:00:10.000+00:00"
    assert metadata["landing_files_read"] == 1
    assert metadata["bytes_written"] > 0
    assert "| binance spot BTC/USDT | 11 |" in metadata["snapshots_per_market"]
    assert metadata["lake_path"].endswith(f"raw_orderbooks/day={DAY}/exchange=binance")


def test_duplicates_dropped_within_and_across_files(data_dir, instance):
    same = book(0, levels((100, 1)), levels((101, 1)))
    resent = {**same, "received_ts": same["received_ts"] + 500, "source": "import:x"}  # same market, ts, levels
    other_levels = book(0, levels((100, 2)), levels((101, 1)))  # same ts, other levels: a different snapshot
    write_landing(data_dir, "orderbooks", DAY, "binance", books_frame([same, same, other_levels]), "collector")
    write_landing(data_dir, "orderbooks", DAY, "binance", books_frame([resent]), "import")
    metadata = materialize_raw(raw_orderbooks, data_dir, KEY, instance)
    lake = read_lake(data_dir, "raw_orderbooks", DAY, "binance")
    assert lake.height == 2
    assert lake["snapshot_id"].n_unique() == 2
    assert metadata["duplicates_dropped"] == 2
    # the first arrival is kept
    assert sorted(lake["source"].to_list()) == ["collector", "collector"]


def test_batches_skip_rows_already_in_lake(data_dir, instance):
    first = books_frame([book(0, levels((100, 1)), levels((101, 1))), book(1000, levels((100, 1)), levels((101, 1)))])
    second = books_frame([book(1000, levels((100, 1)), levels((101, 1))), book(2000, levels((100, 1)), levels((101, 1)))])
    f1 = write_landing(data_dir, "orderbooks", DAY, "binance", first, "collector")
    f2 = write_landing(data_dir, "orderbooks", DAY, "binance", second, "collector")
    f3 = write_landing(data_dir, "orderbooks", DAY, "binance", second, "collector")  # same content lands twice
    m1 = materialize_raw(raw_orderbooks, data_dir, KEY, instance, landing_files=[f1])
    m2 = materialize_raw(raw_orderbooks, data_dir, KEY, instance, landing_files=[f2])
    m3 = materialize_raw(raw_orderbooks, data_dir, KEY, instance, landing_files=[f3])
    assert (m1["rows_written"], m2["rows_written"], m3["rows_written"]) == (2, 1, 0)
    assert (m2["duplicates_already_in_lake"], m3["duplicates_already_in_lake"]) == (1, 2)
    assert lake_file_count(data_dir, "raw_orderbooks", DAY, "binance") == 2  # nothing new: no file
    lake = read_lake(data_dir, "raw_orderbooks", DAY, "binance")
    assert sorted(lake["ts"].to_list()) == [DAY_START_MS, DAY_START_MS + 1000, DAY_START_MS + 2000]


def test_rebuild_replaces_the_partition_and_is_idempotent(data_dir, instance):
    rows = [book(i * 1000, levels((100, 1)), levels((101 + i, 1))) for i in range(5)]
    f1 = write_landing(data_dir, "orderbooks", DAY, "binance", books_frame(rows[:3]), "collector")
    write_landing(data_dir, "orderbooks", DAY, "binance", books_frame(rows[2:]), "collector")
    materialize_raw(raw_orderbooks, data_dir, KEY, instance, landing_files=[f1])  # a batch file first
    materialize_raw(raw_orderbooks, data_dir, KEY, instance)
    once = read_lake(data_dir, "raw_orderbooks", DAY, "binance").sort("ts")
    materialize_raw(raw_orderbooks, data_dir, KEY, instance)
    twice = read_lake(data_dir, "raw_orderbooks", DAY, "binance").sort("ts")
    assert once.height == 5
    assert once.equals(twice)
    assert lake_file_count(data_dir, "raw_orderbooks", DAY, "binance") == 1
    # snapshot ids are stable across runs (content hash, not a per-run value)
    assert once["snapshot_id"].to_list() == twice["snapshot_id"].to_list()
    # other partitions are untouched by a rebuild
    assert not (data_dir.lake_dir("raw_orderbooks") / f"day={DAY}" / "exchange=okx").exists()


def test_row_of_another_day_quarantines_the_file_naming_it(data_dir, instance):
    stray = book(86_400_000 + 5, levels((100, 1)), levels((101, 1)))  # next UTC day
    path = write_landing(data_dir, "orderbooks", DAY, "binance", books_frame([stray]), "collector")
    materialize_raw(raw_orderbooks, data_dir, KEY, instance)
    [record] = read_ledger(data_dir)
    assert record.file == str(path.relative_to(data_dir.root)) and not path.exists()
    assert f"1 rows belong to partition 2026-11-21|binance, not {KEY}" in record.reason
    assert lake_file_count(data_dir, "raw_orderbooks", DAY, "binance") == 0


def test_schema_failure_quarantines_the_file_and_the_check_passes_on_the_rest(data_dir, instance):
    bad = book(0, levels((100, 1)), levels((101, 1)), market_type="perp")
    path = write_landing(data_dir, "orderbooks", DAY, "binance", books_frame([bad]), "collector")
    good = book(0, levels((100, 1)), levels((101, 1)), exchange="binancecoinm")  # the next partition
    write_landing(data_dir, "orderbooks", DAY, "binancecoinm", books_frame([good]), "collector")
    result = dg.materialize([raw_orderbooks], instance=instance, raise_on_error=False,
                            tags=partition_range_tags(DAY, ["binance", "binancecoinm"]),
                            resources={"data_dir": DataDirResource(path=str(data_dir.root))})
    assert result.success  # one poisoned file no longer blocks the day (issue 15)
    (check,) = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed) == ("lake_schema", True)
    [record] = read_ledger(data_dir)
    assert record.file == str(path.relative_to(data_dir.root))
    assert "market_type" in record.reason and "perp" in record.reason
    assert lake_file_count(data_dir, "raw_orderbooks", DAY, "binance") == 0  # nothing half-written
    assert read_lake(data_dir, "raw_orderbooks", DAY, "binancecoinm").height == 1  # the good one is written
