"""fct_indicators_hourly, fct_market_risk_daily, fct_return_correlation_daily on a hand-made lake.

One real dbt build (every day). Indicators: LIN/USDT trades once an hour at 100 + h for 40 hours,
whose values follow in closed form (a linear series lags its EMA(n) by (n − 1) / 2 exactly when
the EMA is seeded with the SMA); ZIG/USDT a zigzag compared with a plain reference implementation
written here. Risk: minute mids of AAA/USDT and BBB/USDT on one exchange.
"""
from __future__ import annotations

import math
import statistics

import pytest

from dbt_harness import day_start_ms, one, query, run_dbt, snapshot, write_lake_orderbooks
from lake_tables import trade, write_lake_table

DAY = "2025-11-20"
D0 = day_start_ms(DAY)
M, H = 60_000, 3_600_000
ZIGZAG = [100 + 3 * math.sin(h) + h * 0.2 for h in range(40)]


def hourly_trades() -> list[dict]:
    rows = []
    for hour in range(40):
        rows.append(trade("binance", "LIN/USDT", D0 + hour * H + 60_000, 100.0 + hour, 1.0, "buy", str(hour)))
        rows.append(trade("binance", "ZIG/USDT", D0 + hour * H + 60_000, ZIGZAG[hour], 2.0, "buy", str(hour)))
    return rows


AAA_MIDS = {0: 100.0, 1: 101.0, 2: 99.0, 3: 99.0, 5: 100.0}  # minute 4 missing
BBB_MIDS = {0: 50.0, 1: 51.0, 2: 50.0, 3: 50.5}


def books() -> list[dict]:
    rows = []
    for symbol, mids in (("AAA/USDT", AAA_MIDS), ("BBB/USDT", BBB_MIDS)):
        for minute, mid in mids.items():
            rows.append(snapshot("binance", symbol, D0 + minute * M + 30_000, [(mid - 0.01, 1.0)], [(mid + 0.01, 1.0)]))
    # an earlier snapshot in minute 1 is not the minute's quote
    rows.append(snapshot("binance", "AAA/USDT", D0 + M + 1000, [(89.99, 1.0)], [(90.01, 1.0)]))
    return rows


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_indicators")
    write_lake_orderbooks(data_dir, books())
    write_lake_table(data_dir, "raw_trades", hourly_trades())
    run_dbt(data_dir, ["build"], {})
    return data_dir


def indicators(data_dir, symbol):
    return query(data_dir, "select * from fct_indicators_hourly where symbol = ? order by candle_start", [symbol])


def test_linear_series_in_closed_form(built_dir):
    rows = indicators(built_dir, "LIN/USDT")
    assert len(rows) == 40 and rows[0]["day"].isoformat() == DAY
    for index, row in enumerate(rows):
        close = 100.0 + index
        assert row["ema_12"] is None if index < 11 else row["ema_12"] == pytest.approx(close - 5.5, abs=1e-9)
        assert row["ema_26"] is None if index < 25 else row["ema_26"] == pytest.approx(close - 12.5, abs=1e-9)
        assert row["macd_signal"] is None if index < 33 else row["macd_signal"] == pytest.approx(7.0, abs=1e-9)
        assert row["rsi_14"] is None if index < 14 else row["rsi_14"] == 100.0
        if index >= 19:
            assert row["bollinger_middle"] == pytest.approx(close - 9.5, abs=1e-9)
            assert row["bollinger_upper"] - row["bollinger_middle"] == pytest.approx(2 * math.sqrt(399 / 12), abs=1e-9)
        else:
            assert row["bollinger_middle"] is None
    # VWAP of the day so far: hours 0..23 on day D, reset at midnight
    assert rows[23]["vwap_day"] == pytest.approx(sum(100.0 + h for h in range(24)) / 24, rel=1e-12)
    assert rows[24]["vwap_day"] == 124.0 and rows[30]["vwap_day"] == pytest.approx(127.0, rel=1e-12)


def reference_ema(values, n):
    out, alpha = [None] * len(values), 2 / (n + 1)
    start = next(i for i, v in enumerate(values) if v is not None)
    out[start + n - 1] = statistics.fmean(values[start:start + n])
    for i in range(start + n, len(values)):
        out[i] = values[i] * alpha + out[i - 1] * (1 - alpha)
    return out


def reference_rsi(closes, n=14):
    changes = [b - a for a, b in zip(closes, closes[1:])]
    gain = statistics.fmean(max(c, 0) for c in changes[:n])
    loss = statistics.fmean(max(-c, 0) for c in changes[:n])
    out = [None] * n + [100 - 100 / (1 + gain / loss)]
    for change in changes[n:]:
        gain, loss = (gain * (n - 1) + max(change, 0)) / n, (loss * (n - 1) + max(-change, 0)) / n
        out.append(100 - 100 / (1 + gain / loss))
    return out


def test_zigzag_against_reference(built_dir):
    rows = indicators(built_dir, "ZIG/USDT")
    ema_12, ema_26 = reference_ema(ZIGZAG, 12), reference_ema(ZIGZAG, 26)
    macd = [a - b if b is not None else None for a, b in zip(ema_12, ema_26)]
    signal, rsi = reference_ema(macd, 9), reference_rsi(ZIGZAG)
    for index, row in enumerate(rows):
        for name, expected in (("ema_12", ema_12), ("macd", macd), ("macd_signal", signal), ("rsi_14", rsi)):
            if expected[index] is None:
                assert row[name] is None, (name, index)
            else:
                assert row[name] == pytest.approx(expected[index], rel=1e-9, abs=1e-12), (name, index)
    window = ZIGZAG[39 - 19:]
    assert rows[39]["bollinger_lower"] == pytest.approx(statistics.fmean(window) - 2 * statistics.pstdev(window), rel=1e-12)


def test_realised_volatility(built_dir):
    row = one(built_dir, "select * from fct_market_risk_daily where symbol = 'AAA/USDT'")
    returns = [math.log(101 / 100), math.log(99 / 101), 0.0]  # minute 5 follows a gap: no return
    variance = sum(r * r for r in returns)
    assert row["quoted_minutes"] == 5 and row["return_count"] == 3
    assert row["realised_variance"] == pytest.approx(variance, rel=1e-12)
    assert row["realised_volatility_daily"] == pytest.approx(math.sqrt(variance * 1440 / 3), rel=1e-12)
    assert row["realised_volatility_annualised"] == pytest.approx(math.sqrt(variance * 1440 / 3 * 365), rel=1e-12)
    assert (row["first_mid"], row["last_mid"], row["min_mid"]) == (100.0, 100.0, 99.0)


def test_return_correlation(built_dir):
    row = one(built_dir, "select * from fct_return_correlation_daily")
    assert (row["symbol_a"], row["symbol_b"], row["common_minutes"]) == ("AAA/USDT", "BBB/USDT", 3)
    aaa = [math.log(101 / 100), math.log(99 / 101), 0.0]
    bbb = [math.log(51 / 50), math.log(50 / 51), math.log(50.5 / 50)]
    assert row["return_correlation"] == pytest.approx(statistics.correlation(aaa, bbb), rel=1e-9)
