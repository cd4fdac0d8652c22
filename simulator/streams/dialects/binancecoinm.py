"""Binance COIN-M futures market streams as ccxt.pro.binancecoinm reads them (wss://dstream.binance.com/ws/<n>).

Frames and streams as the spot dialect (simulator.streams.dialects.binance); depthUpdate carries
"T", "ps" (the pair, e.g. BTCUSD) and "pu"; amounts count contracts, as REST depth.
"""
from __future__ import annotations

from simulator.market import MarketModel
from simulator.market_ids import pair_id
from simulator.streams.dialects import binance as spot
from simulator.streams.updates import BookUpdate

PATH_PATTERN = r"ws(/\d+)?"
MARKET_TYPE = "swap"
on_open = spot.on_open
book_initial = spot.book_initial


def _pair(model: MarketModel) -> dict:
    return {"ps": pair_id(model.market)}


trade_messages = spot.trade_messages_for(futures=True, extra=_pair)


def on_message(session, text: str) -> list[str]:
    return spot.handle_frame(session, text, MARKET_TYPE)


def book_update(session, sub, update: BookUpdate) -> list[str]:
    return [spot.depth_event(sub.model, update, futures=True, extra=_pair(sub.model))]
