"""Planned connection roll-over, make before break: a venue's connection that reached `roll_over_after_s`
(Binance closes its connections at 24 h) is replaced before the venue closes it, without a moment out
of sync.

The venue opens a second ccxt.pro instance (a new Link), subscribes there every market of the aged
connection(s) and waits until each market's book there is in sync (the collector's rule: rebuilt, then
a live update). Market by market, sampling then moves to the new book at once (the old book was in sync
until that instant, so the samples go on at their cadence) and the old book loop stops; the old trade
loop stops once the new one delivered (both land through the market's one de-duplication, so the
overlap lands nothing twice and loses nothing) or, on a quiet market, TRADE_GRACE_MS after the new
connection opened (its trade subscription went out with the book's, which is in sync by then), followed
by one REST page of the trades since the newest landed, which closes any seam. A market whose book does not sync on the new connection
within the bound stays on the old connection (book and trades) until the venue's next attempt; an old
connection carrying no market any more is closed.
"""
from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)
SYNC_BOUND_MS = 30_000  # a market not in sync on the new connection within this keeps the old one
RETRY_MAX_MS = 60_000  # the next attempt after one that left markets on the old connection
POLL_S = 0.05  # how often an attempt looks at the new connection's books
TRADE_GRACE_MS = 2_000  # a quiet market's trades move to the new connection this long after it opened


def aged(venue, now_ms: int, after_ms: int) -> list:
    """The links of `venue` carrying a sampled market whose oldest connection is `after_ms` old or more."""
    carrying = {id(link) for link in venue.active.values()}
    return [link for link in venue.links
            if id(link) in carrying and (link.age_ms(now_ms) or 0) >= after_ms]


async def roll_over_forever(venue) -> None:
    """Roll `venue`'s connections over whenever one reaches the venue's `roll_over_after_s`."""
    after_ms = int(venue.config.roll_over_after_s * 1000)
    retry_at = 0
    while True:
        await asyncio.sleep(min(1.0, after_ms / 4000))
        now = venue.clock()
        old = aged(venue, now, after_ms) if now >= retry_at else []
        if old and not venue.polling:
            kept = await roll_over(venue, old)
            retry_at = venue.clock() + min(RETRY_MAX_MS, after_ms) if kept else 0


async def roll_over(venue, old: list, bound_ms: int = SYNC_BOUND_MS) -> list[str]:
    """Move every market sampled on the links `old` to a new link; returns the markets that stayed
    (their book was not in sync on the new link within `bound_ms`)."""
    symbols = [symbol for symbol, link in venue.active.items() if link in old]
    log.info("%s: rolling %d market(s) over to a new connection", venue.exchange_id, len(symbols))
    new = venue.open_link(symbols)
    started = venue.clock()
    deadline = started + bound_ms
    moving, handing = set(symbols), set()
    try:
        while (moving or handing) and venue.clock() < deadline:
            await asyncio.sleep(POLL_S)
            for symbol in sorted(symbol for symbol in moving if _book_ready(venue, new, symbol)):
                await venue.switch(symbol, new)
                moving.discard(symbol)
                handing.add(symbol)
            quiet = venue.clock() - new.started_ms >= TRADE_GRACE_MS
            for symbol in sorted(symbol for symbol in handing if quiet or _trades_ready(venue, new, symbol)):
                await _hand_over_trades(venue, new, symbol)
                handing.discard(symbol)
        for symbol in sorted(handing):  # a bound shorter than the grace
            await _hand_over_trades(venue, new, symbol)
        for symbol in sorted(moving):
            await new.stop_loops(symbol)
    finally:
        await venue.close_unused()
    if moving:
        venue.counters.rollover_markets_kept += len(moving)
        log.warning("%s: %s not in sync on the new connection within %.0f s: kept on the old one until the next "
                    "attempt", venue.exchange_id, ", ".join(sorted(moving)), bound_ms / 1000)
    else:
        venue.counters.rollovers += 1
        log.info("%s: connection rolled over (%d markets in %d ms)", venue.exchange_id, len(symbols),
                 venue.clock() - started)
    return sorted(moving)


def _book_ready(venue, new, symbol: str) -> bool:
    return not venue.config.wants("orderbooks") or new.sync[symbol].in_sync


def _trades_ready(venue, new, symbol: str) -> bool:
    return not venue.config.wants("trades") or symbol in new.trades_flowing


async def _hand_over_trades(venue, new, symbol: str) -> None:
    """Stop `symbol`'s trade loops on every link but `new`; when none arrived there yet, fetch the trades
    since the newest landed over REST (a seam between the two subscriptions, if any, is closed)."""
    for link in venue.links:
        if link is not new:
            await link.stop_loops(symbol, books=False)
    if not _trades_ready(venue, new, symbol):
        await venue.backfill_trades(symbol)
