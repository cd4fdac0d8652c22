"""What each venue offers and allows, as mmwatch collects it (the production table).

Market types, the ccxt fetchMarkets types that load them, order-book depth
limits, trade page sizes and which data sets each venue offers per market
type. The simulator keeps its own table (simulator/datasets.py); tests check
that both agree.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)

from mmwatch.venues import VENUES  # noqa: F401  (the one venue list; re-exported for the tables below)

# ccxt fetchMarkets types per venue: spot, USDT-margined perpetuals and Binance COIN-M's inverse ones.
FETCH_MARKET_TYPES: dict[str, list[str]] = {
    "binance": ["spot"], "binancecoinm": ["inverse"], "binanceusdm": ["linear"], "bitget": ["spot", "swap"], "gate": ["spot", "swap"],
    "kucoin": ["spot"], "kucoinfutures": ["swap"], "okx": ["spot", "swap"], "bybit": ["spot", "linear"],
}

SPOT = frozenset({"orderbooks", "trades", "tickers", "ohlcv"})

# venue -> market type -> data sets offered (a data set not listed is skipped with a note).
SUPPORTED_DATASETS: dict[str, dict[str, frozenset[str]]] = {
    "binance": {"spot": SPOT},
    "binancecoinm": {"swap": SPOT | {"funding", "open_interest", "long_short_ratio"}},
    "binanceusdm": {"swap": SPOT | {"funding", "open_interest", "long_short_ratio"}},
    "bitget": {"spot": SPOT | {"fund_flow"}, "swap": SPOT | {"funding", "open_interest", "long_short_ratio"}},
    "gate": {"spot": SPOT, "swap": SPOT | {"funding", "open_interest", "contract_stats"}},
    "kucoin": {"spot": SPOT},
    "kucoinfutures": {"swap": SPOT | {"funding", "open_interest"}},
    "okx": {"spot": SPOT, "swap": SPOT | {"funding", "open_interest", "long_short_ratio"}},
    "bybit": {"spot": SPOT, "swap": SPOT | {"funding", "open_interest", "long_short_ratio"}},
}

# Open interest: the current reading (fetch_open_interest) and/or the 5-minute history.
OPEN_INTEREST_NOW = frozenset({"binancecoinm", "binanceusdm", "bitget", "okx", "bybit"})
OPEN_INTEREST_HISTORY = frozenset({"binancecoinm", "binanceusdm", "gate", "kucoinfutures", "okx", "bybit"})

# (venue, market type) -> deepest order book one public request returns.
BOOK_MAX_LEVELS: dict[tuple[str, str], int] = {
    ("binance", "spot"): 5000, ("binancecoinm", "swap"): 1000, ("binanceusdm", "swap"): 1000, ("bitget", "spot"): 150, ("bitget", "swap"): 100,
    ("gate", "spot"): 1000, ("gate", "swap"): 300, ("kucoin", "spot"): 100, ("kucoinfutures", "swap"): 100,
    ("okx", "spot"): 5000, ("okx", "swap"): 5000, ("bybit", "spot"): 200, ("bybit", "swap"): 500,
}
FIXED_BOOK_SIZES = {"kucoin": (20, 100), "kucoinfutures": (20, 100)}  # KuCoin serves only these (full: keys)

# (venue, market type) -> trades per request (the venue's maximum page).
TRADE_PAGE_LIMITS: dict[tuple[str, str], int] = {
    ("kucoin", "spot"): 100, ("kucoinfutures", "swap"): 100, ("okx", "spot"): 100, ("okx", "swap"): 100,
    ("bybit", "spot"): 60, ("bybit", "swap"): 1000,
}
DEFAULT_TRADE_PAGE = 1000


def supports(venue: str, market_type: str, dataset: str) -> bool:
    """True when `venue` offers `dataset` for markets of `market_type`."""
    return dataset in SUPPORTED_DATASETS.get(venue, {}).get(market_type, frozenset())


def market_type_of(market: dict) -> str:
    """spot / swap / future for a ccxt market (options are collected as 'future')."""
    kind = market.get("type") or "spot"
    return kind if kind in ("spot", "swap", "future") else "future"


def guess_market_type(symbol: str) -> str:
    """The market type a unified symbol names, before markets load: 'BASE/QUOTE:SETTLE' is a swap
    ('...-YYMMDD' a future), anything else spot."""
    if ":" not in symbol:
        return "spot"
    return "future" if "-" in symbol.split(":", 1)[1] else "swap"


def contract_size_of(market: dict) -> float:
    """ccxt's contractSize of a market: base units per contract, quote units per contract on an
    inverse market (`is_inverse`); 1.0 for spot and venues counting base units."""
    size = market.get("contractSize")
    return float(size) if size else 1.0


def book_request_limit(venue: str, market_type: str, levels: int, authenticated: bool = False) -> int | None:
    """The `limit` to pass to fetch_order_book for `levels` levels (None: KuCoin spot's full book, needs keys)."""
    if venue in FIXED_BOOK_SIZES:
        small, large = FIXED_BOOK_SIZES[venue]
        if levels <= small:
            return small
        if levels > large and venue == "kucoin" and authenticated:
            return None
        return large
    return min(levels, BOOK_MAX_LEVELS.get((venue, market_type), levels))


def trade_page_limit(venue: str, market_type: str) -> int:
    """Trades asked for per fetch_trades request on this venue."""
    return TRADE_PAGE_LIMITS.get((venue, market_type), DEFAULT_TRADE_PAGE)

# Where a data set's amounts come in contracts (swap markets of these venues), as ccxt parses them.
# Binance COIN-M: books, trades and open interest count contracts of 100 / 10 USD; ccxt gives the
# ticker's baseVolume and the candles' base volume (kline column 7) in base units.
AMOUNTS_IN_CONTRACTS = frozenset({("okx", "tickers"), ("gate", "ohlcv"), ("kucoinfutures", "ohlcv"),
                                  ("okx", "open_interest"), ("gate", "open_interest"),
                                  ("kucoinfutures", "open_interest"), ("binancecoinm", "open_interest")})
# Mark and index price where fetch_funding_rate leaves them out.
MARK_PRICE_SOURCE = {"okx": "fetch_mark_price", "kucoinfutures": "fetch_mark_price", "bitget": "fetch_tickers"}


def amount_unit(venue: str, market_type: str, dataset: str) -> str:
    """'contracts' or 'base': the unit of the amounts ccxt gives for `dataset` on this venue."""
    return "contracts" if market_type != "spot" and (venue, dataset) in AMOUNTS_IN_CONTRACTS else "base"


def is_inverse(symbol: str) -> bool:
    """True for an inverse contract: settled in its base currency (BASE/QUOTE:BASE[-expiry]); its
    contract_size is in quote units, so base = contracts × contract_size / price (spec units)."""
    if ":" not in symbol:
        return False
    pair, settle = symbol.split(":", 1)
    return settle.split("-", 1)[0] == pair.split("/", 1)[0]


# Streaming (ccxt.pro watch_order_book): the depths each venue's book channel can keep, deepest last.
# The Binance family and KuCoin build the book from a REST snapshot plus every diff (kept deep, so a
# level leaving the top never leaves a hole); the others push depth-limited books of these sizes.
STREAM_DEPTHS: dict[str, tuple[int, ...]] = {
    "binance": (1000, 5000), "binanceusdm": (1000,), "binancecoinm": (1000,), "bybit": (50, 200, 1000),
}


def watch_limit(venue: str, levels: int) -> int | None:
    """The `limit` to pass to watch_order_book for `levels` sampled levels (None: the venue's default channel)."""
    depths = STREAM_DEPTHS.get(venue)
    if not depths:
        return None
    return next((depth for depth in depths if depth >= levels), depths[-1])
