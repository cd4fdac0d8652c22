"""Templates of the common market-making contracts, mapped onto the spec §3 columns.

A template fills the terms a kind of contract fixes; `mmwatch obligations add --template NAME`
takes them, the options given override any of them, and the row is then checked by the loader
like every obligation. The numbers of spread and depth are typical values of such contracts, not
anyone's actual deal: write the contract's own with --max-spread-bps, --depth-band-bps and
--min-depth-usd. How each contract clause maps onto the spec: docs/obligations.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from mmwatch.errors import ConfigError


@dataclass(frozen=True)
class Template:
    name: str
    what: str
    terms: dict[str, str]  # spec §3 columns -> cell text
    notes: tuple[str, ...]  # clauses with no column of their own, and how they are met


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template(
        name="exchange-programme",
        what="an exchange's market-maker programme like Bybit's: books sampled every 10 s, 75 % of a day's "
             "snapshots within spread and depth, 75 % of the month's days",
        terms={"max_spread_bps": "10", "depth_band_bps": "100", "min_depth_usd": "10000",
               "min_uptime_pct": "75", "min_coverage_pct": "90", "min_days_pct": "75"},
        notes=("the programme's 10 s snapshots are the collection cadence, not an obligation column: keep "
               "orderbooks collected every 10 s or faster (cadences.orderbooks or the venue's orderbook_every_s "
               "in the collection config; 10 s is the default)",
               "'75 % of snapshots a day' is min_uptime_pct 75: uptime is the mean of minute compliance over "
               "covered minutes, the share of compliant snapshots when sampling is regular (spec §3)"),
    ),
    Template(
        name="token-sla",
        what="a token project's SLA with its market maker: spread, depth within 2 % of the mid on each side, "
             "uptime",
        terms={"max_spread_bps": "100", "depth_band_bps": "200", "min_depth_usd": "25000",
               "min_uptime_pct": "90", "min_coverage_pct": "90", "min_days_pct": "75"},
        notes=("'depth within 2 %' is depth_band_bps 200, and min_depth_usd is required on each side (bid and "
               "ask within 200 bps of the mid), as spec §3 judges a snapshot",
               "the SLA's uptime is judged per UTC day (min_uptime_pct); the month passes when min_days_pct of "
               "the judged days pass (write --min-days-pct 100 for 'every day')"),
    ),
)}


def template(name: str) -> Template:
    """The template called `name`; ConfigError naming the known ones otherwise."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ConfigError(f"no obligation template '{name}': use one of {', '.join(TEMPLATES)}") from None
