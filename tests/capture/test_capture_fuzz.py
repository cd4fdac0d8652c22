"""Fuzzing the capture import with a bounded budget (hypothesis, 200 examples, derandomized so a
run is repeatable): mutated book and trade lines never raise, every line is loaded, rejected with a
reason or blank, nothing is written outside the data directory and every landed row passes the
door. The strategies and the checks are benchmarks/fuzz_capture.py's; its long run (20,000 examples)
is in docs/benchmarks.md."""
from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from benchmarks.fuzz_capture import captures, check_import

T0 = 1_763_683_200_000


@settings(max_examples=200, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(captures())
def test_mutated_capture_lines(tmp_path_factory, capture):
    check_import(*capture, tmp_path_factory.mktemp("fuzz"))


def test_without_the_door_the_checks_fail_and_the_path_guard_holds(tmp_path, monkeypatch):
    """The fuzz checks can fail: with the door letting everything in, a 1e308 amount lands and the
    checks' own bound check says so; a ../ exchange is then stopped by the partition path guard."""
    import polars as pl

    from mmwatch.door.paths import PartitionPathError
    from mmwatch.door.rules import REFUSAL_SCHEMA, Door

    monkeypatch.setattr(Door, "refusals", lambda self, frame, dataset: pl.DataFrame(schema=REFUSAL_SCHEMA))
    book = {"type": "orderbook", "exchange": "binance", "market_type": "spot", "symbol": "BTC/USDT", "timestamp": T0,
            "received_at": T0, "nonce": None, "bids": [[1.0, 1e308]], "asks": [[2.0, 1.0]]}
    (tmp_path / "a").mkdir()
    with pytest.raises(AssertionError):
        check_import([orjson.dumps(book)], {1}, tmp_path / "a")
    (tmp_path / "b").mkdir()
    with pytest.raises(PartitionPathError, match="exchange '../x' is not a venue"):
        check_import([orjson.dumps({**book, "exchange": "../x", "bids": [[1.0, 1.0]]})], {1}, tmp_path / "b")
    assert not (tmp_path / "x").exists()
