"""One venue inside the collector: its ccxt instance, its markets once loaded, retries while it is down."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from mmwatch.collector.budget import VenueBudget
from mmwatch.collector.exchanges import load_checked_markets, make_exchange
from mmwatch.collector.rows import MarketRef
from mmwatch.collector.venues import contract_size_of, guess_market_type, market_type_of
from mmwatch.config import ExchangeConfig
from mmwatch.errors import ConfigError

log = logging.getLogger(__name__)
RETRY_MARKETS_MS = 10_000  # a venue that is down is asked for its markets at most this often


@dataclass
class VenueState:
    """A venue's ccxt instance and markets. Until its markets load, `market()` guesses the market type
    from the symbol and `retry()` tries again (at most every RETRY_MARKETS_MS), returning the error
    to record for each fetch meanwhile."""

    exchange_id: str
    exchange: object
    symbols: list[str]
    authenticated: bool = False
    refs: dict[str, MarketRef] = field(default_factory=dict)
    ready: bool = False
    error: BaseException | None = None
    last_attempt_ms: int | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def build(cls, exchange_id: str, venue: ExchangeConfig, url: str | None, virtual_time: bool,
              budget: VenueBudget) -> "VenueState":
        """The venue's ccxt instance (credentials from the environment when configured), markets not loaded."""
        credentials = venue.credentials.resolve(exchange_id) if venue.credentials else None
        exchange = make_exchange(exchange_id, venue.markets, url, virtual_time, budget, credentials,
                                 venue.request_timeout_s)
        return cls(exchange_id, exchange, list(venue.markets), authenticated=credentials is not None)

    def market(self, symbol: str) -> MarketRef:
        """The market of `symbol` (guessed type and contract size 1.0 until the markets load)."""
        return self.refs.get(symbol) or MarketRef(self.exchange_id, symbol, guess_market_type(symbol))

    async def load(self, now_ms: int) -> None:
        """Load the markets; ConfigError (unknown symbol) propagates, a venue error is kept for retry()."""
        self.last_attempt_ms = now_ms
        try:
            markets = await load_checked_markets(self.exchange, self.symbols)
        except ConfigError:
            raise
        except Exception as exc:  # down, 5xx, refused: its fetches become fetch_errors until it answers
            log.warning("%s: markets did not load (%s: %s); its fetches are recorded as errors and retried",
                        self.exchange_id, type(exc).__name__, str(exc)[:200])
            self.error = exc
            return
        self.refs = {s: MarketRef(self.exchange_id, s, market_type_of(m), contract_size_of(m))
                     for s, m in markets.items()}
        self.ready, self.error = True, None

    async def retry(self, now_ms: int) -> BaseException | None:
        """Try loading the markets again if the last attempt is old enough; the error to record, or None."""
        async with self._lock:
            if self.ready:
                return None
            if self.last_attempt_ms is None or now_ms - self.last_attempt_ms >= RETRY_MARKETS_MS:
                try:
                    await self.load(now_ms)
                except ConfigError as exc:  # the venue came back without a configured symbol
                    log.error("%s", exc)
                    self.error = exc
            return self.error
