"""Fuzzing the capture import (issue 15): mutated capture lines in, and what must hold whatever they are.

Each example is a small capture: a valid first line, then valid order-book and trade records and
mutations of them (any field set to another JSON type, a huge or tiny number, a timestamp in
seconds, 2^63-1, unicode, path characters, NUL, a 100,000-character string; keys removed or added;
levels broken; NaN, Infinity and 1e400 written as literals; lines cut short or spliced with bytes
that are not UTF-8), in the writer's key order (fast path) or another (careful path). After the
import (`check_import`):

- no exception escapes; every line is loaded, rejected with a reason, or blank (counts add up);
  no rejection falls back to the generic "record does not match the capture format";
- the rejects file holds every rejected line, once, as `file:line: reason`, in file order;
- every unmutated line loaded; nothing exists under the work folder outside the data directory,
  and every landing folder is <data set>/day=<real date>/exchange=<venue>;
- every landed row satisfies the door (mmwatch.door) and its bounds, checked again here.

The test (tests/capture/test_capture_fuzz.py) runs 200 examples; the long run:

    .venv/bin/python -m benchmarks.fuzz_capture [--examples 20000] [--seed 1]
"""
from __future__ import annotations

import argparse
import math
import os
import re
import resource
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson
import polars as pl
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from mmwatch.capture.importer import import_capture
from mmwatch.door.limits import MAX_MAGNITUDE, TimeWindow
from mmwatch.door.rules import Door
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir
from mmwatch.venues import MARKET_TYPES, VENUES

EARLIEST_MS = 1_356_998_400_000  # 2013-01-01, mmwatch.days.HISTORY_START
LATEST_MS = 1_795_132_800_000  # 2026-11-20: valid records stay in the past of any run
SYMBOLS = ("BTC/USDT", "ETH/USDT", "ETH/BTC", "BTC/USDT:USDT", "BTC/USD:BTC", "ETH/USDT:USDT-261225")
ODD_INTS = (2**63 - 1, -(2**63), 2**64 - 1, 10**16, 0, -1, 1, 1_763_683_200, 1_763_683_200_000_000,
            4_102_444_800_000, 253_402_300_799_000)
ODD_FLOATS = (1e308, -1e308, 5e-324, -0.0, 1e-18, 9.9e-19, 1e15, 1.0000001e15, 1e16, 0.0, -1.5)
PATHS = ("../../x/ESCAPED", "a/b", "/etc/passwd", "..", ".", "bin\x00ance", "binance/..", "C:\\x", "day=2025-01-01",
         "exchange=okx", "\u202ebinance", "ｂｉｎａｎｃｅ", "binance\n", " binance")
LITERALS = (b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400", b"1e-400", b"-0", b"00", b"1.", b"0x10", b"+1",
            b"9223372036854775808", b"1" * 40, b'"1"', b"true", b"[]", b"{}")
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
DAY_FOLDER = re.compile(r"day=(\d{4}-\d{2}-\d{2})")
FAILED_CAPTURE = Path(tempfile.gettempdir()) / "fuzz_capture_failed.jsonl"  # the last capture that failed a check

# --- valid records --------------------------------------------------------------------------------

prices = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
amounts = st.floats(min_value=1e-6, max_value=1e3, allow_nan=False)


@st.composite
def envelopes(draw, kind: str) -> dict:
    timestamp = draw(st.integers(EARLIEST_MS, LATEST_MS))
    symbol = draw(st.sampled_from(SYMBOLS))
    market_type = "spot" if ":" not in symbol else draw(st.sampled_from(("swap", "future")))
    record = {"type": kind, "exchange": draw(st.sampled_from(VENUES)), "market_type": market_type, "symbol": symbol,
              "timestamp": draw(st.one_of(st.none(), st.just(timestamp))), "received_at": timestamp + draw(st.integers(0, 5_000))}
    return record


@st.composite
def valid_books(draw) -> dict:
    record = draw(envelopes("orderbook"))
    record["nonce"] = draw(st.one_of(st.none(), st.integers(0, 2**62)))
    for side in ("bids", "asks"):
        record[side] = [[draw(prices), draw(amounts)] for _ in range(draw(st.integers(0, 4)))]
    if record["market_type"] != "spot" and draw(st.booleans()):
        record["contract_size"] = draw(st.sampled_from((0.01, 1.0, 100.0, 10.0)))
    return record


@st.composite
def valid_trades(draw) -> dict:
    record = draw(envelopes("trade"))
    record.update(id=draw(st.one_of(st.none(), st.text("0123456789abc", min_size=1, max_size=12), st.integers(0, 2**40))),
                  price=draw(prices), amount=draw(amounts), side=draw(st.sampled_from((None, "buy", "sell"))))
    if record["market_type"] != "spot" and draw(st.booleans()):
        record["contract_size"] = draw(st.sampled_from((0.01, 1.0, 100.0)))
    return record


