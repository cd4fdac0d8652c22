"""Point-in-time readings of the slower data sets through a (sync) ccxt instance: tickers, funding
with mark and index price, current open interest, Bitget spot fund flow.

Each function takes the venue's ccxt instance, the markets (MarketRef) that offer the data set and
a `Window`, and returns lake rows (mmwatch.schemas.DATASET_TABLES) as dicts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from mmwatch.collector.rows import MarketRef
from mmwatch.collector.venues import MARK_PRICE_SOURCE, amount_unit

DAY_MS = 86_400_000
Row = dict[str, Any]


@dataclass(frozen=True)
class Window:
    """What one run may fetch: readings of the UTC day starting at `day_start_ms`, up to now.

    `clock()` is the venue's current time (the simulator's clock offline); `last_ts[(symbol, kind)]`
    the newest reading already in the partition, so history fetches resume after it.
    """

    day_start_ms: int
    clock: Callable[[], int]
    last_ts: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def day_end_ms(self) -> int:
        return self.day_start_ms + DAY_MS

    def start_for(self, symbol: str, kind: str) -> int:
        """Where a history fetch of (symbol, kind) starts: after the stored readings, inside the day."""
        return max(self.day_start_ms, self.last_ts.get((symbol, kind), self.day_start_ms - 1) + 1)


def reading(market: MarketRef, ts: int | None, received_ts: int) -> Row:
    """The columns every lake row of these data sets starts with."""
    return {"exchange": market.exchange, "market_type": market.market_type, "symbol": market.symbol,
            "ts": int(ts) if ts is not None else received_ts, "received_ts": received_ts}


def by_market_type(markets: Iterable[MarketRef]) -> dict[str, list[MarketRef]]:
    """Markets grouped by type (ccxt's fetch_tickers wants one type per call)."""
    groups: dict[str, list[MarketRef]] = defaultdict(list)
    for market in markets:
        groups[market.market_type].append(market)
    return groups


def fetch_tickers(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """24 h tickers: last, bid, ask, open/high/low, change, volumes (and mark/index where sent)."""
    rows = []
    for market_type, group in by_market_type(markets).items():
        tickers = exchange.fetch_tickers([m.symbol for m in group])
        received = window.clock()
        for market in group:
            t = tickers.get(market.symbol)
            if t is None:
                continue
            rows.append({**reading(market, t.get("timestamp"), received), "last": t.get("last"), "bid": t.get("bid"),
                         "ask": t.get("ask"), "open": t.get("open"), "high": t.get("high"), "low": t.get("low"),
                         "change": t.get("change"), "percentage": t.get("percentage"),
                         "base_volume": t.get("baseVolume"), "quote_volume": t.get("quoteVolume"),
                         "mark_price": t.get("markPrice"), "index_price": t.get("indexPrice"),
                         "amount_unit": amount_unit(market.exchange, market_type, "tickers"),
                         "contract_size": market.contract_size})
    return rows


def _mark_and_index(exchange, markets: list[MarketRef]) -> Callable[[str], tuple]:
    """symbol -> (mark, index) from the venue's mark-price source, for venues whose funding lacks them."""
    source = MARK_PRICE_SOURCE.get(exchange.id)
    if source == "fetch_tickers":
        tickers = exchange.fetch_tickers([m.symbol for m in markets])
        return lambda symbol: (tickers[symbol].get("markPrice"), tickers[symbol].get("indexPrice"))
    if source == "fetch_mark_price":
        def one(symbol: str) -> tuple:
            ticker = exchange.fetch_mark_price(symbol)
            return ticker.get("markPrice"), ticker.get("indexPrice")
        return one
    return lambda symbol: (None, None)


def fetch_funding(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """Funding rate, next funding time, mark and index price (from the venue's mark source when needed)."""
    marks = _mark_and_index(exchange, markets) if exchange.id in MARK_PRICE_SOURCE else None
    rows = []
    for market in markets:
        rate = exchange.fetch_funding_rate(market.symbol)
        mark, index = rate.get("markPrice"), rate.get("indexPrice")
        if mark is None and marks is not None:
            mark, index = marks(market.symbol)
        rows.append({**reading(market, rate.get("timestamp"), window.clock()), "funding_rate": rate.get("fundingRate"),
                     "next_funding_ts": rate.get("fundingTimestamp"), "funding_interval": rate.get("interval"),
                     "mark_price": mark, "index_price": index})
    return rows


def open_interest_row(market: MarketRef, entry: dict, kind: str, received: int) -> Row:
    """One open-interest lake row from a ccxt open-interest structure; `open_interest_value` in quote
    currency (an inverse market's: contracts × contract_size, the quote value of its contracts, since
    the value COIN-M sends, which ccxt passes on, is in the base asset)."""
    amount, value = entry.get("openInterestAmount"), entry.get("openInterestValue")
    if market.inverse:
        value = None if amount is None else amount * market.contract_size
    return {**reading(market, entry.get("timestamp"), received), "kind": kind,
            "open_interest_amount": amount, "open_interest_value": value,
            "amount_unit": amount_unit(market.exchange, market.market_type, "open_interest"),
            "contract_size": market.contract_size}


def fetch_open_interest_now(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """The current open interest of each market (fetch_open_interest)."""
    return [open_interest_row(m, exchange.fetch_open_interest(m.symbol), "now", window.clock()) for m in markets]


FLOW_CLASSES = ("whale", "dolphin", "fish")
FLOW_PERIOD = "15m"


def fetch_fund_flow_now(exchange, markets: list[MarketRef], window: Window) -> list[Row]:
    """Bitget spot fund flow: buy and sell notional per trade class over the period ending now."""
    rows = []
    for market in markets:
        data = exchange.publicUtaGetV3MarketSpotFundFlow({"symbol": exchange.market_id(market.symbol),
                                                          "period": FLOW_PERIOD})["data"]
        row = {**reading(market, _int(data.get("ts")), window.clock()), "kind": "fund_flow", "period": FLOW_PERIOD,
               "net_flow": None}
        for cls in FLOW_CLASSES:
            row[f"{cls}_buy_volume"] = _float(data.get(f"{cls}BuyVolume"))
            row[f"{cls}_sell_volume"] = _float(data.get(f"{cls}SellVolume"))
        rows.append(row)
    return rows


def _int(value) -> int | None:
    return None if value in (None, "") else int(value)


def _float(value) -> float | None:
    return None if value in (None, "") else float(value)
