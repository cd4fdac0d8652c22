"""Each venue's own market id for a unified symbol (what its REST API takes and prints)."""
from __future__ import annotations

from simulator.scenario import Market

# KuCoin futures calls bitcoin XBT; ccxt maps XBT back to BTC.
KUCOIN_FUTURES_BASE = {"BTC": "XBT"}


def market_id(venue: str, market: Market) -> str:
    """The venue's id of `market`, e.g. binance BTCUSDT, gate BTC_USDT, okx BTC-USDT-SWAP,
    binancecoinm BTCUSD_PERP (its pair BTCUSD: `pair_id`)."""
    base, quote = market.base, market.quote
    if venue == "binancecoinm":
        return f"{pair_id(market)}_PERP"
    if venue == "gate":
        return f"{base}_{quote}"
    if venue == "kucoin":
        return f"{base}-{quote}"
    if venue == "kucoinfutures":
        return f"{KUCOIN_FUTURES_BASE.get(base, base)}{quote}M"
    if venue == "okx":
        return f"{base}-{quote}-SWAP" if market.market_type == "swap" else f"{base}-{quote}"
    return f"{base}{quote}"  # binance, binanceusdm, bitget, bybit


def pair_id(market: Market) -> str:
    """Binance's pair of a market (BASEQUOTE, e.g. BTCUSD): what COIN-M's /futures/data endpoints take."""
    return f"{market.base}{market.quote}"
