"""The alerts configuration (YAML): rule thresholds (spec §6 defaults), per-market overrides,
channels, routes, cool-down and delivery retries. `load_alerts_config(path)` validates it and
raises ConfigError naming the file, the key path and the bad value.

Secrets never live in the file: channels name the environment variables that hold them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from mmwatch.alerts.config_channels import (  # noqa: F401 - re-exported
    Channel, Delivery, EmailChannel, Route, SlackChannel, TelegramChannel, WebhookChannel, _Strict)
from mmwatch.yaml_config import read_yaml, validate_mapping

ALERTS_CONFIG_ENV = "MMWATCH_ALERTS_CONFIG"
RULES = ("wide_spread", "dual_spread", "thin_book", "imbalance", "volume_spike", "price_move", "no_data",
         "obligation_breach")
# rules about the pipeline itself, evaluated outside the marts and kept in the health ledger
# (mmwatch.alerts.health_ledger): the heartbeat's no data, and assets past their freshness policy
FRESHNESS_RULE = "freshness"
HEALTH_RULES = ("no_data", FRESHNESS_RULE)
DATA_RULES = frozenset(HEALTH_RULES)  # routed to data engineers, never an MM breach
ROUTABLE_RULES = (*RULES, FRESHNESS_RULE, "run_failure")  # what a route's `rules:` may name
RUNBOOK_URL = "docs/runbook.md"
SEVERITIES = ("warning", "critical")
STANDARD_BANDS = (10, 50, 100, 200)


class WideSpread(_Strict):
    enabled: bool = True
    max_spread_bps: float = Field(100, gt=0)
    minutes: int = Field(5, ge=1, le=1440)


class DualSpread(_Strict):
    enabled: bool = True
    threshold_bps: float = Field(100, gt=0)
    z_score: float = Field(3, gt=0)
    window_snapshots: int = Field(300, ge=2, le=100_000)
    min_snapshots: int = Field(30, ge=2)
    reset_gap_s: float = Field(120, gt=0)


class ThinBook(_Strict):
    enabled: bool = True
    minutes: int = Field(5, ge=1, le=1440)


class Imbalance(_Strict):
    enabled: bool = True
    band_bps: Literal[10, 50, 100, 200] = 200
    max_abs_imbalance: float = Field(0.7, gt=0, lt=1)
    minutes: int = Field(5, ge=1, le=1440)


class VolumeSpike(_Strict):
    enabled: bool = True
    window_minutes: int = Field(5, ge=1, le=1440)
    factor: float = Field(3, gt=0)
    trailing_hours: int = Field(24, ge=1, le=168)
    min_history_minutes: int = Field(60, ge=1)


class PriceMove(_Strict):
    enabled: bool = True
    lookback_minutes: int = Field(60, ge=1, le=1440)
    max_move_pct: float = Field(5, gt=0)


class NoData(_Strict):
    enabled: bool = True
    minutes: int = Field(5, ge=1, le=1440)


class ObligationBreach(_Strict):
    enabled: bool = True
    alert_after_s: float | None = Field(None, ge=0, description="None: the obligation's alert_after_s (default 300)")


class Rules(_Strict):
    """Every rule's thresholds; the defaults are spec §6's."""

    wide_spread: WideSpread = WideSpread()
    dual_spread: DualSpread = DualSpread()
    thin_book: ThinBook = ThinBook()
    imbalance: Imbalance = Imbalance()
    volume_spike: VolumeSpike = VolumeSpike()
    price_move: PriceMove = PriceMove()
    no_data: NoData = NoData()
    obligation_breach: ObligationBreach = ObligationBreach()


class MarketRules(_Strict):
    """A market with its own thresholds (only the keys given override `rules`); listing a market
    also makes the no-data rule watch it even on a day it never appears."""

    exchange: str
    symbol: str
    market_type: Literal["spot", "swap", "future"] = "spot"
    rules: dict[str, dict] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_rules(self) -> "MarketRules":
        unknown = sorted(set(self.rules) - set(RULES))
        if unknown:
            raise ValueError(f"unknown rule {unknown[0]!r} (rules: {', '.join(RULES)})")
        return self


class Severity(_Strict):
    """warning -> critical: the condition lasts `duration_factor` x the rule's window (minutes, or
    alert_after_s for breaches), or its value passes `value_factor` x the threshold (for thin books:
    falls under threshold / value_factor)."""

    duration_factor: float = Field(3, ge=1)
    value_factor: float = Field(2, gt=1)


class Heartbeat(_Strict):
    """The live "no data" rule (spec §6), evaluated from the landing zone on its own cadence
    (mmwatch.alerts.heartbeat): a configured market, or a whole venue, without a usable book for
    `after_s` (None: each market's `no_data.minutes`) fires on the route `data`. While it is on, the
    marts' own no_data rule is recorded in the ledger but not sent again."""

    enabled: bool = True
    after_s: float | None = Field(None, gt=0, le=86_400)
    first_scan_minutes: int = Field(60, ge=1, le=1440, description="how far back the first scan reads")


class AlertsConfig(_Strict):
    rules: Rules = Rules()
    heartbeat: Heartbeat = Heartbeat()
    runbook_url: str = Field(RUNBOOK_URL, description="where alert messages link to (a rule's anchor appended)")
    markets: list[MarketRules] = Field(default_factory=list)
    severity: Severity = Severity()
    cooldown_minutes: float = Field(60, ge=0, description="a key that re-opens this soon after its last "
                                    "notification is recorded but not sent again")
    channels: dict[str, Channel] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)
    delivery: Delivery = Delivery()

    @model_validator(mode="after")
    def _references(self) -> "AlertsConfig":
        for index, route in enumerate(self.routes):
            for name in route.channels:
                if name not in self.channels:
                    raise ValueError(f"routes[{index}].channels: {name!r} is not a channel "
                                     f"(channels: {', '.join(self.channels) or 'none'})")
            for rule in route.rules or []:
                if rule not in ROUTABLE_RULES:
                    raise ValueError(f"routes[{index}].rules: unknown rule {rule!r}")
        for index, market in enumerate(self.markets):
            try:
                self.rules_for(market.exchange, market.market_type, market.symbol)
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"markets[{index}].rules.{where}: {first.get('input')!r}: {first['msg']}") from None
        return self

    def rules_for(self, exchange: str, market_type: str, symbol: str) -> Rules:
        """The thresholds of one market: `rules` with that market's overrides."""
        for market in self.markets:
            if (market.exchange, market.market_type, market.symbol) == (exchange, market_type, symbol):
                merged = {name: {**getattr(self.rules, name).model_dump(), **override}
                          for name, override in market.rules.items()}
                return Rules.model_validate({**self.rules.model_dump(), **merged})
        return self.rules

    def channels_for(self, rule: str, route: str, severity: str) -> list[str]:
        """Channel names an event goes to (union over matching routes, in config order)."""
        names: list[str] = []
        for r in self.routes:
            if (r.rules is None or rule in r.rules) and (r.route is None or r.route == route) \
                    and (r.severities is None or severity in r.severities):
                names.extend(n for n in r.channels if n not in names)
        return names

    def marts_quiet_rules(self) -> frozenset[str]:
        """Rules the marts' alert cycle records without notifying: no_data while the heartbeat sends it."""
        return frozenset({"no_data"}) if self.heartbeat.enabled else frozenset()

    def no_data_after_s(self, exchange: str, market_type: str, symbol: str) -> float:
        """Seconds without a usable book before the heartbeat's no data fires for a market."""
        if self.heartbeat.after_s is not None:
            return self.heartbeat.after_s
        return self.rules_for(exchange, market_type, symbol).no_data.minutes * 60.0


def parse_alerts_config(data: object, name: str = "<memory>") -> AlertsConfig:
    """Validate a config given as plain data; ConfigError lines name `name`, the field and the value."""
    return validate_mapping(AlertsConfig, {} if data is None else data, f"alerts config {name}",
                            "\nFix the alerts config and try again (see docs/alerts.md).")


def load_alerts_config(path: str | os.PathLike | None = None) -> AlertsConfig:
    """Read `path`, else $MMWATCH_ALERTS_CONFIG; neither set = the spec defaults, no channels."""
    path = path or os.environ.get(ALERTS_CONFIG_ENV)
    if not path:
        return AlertsConfig()
    path = Path(path)
    data = read_yaml(path, f"alerts config {path} does not exist: pass an existing YAML file (see config/alerts.yaml)",
                     f"alerts config {path.name}")
    return parse_alerts_config(data, str(path))
