"""Streamed books' out-of-sync intervals (StreamOutOfSync fetch errors) in stg_lake__fetch_errors and
fct_data_coverage_daily, by hand: parsed, counted per day and cause, split at midnight, an interval
landed twice counted once, a market out of sync all day without a book still gets its row; the other
columns (samples, gaps) and the other data sets as without streams."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, query, run_dbt, snapshot, write_lake_orderbooks
from lake_tables import trade, write_lake_table

DAY, NEXT_DAY = "2025-11-20", "2025-11-21"
D0 = day_start_ms(DAY)
D1 = D0 + 86_400_000
S = 1000
BOOK = ([(100.0, 1.0)], [(100.5, 1.0)])
STREAMED, POLLED, SILENT = ("binance", "STR/USDT"), ("bybit", "POL/USDT"), ("okx", "LONG/USDT")


def out_of_sync(market: tuple[str, str], cause: str, start: int, end: int, market_type: str = "spot") -> dict:
    """A StreamOutOfSync row as the collector lands it (mmwatch.collector.stream_sync.Unsynced.row)."""
    return {"exchange": market[0], "market_type": market_type, "symbol": market[1], "dataset": "orderbooks",
            "received_ts": end, "error_class": "StreamOutOfSync",
            "message": f"cause={cause} unsynced_ms={end - start} from={start} to={end}"}


# the streamed market: a gap (15.5 s) and a checksum failure (1 s) on DAY, a disconnect from 4 s before
# midnight to 6.5 s after (landed on NEXT_DAY); the gap landed again in another file (counts once)
GAP = out_of_sync(STREAMED, "gap", D0 + 30 * S, D0 + 45_500)
INTERVALS = [GAP, out_of_sync(STREAMED, "checksum", D0 + 60 * S, D0 + 61 * S),
             out_of_sync(STREAMED, "disconnect", D1 - 4 * S, D1 + 6_500),
             # out of sync from a second before DAY to 2 s into NEXT_DAY, no book of it at all
             out_of_sync(SILENT, "stall", D0 - S, D1 + 2 * S)]
TIMEOUT = {"exchange": "binance", "market_type": "spot", "symbol": "STR/USDT", "dataset": "orderbooks",
           "received_ts": D0 + 90 * S, "error_class": "RequestTimeout", "message": "timed out"}
# books every 10 s in DAY's first two minutes and last minute, and NEXT_DAY's first minute
BOOK_TIMES = [*range(D0, D0 + 120 * S, 10 * S), *range(D1 - 60 * S, D1, 10 * S), *range(D1, D1 + 60 * S, 10 * S)]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_stream_coverage")
    books = [snapshot(*market, ts, *BOOK) for ts in BOOK_TIMES for market in (STREAMED, POLLED)]
    write_lake_orderbooks(data_dir, books)
    write_lake_table(data_dir, "raw_fetch_errors", [*INTERVALS, TIMEOUT])
    write_lake_table(data_dir, "raw_fetch_errors", [GAP], batch="batch-0002")
    write_lake_table(data_dir, "raw_trades", [trade(*STREAMED, D0 + 5 * S, 100.2, 1.0, "buy", "t1")])
    for day in (DAY, NEXT_DAY):
        run_dbt(data_dir, ["build", "--select", "+fct_data_coverage_daily"], {"day": day})
    return data_dir


def _rows(data_dir, day: str) -> dict[tuple[str, str, str], dict]:
    rows = query(data_dir, "select * from fct_data_coverage_daily where day = ?", [day])
    return {(row["exchange"], row["symbol"], row["dataset"]): row for row in rows}


def _intervals(row: dict) -> list[tuple[str, int, int]]:
    return [(i["cause"], i["from_ts"], i["to_ts"]) for i in row["stream_unsynced_intervals"]]


def _by_cause(row: dict) -> dict[str, tuple[int, float]]:
    return {c["cause"]: (c["events"], c["unsynced_s"]) for c in row["stream_unsynced_by_cause"]}


def test_staging_parses_the_interval_of_stream_rows_only(data_dir):
    rows = query(data_dir, "select error_class, stream_cause, stream_unsynced_ms, stream_from_ts, stream_to_ts "
                           "from stg_lake__fetch_errors where symbol = 'STR/USDT' order by received_ts, error_class")
    assert [tuple(row.values()) for row in rows] == [
        ("StreamOutOfSync", "gap", 15_500, D0 + 30 * S, D0 + 45_500),
        ("StreamOutOfSync", "gap", 15_500, D0 + 30 * S, D0 + 45_500),
        ("StreamOutOfSync", "checksum", 1000, D0 + 60 * S, D0 + 61 * S),
        ("RequestTimeout", None, None, None, None),
        ("StreamOutOfSync", "disconnect", 10_500, D1 - 4 * S, D1 + 6_500),
    ]


def test_a_day_counts_its_intervals_per_cause_and_the_part_before_midnight(data_dir):
    row = _rows(data_dir, DAY)[(*STREAMED, "orderbooks")]
    assert row["stream_out_of_sync_events"] == 3
    assert row["stream_unsynced_s"] == pytest.approx(15.5 + 1.0 + 4.0, abs=1e-9)
    assert _by_cause(row) == {"checksum": (1, 1.0), "disconnect": (1, 4.0), "gap": (1, 15.5)}
    assert _intervals(row) == [("gap", D0 + 30 * S, D0 + 45_500), ("checksum", D0 + 60 * S, D0 + 61 * S),
                               ("disconnect", D1 - 4 * S, D1)]


def test_the_next_day_gets_the_part_after_midnight(data_dir):
    row = _rows(data_dir, NEXT_DAY)[(*STREAMED, "orderbooks")]
    assert (row["stream_out_of_sync_events"], row["stream_unsynced_s"]) == (1, 6.5)
    assert _intervals(row) == [("disconnect", D1, D1 + 6_500)]


def test_samples_and_gaps_are_those_of_the_books_alone(data_dir):
    rows = _rows(data_dir, DAY)
    streamed, polled = rows[(*STREAMED, "orderbooks")], rows[(*POLLED, "orderbooks")]
    for field in ("expected_samples", "received_samples", "usable_samples", "coverage_pct", "gap_count", "gaps"):
        assert streamed[field] == polled[field], field
    assert streamed["received_samples"] == 18
    assert [(g["start_ts"], g["end_ts"]) for g in streamed["gaps"]] == [(D0 + 110 * S, D1 - 60 * S)]


def test_a_polled_market_and_the_other_data_sets(data_dir):
    rows = _rows(data_dir, DAY)
    polled = rows[(*POLLED, "orderbooks")]
    assert (polled["stream_out_of_sync_events"], polled["stream_unsynced_s"]) == (0, 0.0)
    assert polled["stream_unsynced_by_cause"] == [] and polled["stream_unsynced_intervals"] == []
    for dataset in ("trades", "fetch_errors"):
        other = rows[(*STREAMED, dataset)]
        assert [other[c] for c in ("stream_out_of_sync_events", "stream_unsynced_s", "stream_unsynced_by_cause",
                                   "stream_unsynced_intervals")] == [None] * 4, dataset
    assert rows[(*STREAMED, "fetch_errors")]["received_samples"] == 4  # the landed rows, as before


def test_a_market_out_of_sync_all_day_without_a_book_has_its_order_book_row(data_dir):
    row = _rows(data_dir, DAY)[(*SILENT, "orderbooks")]
    assert (row["received_samples"], row["usable_samples"], row["coverage_pct"], row["expected_samples"]) == (0, 0, 0, 8640)
    assert (row["gap_count"], row["longest_gap_s"]) == (1, 86_400)
    assert [(g["start_ts"], g["end_ts"]) for g in row["gaps"]] == [(D0, D1)]
    assert (row["stream_out_of_sync_events"], row["stream_unsynced_s"]) == (1, 86_400)
    assert _intervals(row) == [("stall", D0, D1)]
    assert (*SILENT, "fetch_errors") not in _rows(data_dir, DAY)  # it landed the next day
    following = _rows(data_dir, NEXT_DAY)
    assert _intervals(following[(*SILENT, "orderbooks")]) == [("stall", D1, D1 + 2 * S)]
    assert following[(*SILENT, "fetch_errors")]["received_samples"] == 1
