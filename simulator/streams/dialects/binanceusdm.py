"""Binance USDⓈ-M futures market streams as ccxt.pro.binanceusdm reads them.

ccxt.pro opens wss://fstream.binance.com/public/ws/<n> for depth and trade and .../market/ws/<n> for
aggTrade (plain /ws/<n> accepted too). Frames and streams as the spot dialect
(simulator.streams.dialects.binance); depthUpdate carries "T" and "pu" (= the previous event's "u"),
which ccxt.pro checks: an event whose pu is not the book's nonce raises.
"""
from __future__ import annotations

from simulator.streams.dialects import binance as spot
from simulator.streams.updates import BookUpdate

PATH_PATTERN = r"((public|market)/)?ws(/\d+)?"
MARKET_TYPE = "swap"
on_open = spot.on_open
book_initial = spot.book_initial
trade_messages = spot.trade_messages_for(futures=True)


def on_message(session, text: str) -> list[str]:
    return spot.handle_frame(session, text, MARKET_TYPE)


def book_update(session, sub, update: BookUpdate) -> list[str]:
    return [spot.depth_event(sub.model, update, futures=True)]
