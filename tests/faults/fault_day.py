"""The fault day: 26 minutes of five venues collected by the real collector in virtual time from the
simulator, with one fault per venue at known cycles (books every 10 s, trades every 10 s):

  binance BTC/USDT  429 then the 418 ban (a neighbour on the same IP spends the weight; books only,
                    so one binance request per cycle and every answer is known in advance)
  okx BTC/USDT      a 5xx storm 00:06-00:07 (500, 502, 503, 504, ...), then stale 00:10-00:11 (the
                    gateway serves the 00:09:50 book again and again)
  bitget BTC/USDT   timeouts 00:12:00-00:12:20 (answers 3 s late, the collector waits 1 s), malformed
                    JSON 00:13:00-00:13:20
  gate BTC/USDT     empty 200 bodies 00:05-00:06 (a maker window), down 10 minutes 00:14-00:24 (503)
  bybit BTC/USDT    crossed books 00:07-00:09 (a maker window)
"""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DAY = "2026-11-20"
MINUTE_MS = 60_000
STEP_MS = 10_000
END_S = 26 * 60  # the last cycle
VENUES = ("binance", "okx", "bitget", "gate", "bybit")
SYMBOL = "BTC/USDT"
BINANCE_SCALE = 0.01  # 60 weight a minute: the collector needs 30 (+20 for the markets)
STORM = (500, 502, 503, 504, 503, 502)
SLOW_S, TIMEOUT_S = 3.0, 1.0


def at(minutes: int, seconds: int = 0) -> int:
    """Seconds after midnight."""
    return minutes * 60 + seconds


def scenario() -> dict:
    market = {"symbol": SYMBOL, "tick_size": 0.01, "amount_step": 0.00001, "trades_per_minute": 20,
              "trade_size": 0.02, "background": {"levels": 40, "distance_bps": 40, "step_bps": 5, "size": 0.4}}
    quoting = {"spread_bps": 6, "depth_usd": 100_000, "band_bps": 30, "levels": 5}
    venues = {venue: {"markets": [market]} for venue in VENUES}
    venues["binance"]["rate_limit"] = {"scale": BINANCE_SCALE}
    venues["gate"]["down"] = [{"start": "00:14", "end": "00:24", "status": 503}]
    schedules = {"gate": [{"start": "00:05", "end": "00:06", "behaviour": "empty_body"}],
                 "bybit": [{"start": "00:07", "end": "00:09", "behaviour": "crossed"}]}
    makers = [{"name": f"Maker {venue}", "venue": venue, "symbol": SYMBOL, "quoting": quoting,
               "schedule": schedules.get(venue, [])} for venue in VENUES]
    obligations = [{"obligation_id": f"{venue}-btc", "mm_name": f"Maker {venue}", "exchange": venue,
                    "symbol": SYMBOL, "valid_from": DAY, "max_spread_bps": 20, "depth_band_bps": 50,
                    "min_depth_usd": 20_000, "min_uptime_pct": 90} for venue in VENUES]
    return {"seed": 15, "date": DAY, "assets": {SYMBOL: {"start_price": 97_000, "volatility_bps": 1.0}},
            "venues": venues, "market_makers": makers, "obligations": obligations}


def write_scenario(folder: Path) -> Path:
    path = folder / "faults.yaml"
    path.write_text(yaml.safe_dump(scenario(), sort_keys=False))
    return path


def collection_config() -> dict:
    venues = {venue: {"markets": [SYMBOL], "orderbook_levels": 20} for venue in VENUES}
    venues["binance"]["datasets"] = ["orderbooks"]
    venues["bitget"]["request_timeout_s"] = TIMEOUT_S
    return {"exchanges": venues}


def neighbour_until(url: str, wanted: int) -> list[int]:
    """Another client on the collector's IP: pings binance until it answers `wanted`; the statuses seen."""
    seen = []
    for _ in range(1000):
        try:
            with urllib.request.urlopen(url + "/binance/api/v3/ping", timeout=10) as answer:
                seen.append(answer.status)
        except urllib.error.HTTPError as error:
            seen.append(error.code)
        if seen[-1] == wanted:
            return seen
    raise AssertionError(f"binance never answered {wanted}: {seen[-5:]}")


@dataclass
class Timeline:
    """Runs the faults before each cycle and records the simulator's per-venue request counters."""

    sim: object
    start_ms: int
    # second of day -> venue -> requests so far, before the faults of that cycle / just before the cycle
    before: dict[int, dict[str, int]] = field(default_factory=dict)
    after: dict[int, dict[str, int]] = field(default_factory=dict)
    neighbour: list[list[int]] = field(default_factory=list)

    def _counters(self) -> dict[str, int]:
        venues = self.sim.stats()["venues"]
        return {venue: venues[venue]["requests"] for venue in VENUES}

    def before_cycle(self, index: int, t_ms: int) -> None:
        second = (t_ms - self.start_ms) // 1000
        self.before[second] = self._counters()
        self._faults(second)
        self.after[second] = self._counters()

    def finish(self) -> None:
        """Read the counters once more after the last cycle."""
        self.before[END_S + 10] = self._counters()

    def _faults(self, second: int) -> None:
        if second == at(2, 20):  # spend the rest of the window: the neighbour's first 429 (strike 1)
            self.neighbour.append(neighbour_until(self.sim.url, 429))
        if second == at(2, 30):  # the collector's 429 was strike 2: two more earn the ban (418)
            self.neighbour.append(neighbour_until(self.sim.url, 418))
        if at(6) <= second < at(7):
            self.sim.set_down("okx", STORM[(second - at(6)) // 10])
        if second == at(7):
            self.sim.set_down("okx", None)
        if second == at(10):
            self.sim.set_fault("okx", "stale")  # frozen at the clock's instant: the 00:09:50 cycle
        if second == at(11):
            self.sim.set_fault("okx", None)
        if second == at(12):
            self.sim.set_fault("bitget", "slow", SLOW_S)
        if second == at(12, 30):
            self.sim.set_fault("bitget", None)
        if second == at(13):
            self.sim.set_fault("bitget", "malformed_json")
        if second == at(13, 30):
            self.sim.set_fault("bitget", None)

    def asked(self, venue: str, second: int) -> int:
        """Requests to `venue` made by the collector's cycle at `second`."""
        return self.before[second + 10][venue] - self.after[second][venue]
