"""Big landing files are read in parts (row groups) and partitions of a run side by side:
the lake gets the same rows, first arrival kept, as when everything is read at once."""
from __future__ import annotations

import dagster as dg
import pyarrow.parquet as pq

import mmwatch.lake.files as raw_lake
from assets.partitions import partition_range_tags
from assets.raw.orderbooks import raw_orderbooks
from landing_factory import DAY, book, books_frame, levels
from mmwatch.landing.zone import write_landing
from raw_runs import materialize_raw, read_lake
from resources.data_dir import DataDirResource


def _rewrite_in_row_groups(path, rows_per_group: int) -> int:
    """Re-write a landing file with small row groups (as a big file has); returns their number."""
    table = pq.read_table(path)
    pq.write_table(table, path, row_group_size=rows_per_group)
    return pq.read_metadata(path).num_row_groups


def test_a_file_read_in_parts_keeps_the_first_arrival_across_parts(data_dir, instance, monkeypatch):
    rows = [book(i * 1000, levels((100, 1)), levels((101 + i, 1)), source=f"row{i}") for i in range(40)]
    # row 35 repeats row 3 (same market, ts and levels, later arrival): a duplicate across parts
    rows[35] = {**rows[3], "received_ts": rows[3]["received_ts"] + 999, "source": "late copy"}
    path = write_landing(data_dir, "orderbooks", DAY, "binance", books_frame(rows), "collector")
    assert _rewrite_in_row_groups(path, 5) == 8
    parts = raw_lake.landing_parts(raw_lake.LandingFile.parse(path))
    assert [groups for _, groups in parts] == [tuple(range(8))]  # default: ~20k rows a part, 40 rows: one
    monkeypatch.setattr(raw_lake, "ROW_GROUP_ROWS", 10)  # parts of two row groups: four parts
    assert len(raw_lake.landing_parts(raw_lake.LandingFile.parse(path))) == 4

    other = write_landing(data_dir, "orderbooks", DAY, "okx",
                          books_frame([{**r, "exchange": "okx"} for r in rows[:7]]), "collector")
    _rewrite_in_row_groups(other, 2)
    metadata = materialize_raw(raw_orderbooks, data_dir, f"{DAY}|binance", instance)
    lake = read_lake(data_dir, "raw_orderbooks", DAY, "binance")
    assert lake["source"].to_list() == [f"row{i}" for i in range(40) if i != 35]  # file order, first arrival
    assert metadata["duplicates_dropped"] == 1 and metadata["rows_written"] == 39
    assert read_lake(data_dir, "raw_orderbooks", DAY, "okx").is_empty()  # not in this run


def test_partitions_of_one_run_are_built_side_by_side(data_dir, instance):
    rows = {exchange: [book(i * 1000, levels((100, 1)), levels((101 + i, 1)), exchange=exchange)
                       for i in range(n)] for exchange, n in (("binance", 4), ("okx", 6), ("gate", 3))}
    for exchange, books in rows.items():
        write_landing(data_dir, "orderbooks", DAY, exchange, books_frame(books), "collector")
    job = dg.define_asset_job("raw_books_only", selection=[raw_orderbooks])
    resolved = dg.Definitions(assets=[raw_orderbooks], jobs=[job],
                              resources={"data_dir": DataDirResource(path=str(data_dir.root))}).resolve_job_def(job.name)
    result = resolved.execute_in_process(instance=instance, tags=partition_range_tags(DAY, sorted(rows)))
    materializations = result.asset_materializations_for_node("raw_orderbooks")
    assert {m.metadata["rows_written"].value for m in materializations} == {13}  # the run's total on each
    for exchange, books in rows.items():
        lake = read_lake(data_dir, "raw_orderbooks", DAY, exchange)
        assert sorted(lake["ts"].to_list()) == sorted(b["exchange_ts"] for b in books)
