"""The simulator streams: WebSocket feeds of books and trades, driven by the same world as REST.

Update-id model (simulator.streams.updates)
  A market's book changes in ticks of its venue's `update_ms` (scenario `venues.<v>.update_ms`,
  default 100). Update id N is a full-depth book of t = N × update_ms, sticky between redraws (a base
  redrawn every `redraw_ms`, default 1000, plus a few changed amounts a tick: see the updates module):
  `book_at_update(world, venue, symbol, N)` is THE truth. On the wall clock every REST book serves the
  same model: `VenueContext.update_id()` = now // update_ms and the book served is book_at_update of
  that id cut to `limit` (`ctx.at_update()`: the context at that update's instant, for its timestamps).
  An update covering ids first..last carries every level changed in any of those ticks, at its
  amount at last (0.0 = gone), so it is right on any book of its span.

Server (simulator.streams.server)
  Started by the simulator on the wall clock (`make_server`), on the HTTP server's asyncio loop, on
  its own port: ws://host:port/<venue>/<the venue's own ws path>[?query] (the product reaches it by
  rewriting ccxt's wss:// URLs, mmwatch.collector.hosts.point_at(ws_base_url=...)). The URL is printed
  as the second line `streaming <ws url>` and given by GET /_sim/health as "ws_url"
  (`SimulatorProcess.ws_url()`). Frames are text, no compression; WebSocket-level pings are answered
  by the library, the venue's own text pings by the dialect.

Dialect interface: module simulator/streams/dialects/<venue>.py (ccxt id; found by import, no registry)
  PATH_PATTERN: str (optional)   regex the path below /<venue>/ must fullmatch, else HTTP 404
                                 (e.g. r"ws(/\\d+)?"); absent: any path.
  on_open(session) -> list[str]  messages right after the handshake (KuCoin's welcome); usually [].
  on_message(session, text) -> list[str]
                                 answer one client text frame: subscribe / unsubscribe / ping in the
                                 venue's format. To start a stream call
                                 `session.subscribe(kind, model, key, depth=None, **state)`
                                 (kind 'book' or 'trades'; key: the venue's name of the stream, unique
                                 per connection; depth: levels a side the feed carries, None = full
                                 book; state: anything the dialect needs later, in `sub.state`); to stop
                                 one `session.unsubscribe(key)`. The replies returned are sent first,
                                 then each new subscription's initial messages.
  book_initial(session, sub, update) -> list[str]
                                 the initial message(s) of a book subscription: `update` has
                                 first_id == last_id == the update id in force, bids/asks = the whole
                                 book (cut to sub.depth), book = the full book. Snapshot venues print a
                                 snapshot; diff-only venues (Binance: ccxt.pro fetches REST) return [].
  book_update(session, sub, update) -> list[str]
                                 the message(s) of one update: ids first_id..last_id (prev_id =
                                 first_id - 1 = the last id sent before; usually one tick, more when the
                                 pusher fell behind or after a stall), event_ms, bids/asks = changed
                                 levels cut to sub.depth (best first, amount 0.0 = removed), book = the
                                 full book at last_id (checksums: cut to your depth), bad_checksum =
                                 True when the bad_checksum fault wants a wrong checksum.
  trade_messages(session, sub, trades) -> list[str]
                                 the message(s) for `simulator.trades.Trade`s printed since the last push
                                 (oldest first; ids, ts, price, amount in venue units, taker side).
  Session: venue, path (below /<venue>/), query (dict), id, world, update_ms, state (the dialect's
  per-connection dict), subscriptions {key: Subscription}, now_ms(), update_id(),
  model_by_id(market_id, market_type=None), markets(), subscribe(...), unsubscribe(key).
  Subscription: kind, model (simulator.market.MarketModel: symbol, market_id, price_decimals,
  amount_decimals, market_type ...), key, depth, state; last_id / last_trade_ms are the server's.
  Dialect functions are plain functions (no awaits); JSON via orjson.dumps(...).decode().

Pushing: every update_ms (at wall-clock tick boundaries) each connection sends, per subscription,
  one update from the last id it sent to the id in force, and the trades with ts in
  (last push, now's tick instant]. A market in outage/empty_body counts as an empty book.

Faults (simulator.streams.faults): POST /_sim/stream_fault {"venue", "fault", "symbol"?, "seconds"?},
  GET /_sim/stream_fault, GET /_sim/stream_faults/log.
"""
from simulator.streams.updates import BookUpdate, book_at_update, diff_books, update_id_at, update_ms

__all__ = ["BookUpdate", "book_at_update", "diff_books", "update_id_at", "update_ms"]
