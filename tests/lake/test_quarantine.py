"""One bad landing file never blocks its day (issue 15): the raw assets move a file of an exchange
that is not a venue, an unreadable file, a file with rows of another partition and a file whose rows
break the lake schema to <data>/quarantine (with a reason file and a ledger line), write the rest,
and report the quarantined files in the run's metadata; nothing is lost (landing rows = lake rows +
quarantined rows) and a file fixed and put back is counted once."""
from __future__ import annotations

import json
import secrets
import time

import dagster as dg
import polars as pl
import pyarrow.parquet as pq
import pytest

from assets.partitions import partition_range_tags
from assets.raw.orderbooks import raw_orderbooks
from assets.raw.trades import raw_trades
from mmwatch.landing.quarantine import quarantine_view, read_ledger
from mmwatch.landing.zone import LandingFile, write_landing
from mmwatch.settings import DataDir
from resources.data_dir import DataDirResource
from thin_morning_day import landing_factory

lf = landing_factory()
DAY, NEXT_DAY = lf.DAY, "2026-11-21"


def _trades(n: int, exchange: str = "binance", first: int = 0, **changes) -> pl.DataFrame:
    rows = [{**lf.trade(1000 * (first + i), 100.0 + i, 0.5, "buy", f"{exchange}-{first + i}", exchange=exchange),
             **changes} for i in range(n)]
    return lf.trades_frame(rows)


def _landing_path(data_dir: DataDir, dataset: str, exchange: str):
    """A landing file name in a folder the writer would refuse (an older version, a hand copy)."""
    folder = data_dir.landing_dir(dataset) / f"day={DAY}" / f"exchange={exchange}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{time.time_ns():019d}-capture-{secrets.token_hex(4)}.parquet"


def _materialize(asset, data_dir: DataDir, instance, exchanges: list[str], landing_files=None):
    run_config = None
    if landing_files is not None:
        run_config = {"ops": {asset.key.path[-1]: {"config": {"landing_files": [str(p) for p in landing_files]}}}}
    result = dg.materialize([asset], instance=instance, run_config=run_config, raise_on_error=False,
                            tags=partition_range_tags(DAY, exchanges),
                            resources={"data_dir": DataDirResource(path=str(data_dir.root))})
    assert result.success
    materializations = result.asset_materializations_for_node(asset.key.path[-1])
    assert materializations  # one per partition of the range, each with the run's metadata
    materialization = materializations[0]
    assert all(m.metadata == materialization.metadata for m in materializations)
    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [True]
    warnings = [e.user_message for e in instance.all_logs(result.run_id)
                if e.dagster_event is None and e.level >= 30]
    return {k: v.value for k, v in materialization.metadata.items()}, warnings


def _lake_rows(data_dir: DataDir, table: str, exchange: str) -> pl.DataFrame:
    files = sorted((data_dir.lake_dir(table) / f"day={DAY}" / f"exchange={exchange}").glob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files]) if files else pl.DataFrame()


@pytest.fixture
def bad_day(data_dir, instance):
    """binance: a good file, a poisoned one, an unreadable one and one with a row of the next day;
    okx: a good file; foo (not a venue): one file. raw_trades rebuilt over binance..okx."""
    good = write_landing(data_dir, "trades", DAY, "binance", _trades(5), "collector")
    poisoned = write_landing(data_dir, "trades", DAY, "binance",
                             _trades(3, first=10).with_columns(pl.Series("side", ["buy", "sideways", "sell"])), "import")
    unreadable = _landing_path(data_dir, "trades", "binance")
    unreadable.write_bytes(b"PAR1 this is not a parquet file")
    stray = write_landing(data_dir, "trades", DAY, "binance",
                          _trades(1, first=86_400 + 7), "import")  # a trade of the next UTC day
    okx = write_landing(data_dir, "trades", DAY, "okx", _trades(4, exchange="okx"), "collector")
    foo = _landing_path(data_dir, "trades", "foo")
    pq.write_table(_trades(2, exchange="foo").to_arrow(), foo)
    metadata, warnings = _materialize(raw_trades, data_dir, instance, ["binance", "okx"])
    return {"good": good, "poisoned": poisoned, "unreadable": unreadable, "stray": stray, "okx": okx, "foo": foo,
            "metadata": metadata, "warnings": warnings}