# --- mutations ------------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.sampled_from(ODD_INTS), st.integers(-(2**63), 2**64 - 1),
    st.sampled_from(ODD_FLOATS), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(PATHS), st.text(max_size=30), st.sampled_from(("B" * 100_000, "", "buy", "sell", "spot", "swap")),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=5), scalars, max_size=2),
                   st.lists(st.lists(scalars, max_size=3), max_size=3))
FIELDS = ("type", "exchange", "market_type", "symbol", "timestamp", "received_at", "nonce", "bids", "asks", "id",
          "price", "amount", "side", "contract_size")


@st.composite
def mutated(draw, record: dict) -> dict:
    """`record` with one to three changes to its fields or levels."""
    record = orjson.loads(orjson.dumps(record))
    for _ in range(draw(st.integers(1, 3))):
        change = draw(st.sampled_from(("set", "set", "delete", "extra", "level", "many levels")))
        if change == "set":
            record[draw(st.sampled_from(FIELDS))] = draw(values)
        elif change == "delete" and record:
            record.pop(draw(st.sampled_from(sorted(record))))
        elif change == "extra":
            record[draw(st.text(max_size=8))] = draw(values)
        elif change == "level":
            side = draw(st.sampled_from(("bids", "asks")))
            levels = record.get(side) if isinstance(record.get(side), list) else []
            level = draw(st.one_of(st.lists(scalars, max_size=3),
                                   st.tuples(st.sampled_from(ODD_FLOATS + ODD_INTS[:4]), amounts).map(list),
                                   st.tuples(prices, st.sampled_from(ODD_FLOATS + ODD_INTS[:4])).map(list)))
            record[side] = [*levels, level]
        elif change == "many levels":
            record[draw(st.sampled_from(("bids", "asks")))] = [[1.0, 1.0]] * draw(st.sampled_from((10_000, 10_001)))
    return record


@st.composite
def line_bytes(draw, record: dict) -> bytes:
    """`record` as a line: writer's key order or reversed, and maybe a literal, a cut or odd bytes."""
    if draw(st.booleans()):
        record = dict(reversed(list(record.items())))
    try:
        line = orjson.dumps(record)
    except TypeError:  # a value orjson cannot write (an integer beyond 64 bits): a literal instead
        line = orjson.dumps({**record, "timestamp": None}).replace(b'"timestamp":null', b'"timestamp":18446744073709551616')
    change = draw(st.sampled_from(("none", "none", "literal", "cut", "bytes")))
    if change == "literal":
        numbers = list(NUMBER.finditer(line))
        if numbers:
            match = numbers[draw(st.integers(0, len(numbers) - 1))]
            line = line[:match.start()] + draw(st.sampled_from(LITERALS)) + line[match.end():]
    elif change == "cut":
        line = line[:draw(st.integers(0, len(line)))]
    elif change == "bytes":
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.binary(min_size=1, max_size=4)) + line[at:]
    return line


@st.composite
def captures(draw) -> tuple[list[bytes], set[int]]:
    """(lines without their newline, numbers of the lines left valid); line 1 is always valid."""
    lines, valid = [orjson.dumps(draw(valid_books()))], {1}
    for _ in range(draw(st.integers(0, 10))):
        record = draw(st.one_of(valid_books(), valid_trades()))
        if draw(st.integers(0, 3)) == 0:
            lines.append(orjson.dumps(record))
            valid.add(len(lines))
        else:
            lines.append(draw(line_bytes(draw(mutated(record)))))
    return lines, valid


# --- what must hold -------------------------------------------------------------------------------


@dataclass
class FuzzTotals:
    """What the examples did, summed."""

    examples: int = 0
    lines: int = 0
    loaded: Counter = field(default_factory=Counter)
    rejected: int = 0
    blank: int = 0
    by_rule: Counter = field(default_factory=Counter)


def _paths_outside(root: Path, data_dir: DataDir, capture: Path) -> list[Path]:
    stray = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            if path != capture and not path.is_relative_to(data_dir.root) and not data_dir.root.is_relative_to(path):
                stray.append(path)
    return stray


def _check_landing_folders(data_dir: DataDir) -> None:
    if not data_dir.landing.exists():
        return
    for dataset in data_dir.landing.iterdir():
        assert dataset.name in ("orderbooks", "trades", "_rejects"), dataset
        if dataset.name == "_rejects":
            continue
        for day in dataset.iterdir():
            match = DAY_FOLDER.fullmatch(day.name)
            assert match and datetime.strptime(match[1], "%Y-%m-%d"), day
            for exchange in day.iterdir():
                assert exchange.name.removeprefix("exchange=") in VENUES, exchange


