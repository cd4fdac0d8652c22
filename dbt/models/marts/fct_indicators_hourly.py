"""Chart indicators on the 1-hour trade candles (fct_candles_1h), per market.

Standard definitions (cited in fct_indicators_hourly.yml): EMA seeded with the SMA of its first
n values, MACD (12, 26, 9), Wilder's RSI(14), Bollinger Bands (20, 2, population deviation) and
the UTC-day VWAP. Plain Python: the series are short (24 candles a day per market) and the
recursions (EMA, Wilder smoothing) have no closed form in SQL.

Incremental: the pre_hook (macro delete_indicator_rows) deletes the rows from the refresh start
on (the built day and every later day in a day build, the hours at or after the refresh start in
an appending run), and each market's recursions resume from its last kept row (EMAs, MACD signal,
Wilder's averages, the last 19 closes, the day's volumes so far): the same doubles as a run over
the whole history, at the cost of the new candles only.
"""
from __future__ import annotations

import math

# every recursion is seeded by candle 34 (the MACD signal: 26 closes, then 9 MACD values)
SEEDED_AFTER = 34
BOLLINGER_LENGTH = 20
COLUMNS = ["exchange", "market_type", "symbol", "day", "candle_start", "close", "candle_index", "ema_12",
           "ema_26", "macd", "macd_signal", "macd_histogram", "rsi_14", "rsi_avg_gain_14", "rsi_avg_loss_14",
           "bollinger_middle", "bollinger_upper", "bollinger_lower", "vwap_day"]


def ema(values: list[float | None], length: int, current: float | None = None) -> list[float | None]:
    """EMA with alpha 2 / (length + 1), seeded by the mean of the first `length` non-null values, or
    continuing from `current` (the EMA before `values`)."""
    alpha = 2.0 / (length + 1)
    out: list[float | None] = []
    seen: list[float] = []
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


def wilder_rsi(closes: list[float], length: int = 14, state: tuple | None = None) -> list[tuple]:
    """Wilder's RSI as (rsi, average gain, average loss) per close: the first averages are the mean
    gain/loss of the first `length` changes, then smoothed. `state` = (previous close, average gain,
    average loss) continues a seeded series; without it the first close has no change."""
    out: list[tuple] = []
    gains: list[float] = []
    losses: list[float] = []
    if state is None:
        previous, average_gain, average_loss = None, None, None
    else:
        previous, average_gain, average_loss = state
    for close in closes:
        if previous is None:
            out.append((None, None, None))
            previous = close
            continue
        gain, loss = max(close - previous, 0.0), max(previous - close, 0.0)
        previous = close
        if average_gain is None:
            gains.append(gain)
            losses.append(loss)
            if len(gains) == length:
                average_gain, average_loss = sum(gains) / length, sum(losses) / length
        else:
            average_gain = (average_gain * (length - 1) + gain) / length
            average_loss = (average_loss * (length - 1) + loss) / length
        if average_gain is None:
            out.append((None, None, None))
        elif average_loss == 0:
            out.append((50.0 if average_gain == 0 else 100.0, average_gain, average_loss))
        else:
            out.append((100.0 - 100.0 / (1.0 + average_gain / average_loss), average_gain, average_loss))
    return out


def bollinger(closes: list[float], length: int = BOLLINGER_LENGTH, width: float = 2.0) -> list[tuple | None]:
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


def indicator_rows(candles: list[dict], kept: list[dict] | None = None, day_candles: list[dict] | None = None) -> list[dict]:
    """The indicator columns for one market's candles (sorted by candle_start). `kept`: the market's
    last indicator rows before them (oldest first; at least SEEDED_AFTER candles into its history,
    the last BOLLINGER_LENGTH - 1 of them at least), `day_candles`: the candles of the first new
    candle's day before it; without them the candles are the market's whole history."""
    last = kept[-1] if kept else None
    closes = [c["close"] for c in candles]
    ema_12 = ema(closes, 12, last and last["ema_12"])
    ema_26 = ema(closes, 26, last and last["ema_26"])
    macd = [a - b if a is not None and b is not None else None for a, b in zip(ema_12, ema_26)]
    signal = ema(macd, 9, last and last["macd_signal"])
    rsi = wilder_rsi(closes, state=last and (last["close"], last["rsi_avg_gain_14"], last["rsi_avg_loss_14"]))
    earlier = [row["close"] for row in (kept or [])][-(BOLLINGER_LENGTH - 1):]
    bands = bollinger(earlier + closes)[len(earlier):]
    rows, day, day_quote, day_base = [], None, 0.0, 0.0
    if day_candles:
        day = day_candles[0]["day"]
        for candle in day_candles:
            day_quote += candle["volume_quote"]
            day_base += candle["volume_base"]
    first_index = last["candle_index"] if last else 0
    for index, candle in enumerate(candles):
        if candle["day"] != day:
            day, day_quote, day_base = candle["day"], 0.0, 0.0
        day_quote += candle["volume_quote"]
        day_base += candle["volume_base"]
        band = bands[index] or (None, None, None)
        rows.append({
            **{k: candle[k] for k in ("exchange", "market_type", "symbol", "day", "candle_start", "close")},
            "candle_index": first_index + index + 1, "ema_12": ema_12[index], "ema_26": ema_26[index],
            "macd": macd[index], "macd_signal": signal[index],
            "macd_histogram": macd[index] - signal[index] if signal[index] is not None else None,
            "rsi_14": rsi[index][0], "rsi_avg_gain_14": rsi[index][1], "rsi_avg_loss_14": rsi[index][2],
            "bollinger_middle": band[0], "bollinger_upper": band[1],
            "bollinger_lower": band[2], "vwap_day": day_quote / day_base if day_base else None,
        })
    return rows