def test_bad_files_are_quarantined_and_the_rest_of_the_day_is_written(data_dir, bad_day):
    assert _lake_rows(data_dir, "raw_trades", "binance")["trade_id"].sort().to_list() == [f"binance-{i}" for i in range(5)]
    assert _lake_rows(data_dir, "raw_trades", "okx").height == 4
    moved = {name: data_dir.quarantine / bad_day[name].relative_to(data_dir.landing)
             for name in ("poisoned", "unreadable", "stray", "foo")}
    for name, target in moved.items():
        assert not bad_day[name].exists() and target.is_file(), name  # moved, not deleted, not copied
        assert target.with_name(target.name + ".reason.txt").is_file()
    assert bad_day["good"].exists() and bad_day["okx"].exists()
    reasons = {r.moved_to: r.reason for r in read_ledger(data_dir)}
    assert len(reasons) == 4
    reason = {name: reasons[str(target.relative_to(data_dir.root))] for name, target in moved.items()}
    assert "side" in reason["poisoned"] and "sideways" in reason["poisoned"] and "lake schema" in reason["poisoned"]
    assert reason["unreadable"].startswith("unreadable as a trades landing file: ")
    assert f"1 rows belong to partition {NEXT_DAY}|binance, not {DAY}|binance" in reason["stray"]
    assert reason["foo"].startswith("exchange 'foo' is not a venue")
    # nothing lost: landing rows = lake rows + quarantined rows (the unreadable file's rows cannot be counted)
    metadata = bad_day["metadata"]
    assert (metadata["rows_written"], metadata["quarantined_files"], metadata["quarantined_rows"]) == (9, 4, 6)
    assert 5 + 3 + 1 + 4 + 2 == metadata["rows_written"] + metadata["quarantined_rows"]
    listed = {item["file"]: item for item in metadata["quarantined"]}
    assert listed[str(bad_day["foo"].relative_to(data_dir.root))]["rows"] == 2
    assert listed[str(bad_day["unreadable"].relative_to(data_dir.root))]["rows"] is None
    assert metadata["landing_files_read"] == 2  # the good binance file and okx's
    # one warning line for the run's log (mmwatch build prints it)
    [warning] = [w for w in bad_day["warnings"] if "quarantine" in w]
    assert warning.startswith(f"raw_trades: 4 landing files moved to {data_dir.quarantine}: ")
    assert "(and 3 more: see the run's metadata); docs/runbook.md#quarantine" in warning


def test_the_status_view_counts_the_files_in_quarantine(data_dir, bad_day):
    view = quarantine_view(data_dir, latest=2)
    assert (view.files, view.rows, view.unreadable, len(view.latest)) == (4, 6, 1, 2)
    # a file taken out of the quarantine no longer counts; its ledger line stays (history)
    target = data_dir.quarantine / bad_day["foo"].relative_to(data_dir.landing)
    target.unlink()
    assert (quarantine_view(data_dir).files, quarantine_view(data_dir).rows) == (3, 4)
    assert len(read_ledger(data_dir)) == 4


def test_a_fixed_file_put_back_is_counted_once(data_dir, instance, bad_day):
    target = data_dir.quarantine / bad_day["poisoned"].relative_to(data_dir.landing)
    fixed = pl.read_parquet(target).with_columns(pl.lit("buy").alias("side"))
    target.unlink()  # the runbook: write the fixed rows back, drop the quarantined copy
    back = write_landing(data_dir, "trades", DAY, "binance", fixed, "fixed")
    again = write_landing(data_dir, "trades", DAY, "binance", fixed, "fixed")  # put back twice by mistake
    metadata, _ = _materialize(raw_trades, data_dir, instance, ["binance"], landing_files=[back, again])
    assert (metadata["rows_written"], metadata["quarantined_files"]) == (3, 0)
    assert _lake_rows(data_dir, "raw_trades", "binance").height == 8
    _materialize(raw_trades, data_dir, instance, ["binance", "okx"])  # a rebuild of the day
    lake = _lake_rows(data_dir, "raw_trades", "binance")
    assert lake.height == 8 and lake["trade_key"].n_unique() == 8
    assert quarantine_view(data_dir).files == 3  # still there: the unreadable, the stray and foo's file


def test_a_batch_retried_after_a_quarantine_skips_the_moved_file(data_dir, instance):
    good = write_landing(data_dir, "trades", DAY, "okx", _trades(4, exchange="okx"), "collector")
    broken = _landing_path(data_dir, "trades", "okx")
    broken.write_bytes(b"")  # an empty file: a writer killed before the footer
    first, _ = _materialize(raw_trades, data_dir, instance, ["okx"], landing_files=[good, broken])
    second, _ = _materialize(raw_trades, data_dir, instance, ["okx"], landing_files=[good, broken])
    assert (first["rows_written"], first["quarantined_files"]) == (4, 1)
    assert (second["rows_written"], second["duplicates_already_in_lake"], second["quarantined_files"]) == (0, 4, 0)
    assert _lake_rows(data_dir, "raw_trades", "okx").height == 4


def test_an_order_book_file_with_a_poisoned_market_type_is_quarantined_invalid_books_stay(data_dir, instance):
    crossed = lf.book(0, lf.levels((101, 1)), lf.levels((100.5, 1)))  # spec §1: kept, invalid
    write_landing(data_dir, "orderbooks", DAY, "binance",
                  lf.books_frame([crossed, lf.book(1000, lf.levels((100, 1)), lf.levels((101, 1)))]), "collector")
    perp = write_landing(data_dir, "orderbooks", DAY, "binance",
                         lf.books_frame([lf.book(2000, lf.levels((100, 1)), lf.levels((101, 1)), market_type="perp")]),
                         "collector")
    metadata, _ = _materialize(raw_orderbooks, data_dir, instance, ["binance"])
    lake = _lake_rows(data_dir, "raw_orderbooks", "binance").sort("ts")
    assert lake["invalid_reason"].to_list() == ["crossed_book", None]
    assert (metadata["invalid_snapshots"], metadata["quarantined_files"], metadata["quarantined_rows"]) == (1, 1, 1)
    [record] = read_ledger(data_dir)
    assert record.file == str(perp.relative_to(data_dir.root)) and "'market_type' fails isin" in record.reason
    assert LandingFile.parse(data_dir.root / record.moved_to) is not None  # still a landing file, to be put back


def test_status_view_of_an_empty_data_dir_creates_nothing(tmp_path):
    view = quarantine_view(DataDir(tmp_path / "none"))
    assert (view.files, view.latest) == (0, []) and not (tmp_path / "none").exists()
    assert json.dumps({"files": view.files})
