"""Which venue offers which data set, for the simulator and for the collector (one table, read by both).

Venue ids are ccxt ids. A data set missing from a venue's entry is not offered by that venue (the
collector skips it with a note, never an error). `DATASET_METHODS` says how each data set is
reached through ccxt on that venue (a unified method, or an exchange-specific implicit method).

Data sets:
  orderbooks              fetch_order_book
  trades                  fetch_trades
  tickers                 fetch_tickers (24 h last, bid, ask, volumes, change)
  ohlcv                   fetch_ohlcv (1 m candles)
  funding                 fetch_funding_rate(s): rate, next funding time (+ mark and index where sent)
  mark_price              fetch_mark_price(s) / index price
  open_interest           fetch_open_interest (current)
  open_interest_history   fetch_open_interest_history
  long_short_ratio        global accounts and top traders (Binance /futures/data) or
                          fetch_long_short_ratio_history
  fund_flow               Bitget spot fund flow and whale net flow (v3 UTA market endpoints)
  contract_stats          Gate publicFuturesGetSettleContractStats
"""
from __future__ import annotations

VENUES = ("binance", "binancecoinm", "binanceusdm", "bitget", "gate", "kucoin", "kucoinfutures", "okx", "bybit")

# Market types each venue serves in the simulator (and that mmwatch collects there).
VENUE_MARKET_TYPES: dict[str, tuple[str, ...]] = {
    "binance": ("spot",),
    "binancecoinm": ("swap",),
    "binanceusdm": ("swap",),
    "bitget": ("spot", "swap"),
    "gate": ("spot", "swap"),
    "kucoin": ("spot",),
    "kucoinfutures": ("swap",),
    "okx": ("spot", "swap"),
    "bybit": ("spot", "swap"),
}
# Venues whose perpetuals are inverse (settled in the base currency, BASE/QUOTE:BASE, contract_size
# in quote units per contract); every other venue serves linear perpetuals only.
INVERSE_VENUES = frozenset({"binancecoinm"})

DATASETS = ("orderbooks", "trades", "tickers", "ohlcv", "funding", "mark_price", "open_interest",
            "open_interest_history", "long_short_ratio", "fund_flow", "contract_stats")
SPOT_DATASETS = frozenset({"orderbooks", "trades", "tickers", "ohlcv"})
PERP_DATASETS = frozenset({"funding", "mark_price", "open_interest", "open_interest_history",
                           "long_short_ratio", "contract_stats"})

# venue -> market type -> data sets offered for that market type.
SUPPORTED_DATASETS: dict[str, dict[str, frozenset[str]]] = {
    "binance": {"spot": SPOT_DATASETS},
    "binancecoinm": {"swap": SPOT_DATASETS | {"funding", "mark_price", "open_interest",
                                              "open_interest_history", "long_short_ratio"}},
    "binanceusdm": {"swap": SPOT_DATASETS | {"funding", "mark_price", "open_interest",
                                             "open_interest_history", "long_short_ratio"}},
    "bitget": {"spot": SPOT_DATASETS | {"fund_flow"},
               "swap": SPOT_DATASETS | {"funding", "mark_price", "open_interest", "long_short_ratio"}},
    "gate": {"spot": SPOT_DATASETS,
             "swap": SPOT_DATASETS | {"funding", "mark_price", "open_interest_history", "contract_stats"}},
    "kucoin": {"spot": SPOT_DATASETS},
    "kucoinfutures": {"swap": SPOT_DATASETS | {"funding", "mark_price", "open_interest_history"}},
    "okx": {"spot": SPOT_DATASETS,
            "swap": SPOT_DATASETS | {"funding", "mark_price", "open_interest", "open_interest_history",
                                     "long_short_ratio"}},
    "bybit": {"spot": SPOT_DATASETS,
              "swap": SPOT_DATASETS | {"funding", "mark_price", "open_interest", "open_interest_history",
                                       "long_short_ratio"}},
}

# How a data set is reached through ccxt where it is not the obvious unified method.
DATASET_METHODS: dict[tuple[str, str], str] = {
    ("binancecoinm", "open_interest_history"): "fetch_open_interest_history (dapiDataGetOpenInterestHist: pair + "
                                               "contractType)",
    ("binancecoinm", "long_short_ratio"): "dapiDataGetGlobalLongShortAccountRatio + dapiDataGetTopLongShortPositionRatio "
                                          "(pair)",
    ("binanceusdm", "open_interest_history"): "fapiDataGetOpenInterestHist",
    ("binanceusdm", "long_short_ratio"): "fapiDataGetGlobalLongShortAccountRatio + fapiDataGetTopLongShortPositionRatio",
    ("bitget", "fund_flow"): "publicUtaGetV3MarketSpotFundFlow + publicUtaGetV3MarketSpotWhaleFlow",
    ("bitget", "long_short_ratio"): "fetch_long_short_ratio_history",
    ("bitget", "mark_price"): "fetch_tickers / fetch_funding_rates (markPrice, indexPrice in the tickers)",
    ("gate", "contract_stats"): "publicFuturesGetSettleContractStats (settle lowercase)",
    ("gate", "open_interest_history"): "fetch_open_interest_history (contract stats)",
    ("gate", "mark_price"): "fetch_funding_rate (mark_price, index_price) / fetch_tickers",
    ("kucoinfutures", "mark_price"): "fetch_mark_price",
    ("kucoinfutures", "open_interest_history"): "fetch_open_interest_history (UTA open-interest)",
    ("okx", "long_short_ratio"): "fetch_long_short_ratio_history",
    ("bybit", "long_short_ratio"): "fetch_long_short_ratio_history",
    ("bybit", "mark_price"): "fetch_funding_rates (markPrice, indexPrice) / fetch_tickers",
}


def supports(venue: str, market_type: str, dataset: str) -> bool:
    """True when `venue` offers `dataset` for markets of `market_type` (unknown venue/type: False)."""
    return dataset in SUPPORTED_DATASETS.get(venue, {}).get(market_type, frozenset())


def missing_datasets(venue: str, market_type: str) -> list[str]:
    """The data sets `venue` does not offer for `market_type`, in `DATASETS` order."""
    return [d for d in DATASETS if not supports(venue, market_type, d)]
