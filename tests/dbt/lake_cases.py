"""The hand-crafted markets of the dbt mart tests: one spec case per market.

Every number the tests assert is worked out by hand in the test comments from the
levels below. Day D = 2025-11-20; the breach-at-midnight case continues on D+1.
"""
from __future__ import annotations

from dbt_harness import day_start_ms, snapshot

DAY = "2025-11-20"
NEXT_DAY = "2025-11-21"
D0 = day_start_ms(DAY)
D1 = day_start_ms(NEXT_DAY)
S = 1000  # one second in ms

# spread 49.875 bps, depth in the 100 bps band 100 (bid) / 100.5 (ask) USD
COMPLIANT_BOOK = ([(100.0, 1.0)], [(100.5, 1.0)])
# spread 3 / 101.5 = 295.6 bps: breaches max_spread_bps 100
WIDE_BOOK = ([(100.0, 1.0)], [(103.0, 1.0)])
# ETH/BTC: mid 0.05, spread 40 bps, 100 bps band holds 4.99 BTC bid / 5.01 BTC ask
ETH_BTC_BOOK = ([(0.0499, 100.0)], [(0.0501, 100.0)])


def _book(exchange, symbol, ts, book, **kwargs):
    return snapshot(exchange, symbol, ts, book[0], book[1], **kwargs)


def lake_rows() -> list[dict]:
    """Every order-book row of the scenario (the duplicate is written separately)."""
    rows = [
        # zero-amount levels at the top (99.5) and the bottom (90) of the bids are ignored
        snapshot("binance", "AAA/USDT", D0 + 5 * S,
                 [(99.5, 0.0), (99.0, 10.0), (98.0, 5.0), (90.0, 0.0)],
                 [(101.0, 10.0), (102.0, 5.0)]),
        _book("binance", "CRS/USDT", D0, COMPLIANT_BOOK),
        snapshot("binance", "CRS/USDT", D0 + 10 * S, [(101.0, 1.0)], [(100.0, 1.0)],
                 invalid_reason="crossed_book"),
        snapshot("binance", "ONE/USDT", D0, [(10.0, 100.0)], [(10.01, 100.0)]),
        snapshot("binance", "ONE/USDT", D0 + 10 * S, [(10.0, 100.0)], []),
        # USD reference markets BTC/USDT (mids 50,000 / 51,000 / 52,000 / 49,000)
        snapshot("binance", "BTC/USDT", D0, [(49990.0, 1.0)], [(50010.0, 1.0)]),
        snapshot("bybit", "BTC/USDT", D0 + 170 * S, [(50990.0, 1.0)], [(51010.0, 1.0)]),
        snapshot("okx", "BTC/USDT", D0 + 190 * S, [(51990.0, 1.0)], [(52010.0, 1.0)]),
        snapshot("gate", "BTC/USDT", D0 - 30 * S, [(48990.0, 1.0)], [(49010.0, 1.0)]),  # day D-1
        _book("binance", "ETH/BTC", D0 + 60 * S, ETH_BTC_BOOK),
        _book("gate", "ETH/BTC", D0 + 10 * S, ETH_BTC_BOOK),
        _book("kraken", "ETH/BTC", D0 + 200 * S, ETH_BTC_BOOK),
        _book("kraken", "ETH/BTC", D0 + 1000 * S, ETH_BTC_BOOK),
    ]
    gap_books = [(0, COMPLIANT_BOOK), (10, WIDE_BOOK), (20, WIDE_BOOK), (200, WIDE_BOOK),
                 (230, WIDE_BOOK), (260, COMPLIANT_BOOK)]
    rows += [_book("binance", "GAP/USDT", D0 + t * S, book) for t, book in gap_books]
    irregular_books = [(0, COMPLIANT_BOOK), (15, WIDE_BOOK), (30, WIDE_BOOK), (45, WIDE_BOOK),
                       (60, COMPLIANT_BOOK)]
    rows += [_book("binance", "IRR/USDT", D0 + t * S, book) for t, book in irregular_books]
    midnight_books = [(-30, COMPLIANT_BOOK), (-20, WIDE_BOOK), (-10, WIDE_BOOK),
                      (0, WIDE_BOOK), (10, WIDE_BOOK), (20, COMPLIANT_BOOK)]
    rows += [_book("binance", "MID/USDT", D1 + t * S, book) for t, book in midnight_books]
    return rows


def duplicate_row() -> dict:
    """A snapshot written in two lake batches: one snapshot (spec §1)."""
    return snapshot("binance", "DUP/USDT", D0, [(50.0, 1.0)], [(50.1, 1.0)])


def _obligation(obligation_id, exchange, symbol, **terms) -> dict:
    row = {"obligation_id": obligation_id, "mm_name": "Test MM", "exchange": exchange,
           "market_type": "spot", "symbol": symbol, "valid_from": "2025-01-01"}
    row.update(terms)
    return row


# spread <= 100 bps and >= 10 USD a side within 100 bps; default coverage (90 %)
LOOSE = {"max_spread_bps": 100, "depth_band_bps": 100, "min_depth_usd": 10, "min_uptime_pct": 90}


def obligations() -> list[dict]:
    """The obligations CSV rows; empty cells take the defaults (90 / 75 / 300)."""
    return [
        _obligation("o-basic", "binance", "AAA/USDT", max_spread_bps=200, depth_band_bps=150,
                    min_depth_usd=990, min_uptime_pct=90, min_coverage_pct=0.05),
        _obligation("o-strict", "binance", "AAA/USDT", max_spread_bps=200, depth_band_bps=150,
                    min_depth_usd=1000, min_uptime_pct=90, min_coverage_pct=0.05),
        _obligation("o-future", "binance", "AAA/USDT", valid_from=NEXT_DAY, **LOOSE),
        _obligation("o-expired", "binance", "AAA/USDT", valid_from="2025-01-01", valid_to=DAY, **LOOSE),
        _obligation("o-crossed", "binance", "CRS/USDT", **LOOSE),
        _obligation("o-one-sided", "binance", "ONE/USDT", max_spread_bps=20, depth_band_bps=50,
                    min_depth_usd=500, min_uptime_pct=90, min_coverage_pct=0.05),
        _obligation("o-dup", "binance", "DUP/USDT", **{**LOOSE, "min_coverage_pct": 0.05}),
        _obligation("o-ethbtc-kraken", "kraken", "ETH/BTC", max_spread_bps=50, depth_band_bps=100,
                    min_depth_usd=200000, min_uptime_pct=40, min_coverage_pct=0.1),
        _obligation("o-gap", "binance", "GAP/USDT", **LOOSE),
        _obligation("o-irregular", "binance", "IRR/USDT", **{**LOOSE, "min_uptime_pct": 60,
                                                              "min_coverage_pct": 0.1}),
        _obligation("o-midnight", "binance", "MID/USDT", **LOOSE),
        _obligation("o-nodata", "binance", "NOD/USDT", **LOOSE),
    ]

# One obligation on binance ZZZ/USDT: spread <= 100 bps, >= 10 USD within 100 bps, uptime >= 90 %.
ZZZ_OBLIGATION = {
    "obligation_id": "o-zzz", "mm_name": "Test MM", "exchange": "binance", "market_type": "spot",
    "symbol": "ZZZ/USDT", "valid_from": "2025-01-01", "max_spread_bps": 100,
    "depth_band_bps": 100, "min_depth_usd": 10, "min_uptime_pct": 90}