def _dicts(relation) -> list[dict]:
    names = relation.columns
    return [dict(zip(names, values)) for values in relation.fetchall()]


MARKET = ("exchange", "market_type", "symbol")


def _by_market(rows: list[dict]) -> dict[tuple, list[dict]]:
    grouped: dict[tuple, list[dict]] = {}
    for row in rows:
        grouped.setdefault(tuple(row[name] for name in MARKET), []).append(row)
    return grouped


def model(dbt, session):
    """The indicator rows of every candle after its market's last kept row (all of them when the
    table is new); the pre_hook deleted the rows a refresh rewrites. Four queries whatever the
    number of markets: the new candles, the kept rows the recursions resume from, the earlier
    candles of the new candles' day, the whole history of young markets."""
    # the adapter's last execute() on this connection may still hold rows DuckDB wants read first
    session.complete()
    candles = f"({dbt.ref('fct_candles_1h').sql_query()})"
    market = ", ".join(MARKET)
    this = str(dbt.this) if dbt.is_incremental else None
    kept_last = (f"(select {market}, max(candle_start) as last_kept from {this} group by all)" if this
                 else f"(select {market}, null::timestamp as last_kept from {candles} where false)")
    new = f"""(select candles.* from {candles} as candles left join {kept_last} as kept using ({market})
               where kept.last_kept is null or candles.candle_start > kept.last_kept)"""
    new_by_market = _by_market(_dicts(session.sql(f"select * from {new} order by {market}, candle_start")))
    kept_by_market: dict[tuple, list[dict]] = {}
    day_candles: dict[tuple, list[dict]] = {}
    if this:
        # each market's last 19 rows (Bollinger's window), resumable when seeded and carrying the averages
        kept_by_market = {key: rows for key, rows in _by_market(_dicts(session.sql(
            f"select * from {this} qualify row_number() over (partition by {market} order by candle_start desc) "
            f"< {BOLLINGER_LENGTH} order by {market}, candle_start"))).items()
            if rows[-1]["candle_index"] >= SEEDED_AFTER and rows[-1]["rsi_avg_gain_14"] is not None}
        # the candles of the first new candle's day before it (the day's volumes so far)
        day_candles = _by_market(_dicts(session.sql(
            f"""select candles.* from {candles} as candles
                inner join (select {market}, min(candle_start) as first_new, arg_min(day, candle_start) as first_day
                            from {new} group by all) as new_first using ({market})
                where candles.day = new_first.first_day and candles.candle_start < new_first.first_new
                order by {market}, candle_start""")))
    young = [key for key in new_by_market if key not in kept_by_market]
    history = _by_market(_dicts(session.sql(
        f"select * from {candles} where ({market}) in (select unnest(?, recursive := true)) order by {market}, candle_start",
        params=[[dict(zip(MARKET, key)) for key in young]]))) if young else {}
    rows: list[dict] = []
    for key, market_candles in new_by_market.items():
        if key in kept_by_market:
            rows += indicator_rows(market_candles, kept_by_market[key], day_candles.get(key, []))
        else:  # a young market (or a new table): its whole history, which is short
            first = market_candles[0]["candle_start"]
            rows += [row for row in indicator_rows(history[key]) if row["candle_start"] >= first]
    import pyarrow as pa  # the adapter takes an Arrow table; imported here to keep the math plain

    types = {"exchange": pa.string(), "market_type": pa.string(), "symbol": pa.string(), "day": pa.date32(),
             "candle_start": pa.timestamp("us"), "candle_index": pa.int64()}
    schema = pa.schema([(name, types.get(name, pa.float64())) for name in COLUMNS])
    # a relation of this connection: the adapter writes an Arrow table through another cursor, whose
    # temporary table an incremental run cannot see
    return session.from_arrow(pa.Table.from_pylist(rows, schema=schema))
