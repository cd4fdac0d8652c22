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
