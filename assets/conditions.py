"""When each asset materializes: Dagster declarative automation (AutomationCondition), evaluated by
the automation sensors of pipelines/automation.py. One home for every condition of the code location.

- dbt marts (every model and seed) and the HTML report: today's UTC partition as its raw partitions
  update (`today_refresh`), yesterday's rebuilt in full once after the day closes (`day_close`);
- the HTML report: in the marts' runs (`with_marts`);
- `marts_refreshed`, the last step of every marts run (`ends_marts_runs`): while it is queued or running,
  no other refresh of that day's marts nor a run of what follows them is requested;
- published tables and the alert ledger: the day of every marts update (`follows_marts`);
- the report email: yesterday, on the report cron, once yesterday's marts were built by the day close
  (`report_due`).

A condition that waits for "requested since" uses `newly_requested` as its reset, never an update of
the asset: a run that started before new data landed must not swallow that data's trigger.
"""
from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from datetime import timedelta

import dagster as dg

# 00:15 UTC: the last landing file of yesterday (written at most a minute after midnight) has been
# picked up by the landing sensor and ingested well before. Past days are built by this and by
# `mmwatch build` / backfills only.
DAY_CLOSE_CRON = "15 0 * * *"

AC = dg.AutomationCondition
RAW_GROUP = "raw"  # the landing-fed lake assets (assets/raw)
LAKE_GROUPS = (RAW_GROUP, "market_data")  # every lake asset: their blocking lake-schema checks gate the marts
REPORT_KEY = dg.AssetKey("compliance_report")  # the HTML report, in every marts run (assets/report)
MARTS_REFRESHED_KEY = dg.AssetKey("marts_refreshed")  # the last step of every marts run (assets/marts/run_end.py)


def _today() -> AC:
    return AC.in_latest_time_window().with_label("today (UTC)")


def _yesterday() -> AC:
    return (AC.in_latest_time_window(timedelta(days=2)) & ~AC.in_latest_time_window()).with_label("yesterday (UTC)")


def _requested_since(trigger: AC, label: str) -> AC:
    """`trigger` has been true since this partition was last requested by the automation. An input
    update seen on the tick after a request wins over that request when it is later (timing metadata
    flows only through a plain operand: keep `trigger` free of and/or). Dagster keeps the state of a
    `since` under an id made of its operands' names, so two of them on one asset must differ there."""
    return trigger.since(AC.newly_requested()).with_label(label)


def _landed(table: str) -> AC:
    """Lake table `table` (an input) was updated: one wait per lake input, named by it."""
    return _requested_since(AC.asset_matches(dg.AssetKey(table), AC.newly_updated()),
                            f"{table} landed since last requested")


def _input_updated() -> AC:
    """An input was updated; for inputs never written by this asset's runs."""
    return AC.any_deps_match(AC.newly_updated())


def _input_rebuilt_elsewhere() -> AC:
    """An input was updated by a run that did not also build this partition (dbt nodes and the HTML
    report share runs: an update in the same run is no reason to build again)."""
    return AC.any_deps_match(AC.newly_updated() & ~AC.executed_with_root_target())


def _input_requested_now() -> AC:
    return AC.any_deps_match(AC.will_be_requested()).with_label("an input is requested this tick")


def _ticked_for_yesterday(cron: str, timezone: str) -> AC:
    """`cron` ticked, for the partition that is yesterday at that tick only: a tick must not stay
    pending on today's partition and fire when it becomes yesterday, before its own tick."""
    return AC.cron_tick_passed(cron, timezone) & _yesterday()


def _raw_check_failed() -> AC:
    """A lake table this partition reads failed its blocking lake-schema check (assets/raw/lake_check.py)."""
    return AC.any_deps_match(AC.any_checks_match(AC.check_failed(), blocking_only=True)).allow(
        dg.AssetSelection.groups(*LAKE_GROUPS)).with_label("a lake input failed its blocking check")


def _marts_run_active() -> AC:
    """A marts run of this day is queued or running: `marts_refreshed`, which every marts run ends with
    (it reads the marts' last nodes, so a model requested pulls it in, in the same tick), is in a run
    that has not built it yet. One test per asset: the evaluation of one asset's condition was 160
    nodes with a test per last node (21), stored on every tick (docs/freshness.md)."""
    return AC.asset_matches(MARTS_REFRESHED_KEY, AC.in_progress()).with_label(
        "a marts run of this day is queued or running")


