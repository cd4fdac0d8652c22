"""The simulated world of a scenario: one `MarketModel` per (venue, symbol).

A model knows its fair price, which market makers quote it and what each is doing at a time;
`simulator.book` and `simulator.trades` turn that into order books and trades.

Prices: a market on an asset path follows `reference(t - lag) × (1 + offset)`; a perpetual's fair
price (its book centre, trades and mark) is that × (1 + basis(t)), its index the reference
`reference(t - lag)` without the venue's offset (an index is a cross-venue composite).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from mmwatch.errors import ConfigError
from simulator.market_ids import market_id
from simulator.price_path import DAY_MS, fair_price
from simulator.scenario import Market, MarketMaker, Scenario, Window

STABLECOINS = frozenset({"USD", "USDT", "USDC", "FDUSD", "DAI", "TUSD", "USDE"})
# Conditions that concern the whole market, strongest first: one of them wins over the others.
MARKET_CONDITIONS = ("outage", "empty_body", "crossed", "one_sided_bid", "one_sided_ask")


def decimals_of(step: float) -> int:
    """Number of decimal places of a tick or step size (0.01 → 2, 0.5 → 1, 10 → 0)."""
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def decimal_fraction(step: float) -> tuple[int, int]:
    """A tick or step size as integers (numerator, 10**decimals): 0.0025 → (25, 10000), 5 → (5, 1).

    `units * numerator / scale` is then the float nearest to the decimal value, i.e. the same float
    as `round(units * step, decimals)`, for a fraction of the cost (int / int is correctly rounded).
    """
    scale = 10 ** decimals_of(step)
    return int(Decimal(repr(step)) * scale), scale


@dataclass(frozen=True)
class MakerState:
    """A market maker at one instant: its behaviour and the quoting it implies."""

    maker: MarketMaker
    behaviour: str
    spread_bps: float
    depth_quote: float  # per side within the maker's band, in the market's quote currency
    ask_fraction: float = 1.0  # `skewed`: the ask side quotes this share of depth_quote


class MarketModel:
    """One market of one venue: fair price, makers, rounding."""

    def __init__(self, world: "World", venue: str, market: Market):
        self.world = world
        self.venue = venue
        self.market = market
        self.symbol = market.symbol
        self.market_type = market.market_type
        self.is_swap = market.market_type == "swap"
        self.market_id = market_id(venue, market)
        self.makers = world.scenario.makers_on(venue, market.symbol)
        self.price_decimals = decimals_of(market.tick_size)
        self.amount_decimals = decimals_of(market.amount_step)
        self.contract_size = market.contract_size
        self.inverse = market.inverse  # contracts of `contract_size` quote units (else base units)
        self._price_fraction = decimal_fraction(market.tick_size)
        self._amount_fraction = decimal_fraction(market.amount_step)
        venue_config = world.scenario.venues[venue]
        self.offset = 1 + venue_config.price_offset_bps / 10_000
        self.lag_ms = int(round(venue_config.lag_s * 1000))
        key, self.start_price, self.volatility_bps = world.scenario.price_params(market)
        # legacy markets (own start_price) keep their own path keyed by (venue, symbol)
        self._path_key = (venue, market.symbol) if key == "" else ("*", market.path_pair)

    def reference_price(self, t_ms: int) -> float:
        """The asset path at `t_ms - lag` (no venue offset, no basis): the perpetual's index."""
        return fair_price(self.world.scenario.seed, self._path_key[0], self._path_key[1], self.start_price,
                          self.volatility_bps, int(t_ms) - self.lag_ms)

    def basis_bps(self, t_ms: int) -> float:
        """A perpetual's premium over its index at `t_ms`: basis_bps × (1 + ½ sin(2π·day fraction))."""
        if not self.is_swap:
            return 0.0
        phase = (int(t_ms) % DAY_MS) / DAY_MS
        return self.market.perp_or_default.basis_bps * (1 + 0.5 * math.sin(2 * math.pi * phase))

    def fair_price(self, t_ms: int) -> float:
        """The market's fair price at `t_ms` (the centre the book is built around; a perp's mark)."""
        price = self.reference_price(t_ms) * self.offset
        if self.market.events:
            price *= self.market.price_factor(int(t_ms) % DAY_MS)
        if self.is_swap:
            price *= 1 + self.basis_bps(t_ms) / 10_000
        return price

    def round_price(self, price: float) -> float:
        """`price` rounded to the market's tick, as the float the venue prints."""
        return self.price(round(price / self.market.tick_size))

    def maker_states(self, t_ms: int) -> list[MakerState]:
        """What every market maker of this market does at `t_ms`."""
        ms_of_day = int(t_ms) % DAY_MS
        rate = self.world.usd_rate(self.venue, self.market.quote, t_ms)
        states = []
        for maker in self.makers:
            window: Window | None = maker.window_at(ms_of_day)
            behaviour = window.behaviour if window else "normal"
            spread = window.spread_bps if behaviour == "wide_spread" else maker.quoting.spread_bps
            fraction = window.depth_fraction if behaviour == "thin_book" else 1.0
            ask_fraction = window.depth_fraction if behaviour == "skewed" else 1.0
            states.append(MakerState(maker, behaviour, spread, maker.quoting.depth_usd * fraction / rate, ask_fraction))
        return states

    def condition_at(self, t_ms: int) -> str:
        """The market-wide condition at `t_ms` (see `condition`)."""
        return self.condition(self.maker_states(t_ms))

    def condition(self, states: list[MakerState]) -> str:
        """The market-wide condition implied by the makers' behaviours ('normal' when none applies)."""
        behaviours = {state.behaviour for state in states}
        for condition in MARKET_CONDITIONS:
            if condition in behaviours:
                return condition
        return "normal"

    def price(self, ticks: int) -> float:
        """A price given in ticks, as the float the venue prints."""
        numerator, scale = self._price_fraction
        return ticks * numerator / scale

    def amount(self, steps: int) -> float:
        """An amount given in amount steps, as the float the venue prints."""
        numerator, scale = self._amount_fraction
        return steps * numerator / scale

    def base_amount(self, amount: float, price: float) -> float:
        """An amount in the venue's units at `price` as base units: linear amount × contract_size,
        inverse amount × contract_size / price (spec units)."""
        if self.inverse:
            return amount * self.contract_size / price
        return amount * self.contract_size if self.contract_size != 1 else amount

    def quote_amount(self, amount: float, price: float) -> float:
        """The quote value of an amount in the venue's units at `price` (inverse: amount × contract_size)."""
        return amount * self.contract_size if self.inverse else price * amount * self.contract_size

    def venue_amount(self, base: float, price: float) -> float:
        """Base units at `price` in the venue's units (unrounded): the inverse of `base_amount`."""
        return base * price / self.contract_size if self.inverse else base / self.contract_size

    def base_levels(self, levels: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Book levels (price, venue amount) as (price, base units)."""
        if self.inverse:
            size = self.contract_size
            return [(p, a * size / p) for p, a in levels]
        if self.contract_size != 1:
            size = self.contract_size
            return [(p, a * size) for p, a in levels]
        return levels


class World:
    """Every market of a scenario, looked up by (venue, symbol) or (venue, exchange market id)."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.markets: dict[tuple[str, str], MarketModel] = {}
        self.by_market_id: dict[tuple[str, str, str], MarketModel] = {}
        for venue_id, venue in scenario.venues.items():
            for market in venue.markets:
                model = MarketModel(self, venue_id, market)
                self.markets[(venue_id, market.symbol)] = model
                self.by_market_id[(venue_id, model.market_type, model.market_id)] = model
        for maker in scenario.market_makers:
            quote = maker.symbol.split(":")[0].split("/")[1]
            if quote not in STABLECOINS and self._usd_reference(maker.venue, quote) is None:
                raise ConfigError(
                    f"market maker {maker.name!r} quotes {maker.symbol} but no venue lists {quote}/USDT "
                    f"to convert its depth_usd: add a {quote}/USDT market to the scenario")

    def market(self, venue: str, symbol: str) -> MarketModel | None:
        """The model of (venue, unified symbol), or None."""
        return self.markets.get((venue, symbol))

    def venue_markets(self, venue: str) -> list[MarketModel]:
        """Every market model of one venue, in scenario order."""
        return [model for (venue_id, _), model in self.markets.items() if venue_id == venue]

    def _usd_reference(self, venue: str, quote: str) -> MarketModel | None:
        symbol = f"{quote}/USDT"
        own = self.markets.get((venue, symbol))
        if own is not None:
            return own
        for other in sorted(v for v, s in self.markets if s == symbol):
            return self.markets[(other, symbol)]
        return None

    def usd_rate(self, venue: str, quote: str, t_ms: int) -> float:
        """USD per unit of `quote` used to size makers' quotes (fair price of QUOTE/USDT)."""
        if quote in STABLECOINS:
            return 1.0
        reference = self._usd_reference(venue, quote)
        return reference.fair_price(t_ms) if reference is not None else 1.0
