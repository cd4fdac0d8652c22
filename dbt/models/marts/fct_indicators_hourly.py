"""Chart indicators on the 1-hour trade candles (fct_candles_1h), per market.

Standard definitions (cited in fct_indicators_hourly.yml): EMA seeded with the SMA of its first
n values, MACD (12, 26, 9), Wilder's RSI(14), Bollinger Bands (20, 2, population deviation) and
the UTC-day VWAP. Plain Python: the series are short (24 candles a day per market) and the
recursions (EMA, Wilder smoothing) have no closed form in SQL.
"""
from __future__ import annotations

import math


def ema(values: list[float | None], length: int) -> list[float | None]:
    """EMA with alpha 2 / (length + 1), seeded by the mean of the first `length` non-null values."""
    alpha = 2.0 / (length + 1)
    out: list[float | None] = []
    seen: list[float] = []
    current = None
    for value in values:
        if value is None:
            out.append(None)
            continue
        if current is None:
            seen.append(value)
            if len(seen) == length:
                current = sum(seen) / length
        else:
            current = alpha * value + (1 - alpha) * current
        out.append(current)
    return out


def wilder_rsi(closes: list[float], length: int = 14) -> list[float | None]:
    """Wilder's RSI: first averages are the mean gain/loss of the first `length` changes, then smoothed."""
    out: list[float | None] = [None]
    gains: list[float] = []
    losses: list[float] = []
    average_gain = average_loss = None
    for previous, close in zip(closes, closes[1:]):
        gain, loss = max(close - previous, 0.0), max(previous - close, 0.0)
        if average_gain is None:
            gains.append(gain)
            losses.append(loss)
            if len(gains) == length:
                average_gain, average_loss = sum(gains) / length, sum(losses) / length
        else:
            average_gain = (average_gain * (length - 1) + gain) / length
            average_loss = (average_loss * (length - 1) + loss) / length
        if average_gain is None:
            out.append(None)
        elif average_loss == 0:
            out.append(50.0 if average_gain == 0 else 100.0)
        else:
            out.append(100.0 - 100.0 / (1.0 + average_gain / average_loss))
    return out


def bollinger(closes: list[float], length: int = 20, width: float = 2.0) -> list[tuple | None]:
    """(middle, upper, lower): SMA of the last `length` closes ± width × their population deviation."""
    out: list[tuple | None] = []
    for index in range(len(closes)):
        if index + 1 < length:
            out.append(None)
            continue
        window = closes[index + 1 - length:index + 1]
        middle = sum(window) / length
        deviation = math.sqrt(sum((c - middle) ** 2 for c in window) / length)
        out.append((middle, middle + width * deviation, middle - width * deviation))
    return out


def indicator_rows(candles: list[dict]) -> list[dict]:
    """The indicator columns for one market's candles (sorted by candle_start)."""
    closes = [c["close"] for c in candles]
    ema_12, ema_26 = ema(closes, 12), ema(closes, 26)
    macd = [a - b if a is not None and b is not None else None for a, b in zip(ema_12, ema_26)]
    signal = ema(macd, 9)
    rsi = wilder_rsi(closes)
    bands = bollinger(closes)
    rows, day, day_quote, day_base = [], None, 0.0, 0.0
    for index, candle in enumerate(candles):
        if candle["day"] != day:
            day, day_quote, day_base = candle["day"], 0.0, 0.0
        day_quote += candle["volume_quote"]
        day_base += candle["volume_base"]
        band = bands[index] or (None, None, None)
        rows.append({
            **{k: candle[k] for k in ("exchange", "market_type", "symbol", "day", "candle_start", "close")},
            "candle_index": index + 1, "ema_12": ema_12[index], "ema_26": ema_26[index],
            "macd": macd[index], "macd_signal": signal[index],
            "macd_histogram": macd[index] - signal[index] if signal[index] is not None else None,
            "rsi_14": rsi[index], "bollinger_middle": band[0], "bollinger_upper": band[1],
            "bollinger_lower": band[2], "vwap_day": day_quote / day_base if day_base else None,
        })
    return rows


def model(dbt, session):
    """Every market's whole candle history, in candle order; all days are rebuilt each run."""
    dbt.config(materialized="table")
    candles = dbt.ref("fct_candles_1h").order("exchange, market_type, symbol, candle_start")
    names = [column for column in candles.columns]
    by_market: dict[tuple, list[dict]] = {}
    for values in candles.fetchall():
        candle = dict(zip(names, values))
        by_market.setdefault((candle["exchange"], candle["market_type"], candle["symbol"]), []).append(candle)
    rows = [row for market_candles in by_market.values() for row in indicator_rows(market_candles)]
    import pyarrow as pa  # the adapter takes an Arrow table; imported here to keep the math plain

    columns = ["exchange", "market_type", "symbol", "day", "candle_start", "close", "candle_index", "ema_12",
               "ema_26", "macd", "macd_signal", "macd_histogram", "rsi_14", "bollinger_middle",
               "bollinger_upper", "bollinger_lower", "vwap_day"]
    types = {"exchange": pa.string(), "market_type": pa.string(), "symbol": pa.string(), "day": pa.date32(),
             "candle_start": pa.timestamp("us"), "candle_index": pa.int64()}
    schema = pa.schema([(name, types.get(name, pa.float64())) for name in columns])
    return pa.Table.from_pylist(rows, schema=schema)
