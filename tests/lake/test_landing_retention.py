"""Landing retention (issue 15, bounded disk): landing files older than the retention are deleted
only when the lake holds every one of their rows; a file the lake does not hold whole (never
ingested, a row the lake lacks, unreadable, an exchange that is not a venue) is kept and named, the
quarantine is never touched, and the lake is the same before and after. A rebuild of a pruned
partition keeps the lake's rows; a raw run given a dropped file skips it."""
from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.raw.fetch_errors import FETCH_ERRORS, raw_fetch_errors
from assets.raw.orderbooks import ORDERBOOKS
from assets.raw.trades import TRADES
from mmwatch.errors import ConfigError
from mmwatch.lake.dropped_landing import dropped_files
from mmwatch.lake.files import lake_files
from mmwatch.lake.raw_partition import materialize_partition
from mmwatch.landing.quarantine import quarantine_file
from mmwatch.landing.retention import DAY_NS, RETENTION_ENV, apply_retention, retention_days
from mmwatch.landing.zone import LandingFile, write_landing
from mmwatch.settings import DataDir
from resources.data_dir import DataDirResource
from thin_morning_day import landing_factory

lf = landing_factory()
DAY = lf.DAY
TABLES = (ORDERBOOKS, TRADES, FETCH_ERRORS)
NOW_NS = time.time_ns()


def _book(second: int, amount: float = 1.0) -> dict:
    return lf.book(second * 1000, lf.levels((100, amount)), lf.levels((101, 1)))


def _land(data_dir: DataDir, dataset: str, rows: list[dict], age_days: float, exchange: str = "binance") -> LandingFile:
    """A landing file that arrived `age_days` before NOW_NS (its name carries the arrival stamp)."""
    frame = {"orderbooks": lf.books_frame, "trades": lf.trades_frame, "fetch_errors": lf.fetch_errors_frame}[dataset](rows)
    path = write_landing(data_dir, dataset, DAY, exchange, frame, "collector")
    aged = path.with_name(f"{NOW_NS - int(age_days * DAY_NS):019d}" + path.name[19:])
    path.rename(aged)
    return LandingFile.parse(aged)


def _ingest(data_dir: DataDir, table, *files: LandingFile) -> None:
    materialize_partition(table, data_dir, DAY, files[0].exchange, list(files))


def _lake_rows(data_dir: DataDir) -> dict[str, list[str]]:
    return {t.name: sorted(repr(r) for f in lake_files(data_dir, t.name, DAY, "binance") for r in pl.read_parquet(f).rows())
            for t in TABLES}


def _relative(data_dir: DataDir, file: LandingFile) -> str:
    return str(file.path.relative_to(data_dir.root))


@pytest.fixture
def landed(data_dir):
    """Old files the lake holds, old files it does not hold whole, a recent file, a quarantined file."""
    files = {
        "books": _land(data_dir, "orderbooks", [_book(s) for s in range(5)], 9),
        "books_again": _land(data_dir, "orderbooks", [_book(s) for s in range(3)], 8.5),  # its rows are in the lake
        "trades": _land(data_dir, "trades", [lf.trade(i * 100, 100.0, 1.0, "buy", f"t{i}") for i in range(4)], 10),
        "errors": _land(data_dir, "fetch_errors", [lf.fetch_error(5000, "RequestTimeout")], 12),
        "recent": _land(data_dir, "orderbooks", [_book(20)], 2),
    }
    _ingest(data_dir, ORDERBOOKS, files["books"], files["books_again"], files["recent"])
    _ingest(data_dir, TRADES, files["trades"])
    _ingest(data_dir, FETCH_ERRORS, files["errors"])
    # not held whole: never ingested; one book the lake has and one it lacks; not Parquet; not a venue
    files["never_ingested"] = _land(data_dir, "orderbooks", [_book(30), _book(31)], 9)
    files["one_missing"] = _land(data_dir, "orderbooks", [_book(1), _book(40, amount=7)], 9)
    files["unreadable"] = _land(data_dir, "orderbooks", [_book(50)], 9)
    files["unreadable"].path.write_bytes(b"not parquet at all")
    files["not_a_venue"] = _land(data_dir, "orderbooks", [_book(60)], 9)
    stray = files["not_a_venue"].path.parent.parent / "exchange=foo"
    stray.mkdir()
    files["not_a_venue"] = LandingFile.parse(files["not_a_venue"].path.rename(stray / files["not_a_venue"].path.name))
    quarantined = _land(data_dir, "trades", [lf.trade(0, 1.0, 1.0, "buy", "q1")], 30)
    files["quarantined"] = quarantine_file(data_dir, quarantined, "test: a bad file")
    return files


