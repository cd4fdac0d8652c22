"""The import parses blocks two at a time and lands order books per partition before parsing:
same rows, same reports, in file order, as one block at a time."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import orjson
import polars as pl

from mmwatch.capture.importer import import_capture
from mmwatch.capture.lines import line_blocks
from mmwatch.capture.reader import CaptureReader
from mmwatch.capture.writer import orderbook_record, trade_record
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir

T0 = 1_763_683_200_000  # 2025-11-21 00:00:00 UTC
EXCHANGES = ("binance", "gate", "okx")


def _day(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def _records() -> list[dict]:
    """Books of three exchanges around midnight (some without a venue time: their received time
    decides the day), trades in between."""
    records = []
    for i in range(120):
        exchange = EXCHANGES[i % 3]
        ts = T0 - 60_000 + 1_000 * i  # the first 60 seconds are on the day before
        venue_ts = None if i % 7 == 0 else ts
        records.append(orderbook_record(exchange, "spot", "BTC/USDT", venue_ts, ts + 30,
                                        [[97000.0 - i, 0.5], [96990.0, 1.0]], [[97001.0 + i, 0.25]], nonce=i))
        if i % 5 == 0:
            records.append(trade_record(exchange, "spot", "BTC/USDT", ts, ts + 40, str(i), 97000.5, 0.1, "buy"))
    return records


def _lines(records: list[dict]) -> list[bytes]:
    lines = [orjson.dumps(r) for r in records]
    lines[10] = lines[10][:-15]  # cut short: invalid JSON
    lines[77] = orjson.dumps({**records[77], "asks": [[1.0]]})  # a level without an amount
    lines[140] = b'{"type": "orderbook", "exchange": "gate"}'  # careful path: fields missing
    return lines


def _landed(data_dir: DataDir, dataset: str) -> pl.DataFrame:
    frames = []
    for file in list_landing(data_dir, dataset):
        frame = pl.read_parquet(file.path)
        ts = frame["exchange_ts"].fill_null(frame["received_ts"])
        # every landing file holds the rows of its own partition only
        assert set(ts.map_elements(_day, return_dtype=pl.Utf8)) == {file.day}
        assert set(frame["exchange"]) == {file.exchange}
        frames.append(frame)
    return pl.concat(frames).sort("received_ts")


def test_blocks_parsed_two_at_a_time_land_per_partition_with_reports_in_file_order(tmp_path):
    records = _records()
    path = tmp_path / "midnight.jsonl"
    path.write_bytes(b"\n".join(_lines(records)) + b"\n")
    one, two = DataDir(tmp_path / "one"), DataDir(tmp_path / "two")

    serial = CaptureReader(path, workers=1)
    parallel = CaptureReader(path, workers=2, block_bytes=1_500)  # a few lines per block: many blocks
    serial_chunks, parallel_chunks = list(serial.chunks()), list(parallel.chunks())
    assert len(serial_chunks) == 1 and len(parallel_chunks) > 20
    assert parallel.counts.loaded == serial.counts.loaded
    assert [(i.line, i.reason) for i in parallel.counts.issues] == [(i.line, i.reason) for i in serial.counts.issues]
    assert [i.line for i in parallel.counts.issues] == [11, 78, 141]

    import_capture(one, path)
    import_capture(two, path)
    books = _landed(one, "orderbooks")
    assert books.equals(_landed(two, "orderbooks"))
    bad = {10, 77, 140}
    expected = [r for n, r in enumerate(records) if n not in bad and r["type"] == "orderbook"]
    assert books["nonce"].to_list() == [r["nonce"] for r in expected]
    # partitions computed here from the records: day of coalesce(timestamp, received_at) x exchange
    expected_partitions = Counter((_day(r["timestamp"] or r["received_at"]), r["exchange"]) for r in expected)
    landed_partitions = Counter()
    for file in list_landing(one, "orderbooks"):
        landed_partitions[(file.day, file.exchange)] += pl.read_parquet(file.path).height
    assert landed_partitions == expected_partitions
    assert len({day for day, _ in expected_partitions}) == 2


def test_a_block_stays_readable_while_the_next_ones_are_read(tmp_path):
    records = [orjson.dumps({"type": "trade", "n": i, "pad": "x" * (i % 13)}) for i in range(200)]
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"\n".join(records) + b"\n")
    held, seen = [], {}
    for block in line_blocks(path, block_bytes=300, buffers=3):
        held.append(block)
        held = held[-2:]  # the two latest blocks are still in use (parsed by workers)
        for kept in held:
            for line_no in range(kept.first_line, kept.first_line + len(kept)):
                seen[line_no] = kept.line(line_no).rstrip(b"\n")
                assert seen[line_no] == records[line_no - 1]
    assert len(seen) == 200
