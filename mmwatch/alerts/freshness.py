"""Assets past their freshness policy, as alerts: one per asset group (raw, marts, ...) whose assets
Dagster's freshness evaluation puts in FAIL (assets/freshness.py: nothing materialized for three
times the asset's arrival interval plus the target), naming the stale assets; it closes when every
asset of the group passes again. Critical at once: FAIL already means three windows missed.

One alert per group, not per asset: when the collector stops, every mart goes stale together, and
the data engineer needs one message that lists them, not a hundred.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mmwatch.alerts.config import FRESHNESS_RULE, AlertsConfig
from mmwatch.alerts.episodes import ASSET_GROUP, Episode
from mmwatch.alerts.health_ledger import HealthCycle, OpenAlert, open_alerts, open_health_ledger, record_health
from mmwatch.mail import SmtpSettings
from mmwatch.settings import DataDir

SOURCE = "dagster"  # the `exchange` of a freshness alert: the assets are Dagster's
FAIL = "FAIL"
LISTED = 12  # stale assets named in one message


@dataclass(frozen=True)
class AssetFreshness:
    """One asset's freshness as Dagster last judged it: state PASS/WARN/FAIL/UNKNOWN since `since`."""

    asset: str
    group: str
    state: str
    since: datetime


def _at(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def stale_groups(assets: list[AssetFreshness], now: datetime, already_open: list[OpenAlert]) -> list[Episode]:
    """An alert per group with a FAILing asset, and a closing one for each open group that has none."""
    failing: dict[str, list[AssetFreshness]] = {}
    for asset in assets:
        if asset.state == FAIL:
            failing.setdefault(asset.group, []).append(asset)
    episodes = []
    for group, stale in sorted(failing.items()):
        stale.sort(key=lambda a: (a.since, a.asset))
        names = ", ".join(a.asset for a in stale[:LISTED]) + (f" (+{len(stale) - LISTED} more)" if len(stale) > LISTED else "")
        opened = stale[0].since
        episodes.append(Episode(FRESHNESS_RULE, SOURCE, ASSET_GROUP, group, None, None, opened, opened, None, now, True,
                                {"stale_assets": names, "stale": len(stale), "failing_since": _at(opened),
                                 "what": "past the fail window of their FreshnessPolicy (assets/freshness.py)"}))
    for alert in already_open:
        if alert.symbol not in failing:
            episodes.append(Episode(FRESHNESS_RULE, SOURCE, ASSET_GROUP, alert.symbol, None, None, alert.opened_at,
                                    alert.opened_at, max(now, alert.opened_at), now, True,
                                    {"fresh_again_at": _at(now)}))
    return episodes


def run_freshness_alerts(data_dir: DataDir, assets: list[AssetFreshness], config: AlertsConfig,
                         now: datetime, smtp: SmtpSettings | None = None, deliver: bool = True) -> HealthCycle:
    """Open/close the freshness alerts of the health ledger from `assets`' states; deliver what is owed."""
    with open_health_ledger(data_dir) as con:
        episodes = stale_groups(assets, now, open_alerts(con, FRESHNESS_RULE))
        return record_health(con, FRESHNESS_RULE, episodes, config, now, smtp, deliver)