def test_only_files_the_lake_holds_whole_are_deleted(data_dir, landed):
    lake_before = _lake_rows(data_dir)
    outcome = apply_retention(data_dir, TABLES, days=7, now_ns=NOW_NS)
    assert sorted(outcome.dropped) == sorted(_relative(data_dir, landed[name])
                                             for name in ("books", "books_again", "trades", "errors"))
    assert (outcome.due, outcome.rows_dropped) == (8, 5 + 3 + 4 + 1)
    assert outcome.bytes_freed > 0
    for name in ("books", "books_again", "trades", "errors"):
        assert not landed[name].path.exists()
    kept = {k.file: k.reason for k in outcome.kept}
    assert kept.keys() == {_relative(data_dir, landed[name])
                           for name in ("never_ingested", "one_missing", "unreadable", "not_a_venue")}
    assert kept[_relative(data_dir, landed["never_ingested"])].startswith("2 of its 2 rows are not in the lake")
    assert kept[_relative(data_dir, landed["one_missing"])].startswith("1 of its 2 rows are not in the lake")
    assert "mmwatch build --date 2026-11-20" in kept[_relative(data_dir, landed["one_missing"])]
    assert kept[_relative(data_dir, landed["unreadable"])].startswith("unreadable")
    assert "is not a venue" in kept[_relative(data_dir, landed["not_a_venue"])]
    for name in ("never_ingested", "one_missing", "unreadable", "not_a_venue", "recent"):
        assert landed[name].path.exists()
    assert (data_dir.root / landed["quarantined"].moved_to).is_file()  # the quarantine is never pruned
    assert _lake_rows(data_dir) == lake_before
    assert set(dropped_files(data_dir, "raw_orderbooks", DAY, "binance")) == {
        landed["books"].path.name, landed["books_again"].path.name}
    # a second pass has nothing more to drop, and names the same kept files
    again = apply_retention(data_dir, TABLES, days=7, now_ns=NOW_NS)
    assert (again.dropped, {k.file for k in again.kept}) == ([], kept.keys())


def test_a_longer_retention_keeps_them(data_dir, landed):
    outcome = apply_retention(data_dir, TABLES, days=30, now_ns=NOW_NS)
    assert (outcome.due, outcome.dropped, outcome.kept) == (0, [], [])
    assert landed["books"].path.exists()


def test_a_rebuild_after_retention_keeps_the_lake(data_dir, landed):
    apply_retention(data_dir, TABLES, days=7, now_ns=NOW_NS)
    before = _lake_rows(data_dir)["raw_orderbooks"]
    outcome = materialize_partition(ORDERBOOKS, data_dir, DAY, "binance", None)  # mmwatch build, a backfill
    assert outcome.mode == "batch" and "dropped by the landing retention" in outcome.note
    after = sorted(repr(r) for f in lake_files(data_dir, "raw_orderbooks", DAY, "binance") for r in pl.read_parquet(f).rows())
    # every row kept, plus the remaining landing files' new books (30, 31 and 40; the unreadable one is quarantined)
    assert set(before) <= set(after) and len(after) == len(before) + 3
    assert len(outcome.quarantined) == 1


def test_a_raw_run_given_a_dropped_file_skips_it(data_dir, landed, instance):
    apply_retention(data_dir, TABLES, days=7, now_ns=NOW_NS)
    result = dg.materialize(
        [raw_fetch_errors], partition_key=f"{DAY}|binance", instance=instance,
        run_config={"ops": {"raw_fetch_errors": {"config": {"landing_files": [str(landed["errors"].path)]}}}},
        resources={"data_dir": DataDirResource(path=str(data_dir.root))})
    (materialization,) = result.asset_materializations_for_node("raw_fetch_errors")
    assert materialization.metadata["rows_written"].value == 0
    assert len(lake_files(data_dir, "raw_fetch_errors", DAY, "binance")) == 1


def test_the_retention_setting(monkeypatch):
    assert retention_days({}) == 7
    assert retention_days({RETENTION_ENV: " 3 "}) == 3
    for bad in ("0", "-2", "seven", "1.5"):
        with pytest.raises(ConfigError, match=f"{RETENTION_ENV}='{bad}' is not a whole number of days >= 1"):
            retention_days({RETENTION_ENV: bad})
