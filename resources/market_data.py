"""MarketDataResource: the ccxt instances (sync) the slower data-set assets fetch through.

It reads the same collection config as the collector (`config_path`, else $MMWATCH_CONFIG, else
config/example.yaml), builds one rate-limited ccxt instance per venue with a timeout, loads the
markets once per run, and retries network errors with backoff (`call`). `simulator_url` points
every venue at the simulator for offline runs; the data's "now" is then the simulator's clock.
"""
from __future__ import annotations

import json
import os
import time
import urllib.request
from typing import Any, Callable, Optional

import dagster as dg
from pydantic import PrivateAttr

from mmwatch.collector.exchanges import exchange_config, point_at
from mmwatch.collector.rows import MarketRef
from mmwatch.collector.venues import contract_size_of, market_type_of
from mmwatch.config import CONFIG_ENV, DEFAULT_CADENCES_S, DEFAULT_CONFIG, CollectionConfig, check_symbols, load_config
from mmwatch.errors import ConfigError
DEFAULT_LANDING_FLUSH_S = 60


def configured_cadences(config_path: str | None = None) -> tuple[dict[str, float], int]:
    """(seconds between fetches per data set, seconds per landing file) of the collection config
    (`config_path`, else $MMWATCH_CONFIG, else config/example.yaml); the defaults when it does not load
    (the code location must load anyway: the runs that read the config say what is wrong)."""
    try:
        config = load_config(config_path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    except ConfigError:
        return dict(DEFAULT_CADENCES_S), DEFAULT_LANDING_FLUSH_S
    return config.cadences, config.landing_flush_s


class MarketDataResource(dg.ConfigurableResource):
    """ccxt access for the data-set assets: config, one instance per venue, retries and timeouts."""

    config_path: Optional[str] = None
    simulator_url: Optional[str] = None
    timeout_ms: int = 10_000
    retries: int = 2
    backoff_s: float = 1.0
    rate_limit: bool = True  # ccxt's throttle (off only for virtual-time tests)

    _exchanges: dict = PrivateAttr(default_factory=dict)
    _markets: dict = PrivateAttr(default_factory=dict)
    _config: Optional[CollectionConfig] = PrivateAttr(default=None)

    def collection_config(self) -> CollectionConfig:
        """The validated collection config (read once)."""
        if self._config is None:
            self._config = load_config(self.config_path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
        return self._config

    def url_for(self, venue: str) -> Optional[str]:
        """The simulator URL `venue` is aimed at (None: the live venue)."""
        config = self.collection_config()
        own = config.exchanges[venue].simulator_url if venue in config.exchanges else None
        return own or self.simulator_url or config.simulator_url

    def exchange(self, venue: str):
        """The (cached) sync ccxt instance of `venue`, credentials from the environment when configured."""
        if venue not in self._exchanges:
            venue_config = self.collection_config().exchanges.get(venue)
            credentials = venue_config.credentials.resolve(venue) if venue_config and venue_config.credentials else None
            settings = {**exchange_config(venue, credentials), "timeout": self.timeout_ms,
                        "enableRateLimit": self.rate_limit}
            import ccxt  # on use: every run process loads this module, most never call a venue
            exchange = getattr(ccxt, venue)(settings)
            exchange.has["fetchCurrencies"] = False
            if self.url_for(venue):
                point_at(exchange, self.url_for(venue))
            self._exchanges[venue] = exchange
        return self._exchanges[venue]

    def markets(self, venue: str) -> list[MarketRef]:
        """The configured markets of `venue` with type and contract size (ConfigError for unknown symbols)."""
        if venue not in self._markets:
            symbols = self.collection_config().exchanges[venue].markets
            loaded = self.call(self.exchange(venue).load_markets)
            check_symbols(venue, symbols, loaded)
            self._markets[venue] = [MarketRef(venue, s, market_type_of(loaded[s]), contract_size_of(loaded[s]))
                                    for s in symbols]
        return self._markets[venue]

    def clock(self) -> Callable[[], int]:
        """The time readings are taken at: the simulator's clock (read once per run) or the wall clock."""
        url = self.simulator_url or self.collection_config().simulator_url
        if url:
            with urllib.request.urlopen(f"{url}/_sim/clock", timeout=self.timeout_ms / 1000) as response:
                now_ms = int(json.loads(response.read())["now_ms"])
            return lambda: now_ms
        return lambda: time.time_ns() // 1_000_000

    def call(self, fn: Callable[..., Any], *args, **kwargs) -> Any:
        """fn(*args, **kwargs), retried `retries` times with backoff on network errors (timeouts, 5xx,
        429); other errors (bad symbol, not supported) raise at once."""
        import ccxt
        for attempt in range(self.retries + 1):
            try:
                return fn(*args, **kwargs)
            except ccxt.NetworkError:
                if attempt == self.retries:
                    raise
                time.sleep(self.backoff_s * 2**attempt)
