"""The pandera checks built from mmwatch/lake/tables.py refuse what the definition forbids."""
from __future__ import annotations

import polars as pl
import pytest

from mmwatch.lake.tables import RAW_TICKERS, RAW_TRADES
from mmwatch.lake.validation import LakeSchemaError, check_lake_frame


def _trade(**changes) -> dict:
    row = {"exchange": "okx", "market_type": "swap", "symbol": "BTC/USDT:USDT", "exchange_ts": 1, "received_ts": 2,
           "trade_id": "7", "price": 50_000.0, "amount": 3.0, "side": "buy", "source": "collector",
           "contract_size": 0.01, "ts": 1, "trade_key": "7"}
    return {**row, **changes}


def _frame(rows: list[dict], schema: pl.Schema = RAW_TRADES.schema) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema)


def test_a_good_frame_passes():
    check_lake_frame("raw_trades", _frame([_trade()]), ["f.parquet"])


@pytest.mark.parametrize("changes, column, check", [
    ({"contract_size": 0.0}, "contract_size", "greater_than(0)"),
    ({"side": "long"}, "side", "isin"),
    ({"market_type": "option"}, "market_type", "isin"),
    ({"symbol": "BT"}, "symbol", "str_length"),
])
def test_values_the_definition_forbids_are_refused_naming_column_and_file(changes, column, check):
    with pytest.raises(LakeSchemaError) as caught:
        check_lake_frame("raw_trades", _frame([_trade(), _trade(**changes)]), ["good.parquet", "bad.parquet"])
    message = str(caught.value)
    assert f"column {column!r} fails {check}" in message and "bad.parquet" in message and "good.parquet" not in message


def test_an_extra_column_is_refused():
    frame = _frame([_trade()]).with_columns(pl.lit(1.0).alias("fee"))
    with pytest.raises(LakeSchemaError, match="fee"):
        check_lake_frame("raw_trades", frame, ["f.parquet"])


def test_a_data_set_key_must_be_unique_and_not_null():
    row = {"exchange": "okx", "market_type": "swap", "symbol": "BTC/USDT:USDT", "ts": 1, "received_ts": 2}
    with pytest.raises(LakeSchemaError):
        check_lake_frame("raw_tickers", pl.DataFrame([row, row], schema=RAW_TICKERS.schema), ["a", "b"])
    check_lake_frame("raw_tickers", pl.DataFrame([row], schema=RAW_TICKERS.schema), ["a"])


def _stream_row(message: str, received_ts: int = 3_000, dataset: str = "orderbooks") -> dict:
    return {"exchange": "okx", "market_type": "spot", "symbol": "BTC/USDT", "dataset": dataset,
            "received_ts": received_ts, "error_class": "StreamOutOfSync", "message": message}


def test_the_collectors_out_of_sync_row_passes():
    from mmwatch.collector.rows import MarketRef
    from mmwatch.collector.stream_sync import Unsynced
    from mmwatch.lake.tables import RAW_FETCH_ERRORS

    row = Unsynced("checksum", 1_000, 3_000).row(MarketRef("okx", "BTC/USDT", "spot"))
    timeout = {**_stream_row("timed out"), "error_class": "RequestTimeout"}
    check_lake_frame("raw_fetch_errors", pl.DataFrame([row, timeout], schema=RAW_FETCH_ERRORS.schema), ["a", "b"])


@pytest.mark.parametrize("row", [
    _stream_row("cause=gap unsynced_ms=2000 from=1000 to=3000 extra"),  # not the shape
    _stream_row("cause=gap unsynced_ms=1999 from=1000 to=3000"),  # unsynced_ms is not to - from
    _stream_row("cause=gap unsynced_ms=2000 from=1000 to=3000", received_ts=3_001),  # landed when it had not ended
    _stream_row("cause=gap unsynced_ms=2000 from=1000 to=3000", dataset="trades"),  # a book's interval only
    _stream_row(None),
], ids=["shape", "length", "received", "dataset", "no-message"])
def test_a_malformed_out_of_sync_row_is_refused(row):
    from mmwatch.lake.tables import RAW_FETCH_ERRORS

    good = _stream_row("cause=gap unsynced_ms=2000 from=1000 to=3000")
    with pytest.raises(LakeSchemaError, match="StreamOutOfSync row must be") as caught:
        check_lake_frame("raw_fetch_errors", pl.DataFrame([good, row], schema=RAW_FETCH_ERRORS.schema), ["good", "bad"])
    assert "bad" in str(caught.value)