def _landed(data_dir: DataDir, dataset: str) -> pl.DataFrame | None:
    files = list_landing(data_dir, dataset)
    return pl.concat([pl.read_parquet(f.path) for f in files]) if files else None


def _check_rows(data_dir: DataDir, door: Door, loaded: Counter) -> None:
    window = door.window
    for dataset, kind in (("orderbooks", "orderbook"), ("trades", "trade")):
        frame = _landed(data_dir, dataset)
        assert (0 if frame is None else frame.height) == loaded[kind], (dataset, loaded)
        if frame is None:
            continue
        assert door.refusals(frame, dataset).is_empty()
        # the door's promises, checked without it
        for row in frame.iter_rows(named=True):
            assert row["exchange"] in VENUES and row["market_type"] in MARKET_TYPES and len(row["symbol"]) <= 64
            for ts in (row["exchange_ts"], row["received_ts"]):
                assert ts is None or window.earliest_ms <= ts <= window.latest_ms
            numbers = ([row["price"], row["amount"]] if kind == "trade" else
                       [v for side in ("bids", "asks") for level in row[side] for v in level.values()])
            assert all(math.isfinite(v) and abs(v) <= MAX_MAGNITUDE for v in numbers), row
            if kind == "trade":
                assert row["price"] > 0 and row["amount"] > 0


def check_import(lines: list[bytes], valid: set[int], root: Path, totals: FuzzTotals | None = None) -> None:
    """Import `lines` as a capture under `root` (an empty folder) and assert what must hold (module docstring)."""
    capture = root / "fuzz.jsonl"
    content = b"".join(line + b"\n" for line in lines)
    capture.write_bytes(content)
    file_lines = content.split(b"\n")[:-1]  # a mutation may have spliced in a newline
    data_dir = DataDir(root / "data")
    door = Door(TimeWindow.from_env())
    result = import_capture(data_dir, capture, door=door)

    counts = result.counts
    blank = sum(1 for line in file_lines if not line.strip())
    rejected = sum(counts.rejected.values())
    assert sum(counts.loaded.values()) + rejected + blank == len(file_lines), (counts, blank, len(file_lines))
    written = result.rejects.read_text(encoding="utf-8").split("\n")[:-1] if result.rejects else []
    assert all(len(line.splitlines()) == 1 for line in written), written  # one line for any reader
    assert len(written) == rejected
    numbers = [int(line.split(":")[1]) for line in written]
    assert numbers == sorted(set(numbers)), numbers
    assert all(re.fullmatch(r"fuzz\.jsonl:\d+: \S.*", line) for line in written), written
    assert all(issue.reason and issue.rule for issue in counts.issues)
    assert "capture format" not in counts.by_rule, counts.examples  # every rejection explained, never generic
    if len(file_lines) == len(lines):  # no newline spliced in: line numbers are the generated ones
        assert not valid & set(numbers), (valid, written)
    assert _paths_outside(root, data_dir, capture) == []
    _check_landing_folders(data_dir)
    _check_rows(data_dir, door, counts.loaded)
    if totals is not None:
        totals.examples += 1
        totals.lines += len(file_lines)
        totals.loaded.update(counts.loaded)
        totals.rejected += rejected
        totals.blank += blank
        totals.by_rule.update(counts.by_rule)


def fuzz(examples: int, root: Path, seed_value: int | None = None) -> FuzzTotals:
    """Run `examples` hypothesis examples of `check_import` under `root`; the totals."""
    totals = FuzzTotals()
    counter = iter(range(10**9))

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed_value is None,
              suppress_health_check=list(HealthCheck))
    @given(captures())
    def run(capture: tuple[list[bytes], set[int]]) -> None:
        work = root / f"example-{next(counter)}"
        work.mkdir()
        try:
            check_import(*capture, work, totals)
        except BaseException:  # a Rust panic is a BaseException: keep the capture that caused it
            shutil.copy(work / "fuzz.jsonl", FAILED_CAPTURE)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)

    (seed(seed_value)(run) if seed_value is not None else run)()
    return totals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="fuzz-capture-") as folder:
        totals = fuzz(args.examples, Path(folder), args.seed)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| examples | lines | loaded | rejected | blank | failures | seconds | CPU s | peak RSS MB | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {totals.examples:,} | {totals.lines:,} | {sum(totals.loaded.values()):,} | {totals.rejected:,} | "
          f"{totals.blank:,} | 0 | {seconds:.0f} | {cpu:.0f} | {rss_mb:.0f} | {os.getloadavg()[0]:.1f} |")
    print("\nrejected lines by rule:")
    for rule, count in totals.by_rule.most_common():
        print(f"  {count:>8,}  {rule}")


if __name__ == "__main__":
    main()
