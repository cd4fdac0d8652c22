"""History readings of the slower data sets, paged forward from where the lake partition stops:
1 m candles, 5 m open interest, long/short ratios (Binance USDⓈ-M and COIN-M /futures/data), Gate
contract stats, Bitget whale net flow.

A page asks from `since`; only readings with since <= ts < min(day end, now) are kept (complete
candles only), and the next page starts after the newest one. A venue that ignores `since` and
answers its latest readings ends the paging at once (nothing newer), so it costs one request.
"""
from __future__ import annotations

from typing import Callable

from mmwatch.collector.market_data import (FLOW_PERIOD, Row, Window, _float, _int, open_interest_row, reading)
from mmwatch.collector.rows import MarketRef
from mmwatch.collector.venues import amount_unit

MAX_PAGES = 20
MINUTE_MS = 60_000
PERIOD = "5m"


def page_forward(fetch_page: Callable[[int], list], ts_of: Callable[[object], int], start_ms: int, end_ms: int,
                 page_size: int) -> list:
    """Entries with start_ms <= ts < end_ms, fetched page after page from `start_ms`."""
    since, kept = start_ms, []
    for _ in range(MAX_PAGES):
        if since >= end_ms:
            break
        page = fetch_page(since)
        fresh = [entry for entry in page if since <= ts_of(entry) < end_ms]
        kept += fresh
        if not fresh or len(page) < page_size:
            break
        since = max(ts_of(entry) for entry in fresh) + 1
    return kept


def fetch_ohlcv(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """Complete 1 m candles of the day, from after the last stored one."""
    rows, limit = [], 200
    for market in markets:
        now = window.clock()
        end = min(window.day_end_ms, now - MINUTE_MS + 1)  # a candle is complete once its minute is over
        candles = page_forward(lambda since: exchange.fetch_ohlcv(market.symbol, "1m", since=since, limit=limit),
                               lambda c: c[0], window.start_for(market.symbol, "1m"), end, limit)
        unit = amount_unit(market.exchange, market.market_type, "ohlcv")
        rows += [{**reading(market, ts, now), "open": o, "high": h, "low": low, "close": c, "volume": v,
                  "amount_unit": unit, "contract_size": market.contract_size} for ts, o, h, low, c, v in candles]
    return rows


def fetch_open_interest_history(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """5-minute open interest history (Gate: from its contract stats), from after the last stored reading."""
    rows, limit = [], 100
    for market in markets:
        now = window.clock()
        entries = page_forward(
            lambda since: exchange.fetch_open_interest_history(market.symbol, PERIOD, since=since, limit=limit),
            lambda e: e["timestamp"], window.start_for(market.symbol, "history_5m"), min(window.day_end_ms, now + 1),
            limit)
        rows += [open_interest_row(market, entry, "history_5m", now) for entry in entries]
    return rows


def _ratio_row(market: MarketRef, kind: str, ts: int, ratio, long_share, short_share, received: int) -> Row:
    return {**reading(market, ts, received), "kind": kind, "period": PERIOD, "long_short_ratio": _float(ratio),
            "long_share": _float(long_share), "short_share": _float(short_share)}


# Binance /futures/data per venue: the implicit ccxt method of each kind. USDⓈ-M keys them by symbol,
# COIN-M by pair (BTCUSD) and names the top traders' position shares longPosition / shortPosition.
BINANCE_RATIOS = {
    "binanceusdm": {"accounts": "fapiDataGetGlobalLongShortAccountRatio",
                    "top_positions": "fapiDataGetTopLongShortPositionRatio"},
    "binancecoinm": {"accounts": "dapiDataGetGlobalLongShortAccountRatio",
                     "top_positions": "dapiDataGetTopLongShortPositionRatio"},
}


def _binance_ratio_key(exchange, market: MarketRef) -> dict:
    ccxt_market = exchange.market(market.symbol)
    if exchange.id == "binancecoinm":
        return {"pair": ccxt_market["info"]["pair"]}
    return {"symbol": ccxt_market["id"]}


def fetch_long_short_ratios(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """Long/short ratios per 5 minutes: Binance's /futures/data (global accounts and top traders'
    positions; USDⓈ-M and COIN-M), elsewhere fetch_long_short_ratio_history (global accounts)."""
    rows, limit = [], 100
    for market in markets:
        now = window.clock()
        end = min(window.day_end_ms, now + 1)
        if exchange.id in BINANCE_RATIOS:
            key = _binance_ratio_key(exchange, market)
            for kind, method in BINANCE_RATIOS[exchange.id].items():
                entries = page_forward(
                    lambda since: getattr(exchange, method)({**key, "period": PERIOD, "startTime": since,
                                                             "limit": limit}),
                    lambda e: int(e["timestamp"]), window.start_for(market.symbol, kind), end, limit)
                rows += [_ratio_row(market, kind, int(e["timestamp"]), e.get("longShortRatio"),
                                    e.get("longAccount", e.get("longPosition")),
                                    e.get("shortAccount", e.get("shortPosition")), now) for e in entries]
            continue
        entries = page_forward(
            lambda since: exchange.fetch_long_short_ratio_history(market.symbol, PERIOD, since=since, limit=limit),
            lambda e: e["timestamp"], window.start_for(market.symbol, "accounts"), end, limit)
        rows += [_ratio_row(market, "accounts", e["timestamp"], e.get("longShortRatio"), None, None, now)
                 for e in entries]
    return rows


CONTRACT_STAT_FIELDS = ("open_interest", "open_interest_usd", "mark_price", "lsr_taker", "lsr_account",
                        "top_lsr_account", "top_lsr_size", "long_liq_size", "long_liq_usd", "short_liq_size",
                        "short_liq_usd")


def fetch_contract_stats(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """Gate futures contract stats per 5 minutes (publicFuturesGetSettleContractStats)."""
    rows, limit = [], 100
    for market in markets:
        now = window.clock()
        ccxt_market = exchange.market(market.symbol)
        settle = str(ccxt_market.get("settleId") or ccxt_market.get("settle") or "usdt").lower()
        request = {"settle": settle, "contract": ccxt_market["id"], "interval": PERIOD, "limit": limit}
        entries = page_forward(
            lambda since: exchange.publicFuturesGetSettleContractStats({**request, "from": since // 1000}),
            lambda e: int(e["time"]) * 1000, window.start_for(market.symbol, PERIOD), min(window.day_end_ms, now + 1),
            limit)
        rows += [{**reading(market, int(e["time"]) * 1000, now), "interval": PERIOD,
                  **{name: _float(e.get(name)) for name in CONTRACT_STAT_FIELDS}, "contract_size": market.contract_size}
                 for e in entries]
    return rows


def fetch_whale_net_flow(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """Bitget spot whale net flow (whale buys − sells, quote currency) per completed 15 m period."""
    rows = []
    for market in markets:
        now = window.clock()
        data = exchange.publicUtaGetV3MarketSpotWhaleFlow({"symbol": exchange.market_id(market.symbol),
                                                           "period": FLOW_PERIOD, "limit": 100})["data"]
        start = window.start_for(market.symbol, "whale_net_flow")
        for entry in data:
            ts = _int(entry.get("ts"))
            if ts is not None and start <= ts < window.day_end_ms:
                rows.append({**reading(market, ts, now), "kind": "whale_net_flow", "period": FLOW_PERIOD,
                             "net_flow": _float(entry.get("netFlow")),
                             **{f"{c}_{s}_volume": None for c in ("whale", "dolphin", "fish") for s in ("buy", "sell")}})
    return rows