def today_refresh(lake_inputs: Sequence[str] = ()) -> AC:
    """Today's partition, when one of its `lake_inputs` landed, a model input was rebuilt by another
    run or is requested this tick, or the partition is missing (a new day, a fresh warehouse); one
    run at a time: data landing while a refresh is queued or runs waits, and the next refresh takes
    everything that waited, in one run (see _marts_run_active). Without that wait a
    machine slower than the landing cadence split refreshes into runs of one or two models, each
    paying dbt's start (docs/freshness.md)."""
    waiting = [_landed(table) for table in sorted(lake_inputs)] + [
        _requested_since(_input_rebuilt_elsewhere().ignore(dg.AssetSelection.groups(*LAKE_GROUPS)),
                         "a model input rebuilt since last requested"),
        _requested_since(AC.missing().newly_true(), "partition missing since last requested"),
        _input_requested_now()]
    return (_today() & functools.reduce(operator.or_, waiting) & ~_raw_check_failed() & ~AC.in_progress()
            & ~_marts_run_active()).with_label("today_refresh")


def day_close(cron: str = DAY_CLOSE_CRON) -> AC:
    """Yesterday's partition, once after `cron` ticked, when no lake input is being written and every
    model input closes in the same run or closed before (a branch whose raw run is still going closes
    after it, with everything downstream of it)."""
    ticked = _requested_since(_ticked_for_yesterday(cron, "UTC"), f"day close ({cron} UTC) ticked since last requested")
    closed = AC.newly_requested().since(AC.cron_tick_passed(cron, "UTC")).with_label("closed since the tick")
    with_inputs = AC.all_deps_match(AC.will_be_requested() | closed).ignore(dg.AssetSelection.groups(*LAKE_GROUPS))
    return (_yesterday() & ticked & ~_raw_check_failed() & ~AC.any_deps_in_progress()
            & with_inputs.with_label("every model input closes with it or has closed") & ~AC.in_progress()
            ).with_label("day_close")


def mart(lake_inputs: Sequence[str] = ()) -> AC:
    """Every dbt model and seed (`lake_inputs`: the lake tables it reads directly): today's refresh,
    and yesterday's full build at the day close."""
    return (today_refresh(lake_inputs) | day_close()).with_label("mart")


def follows_marts() -> AC:
    """Any day whose marts were updated since this partition was last requested (today's refresh, the
    day close, `mmwatch build`, a backfill), once no run is still to build one of the marts it reads
    (a run's marts materialize one by one: the ledger is evaluated once they are all in, not once per
    mart) nor any marts run of that day is queued or running (see _marts_run_active; what
    follows shares the warehouse slot with that run, so each table published as its mart ended went in
    a run of its own, one after the other, once the slot was free), one run at a time; for assets that
    never share a run with the marts (published tables, the alert ledger)."""
    return (_requested_since(_input_updated(), "a mart updated since last requested")
            & ~AC.any_deps_in_progress() & ~AC.in_progress() & ~_marts_run_active()).with_label("follows_marts")


def with_marts() -> AC:
    """Any day whose marts are requested this tick (in the same run) or were rebuilt by a run without
    this asset (`mmwatch build` of the marts alone, a backfill); for the HTML report."""
    return ((_requested_since(_input_rebuilt_elsewhere(), "a mart rebuilt without it since last requested")
             | _input_requested_now()) & ~AC.in_progress()).with_label("with_marts")


def ends_marts_runs() -> AC:
    """Any day whose marts' last nodes are requested this tick, in the same run; for `marts_refreshed`.
    Also while an earlier run of the day holds it (the day close's second run, after a branch's late
    raw run): every marts run ends with it. `mmwatch build` and backfills hold it through daily_marts_job."""
    return _input_requested_now().with_label("ends_marts_runs")


def report_due(cron: str, timezone: str) -> AC:
    """Yesterday's report, once the report `cron` ticked and every input was built after the latest
    day close (so yesterday's marts are complete); a late day close sends it when it ends."""
    ticked = _requested_since(_ticked_for_yesterday(cron, timezone), f"report cron ({cron} {timezone}) ticked")
    return (_yesterday() & ticked & AC.all_deps_updated_since_cron(DAY_CLOSE_CRON, "UTC")
            & ~AC.any_deps_in_progress() & ~AC.in_progress()).with_label("report_due")
