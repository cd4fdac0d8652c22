"""`mmwatch build`: one UTC day through Dagster — raw assets, dbt marts, report.

Quiet by default: the console gets one line per stage (through `progress`, see cli/progress.py).
dagster-dbt echoes every dbt event to stdout; during the runs that echo goes to the stage's live
detail instead (the newest dbt line beside the spinner), since dbt writes the same lines to the
invocation's dbt.log. A failed run raises MmwatchError naming the failing dbt nodes with dbt's
message and the log's path (mmwatch/marts/failures.py).
"""
from __future__ import annotations

import io
import logging
import os
import re
from contextlib import AbstractContextManager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from assets.partitions import EXCHANGES, partition_range_tags
from assets.refresh import FULL_REBUILD_TAG
from mmwatch.errors import ConfigError, MmwatchError
from mmwatch.lake.dropped_landing import exchanges_with_dropped_landing
from mmwatch.landing.quarantine import quarantine_unknown_venues
from mmwatch.landing.zone import list_landing
from mmwatch.days import check_buildable_day
from mmwatch.marts.failures import failed_nodes, invocation_dirs
from mmwatch.report import ComplianceRow, load_compliance_rows
from mmwatch.schemas import LAKE_TABLES
from mmwatch.settings import DATA_DIR_ENV, DataDir
from mmwatch.warehouse_lock import writing
from pipelines.instance import ensure_instance


# Dagster's console logger prints nothing: a failed run is described by run_failure_message (its
# console dump would repeat each stack trace twice) and the runs' warnings are passed on to the
# stage (stage.note) after the run; every event is still recorded in the instance.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class StageProgress(Protocol):
    """What a build reports its stages to (cli.progress.Stages): `stage(title)` is a context
    manager yielding an object with `update(detail)`, `note(line)` and `done(summary)`."""

    def stage(self, title: str) -> AbstractContextManager[Any]: ...


class _Silent:
    """No progress output (the default of library callers and tests)."""

    class _Stage:
        def update(self, detail: str) -> None:
            pass

        def note(self, line: str) -> None:
            pass

        def done(self, summary: str) -> None:
            pass

    def stage(self, title: str) -> AbstractContextManager[Any]:
        from contextlib import nullcontext

        return nullcontext(self._Stage())


class _ConsoleLines(io.TextIOBase):
    """A stdout stand-in that hands each complete line to `on_line` (dagster-dbt's echo of dbt's
    events: the same lines are in the invocation's dbt.log)."""

    def __init__(self, on_line: Callable[[str], None]):
        self.on_line, self.partial = on_line, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self.partial = (self.partial + text).split("\n")
        for line in lines:
            if line.strip():
                self.on_line(line)
        return len(text)


@dataclass(frozen=True)
class DailyBuild:
    """What a build produced."""

    day: str
    exchanges: list[str]
    rows: list[ComplianceRow]
    report: Path
    warehouse: Path
    raw_run_id: str
    marts_run_id: str


def landed_exchanges(data_dir: DataDir, day: str) -> list[str]:
    """Venues with at least one landing file of `day` (any data set), or whose landing files of `day`
    the landing retention dropped once the lake held them (the lake is then their source), in
    partition order. Files of exchanges that are not venues do not block the day: the raw run
    quarantines them."""
    found = {f.exchange for dataset in LAKE_TABLES.values() for f in list_landing(data_dir, dataset, day)}
    found |= exchanges_with_dropped_landing(data_dir, LAKE_TABLES, day)
    return sorted(found & set(EXCHANGES), key=EXCHANGES.index)


def run_daily_build(day: str, data_dir: str | Path | None = None, obligations_csv: str | Path | None = None,
                    progress: StageProgress | None = None, wait: bool = True,
                    on_wait: Callable[[str], None] | None = None) -> DailyBuild:
    """Rebuild the raw partitions of `day` that have landing files, then the marts and the report.

    Runs are recorded in the Dagster instance at $DAGSTER_HOME (default
    <data dir>/dagster_home). `progress` gets two stages (raw, marts). Raises MmwatchError with
    what to do on bad input, and with the failing nodes and the dbt log when a run fails.

    One build of a data directory at a time (mmwatch.warehouse_lock, held for the whole build):
    another one at work, this one waits for it (`on_wait` told once whom it waits for), or with
    `wait=False` raises WarehouseBusy naming it.
    """
    check_buildable_day(day)
    layout = DataDir.from_env(data_dir)
    if not any(list_landing(layout, dataset, day) for dataset in LAKE_TABLES.values()) \
            and not exchanges_with_dropped_landing(layout, LAKE_TABLES, day):
        raise _no_landing(layout, day, "")  # before any folder is made: nothing to build
    layout.ensure()
    with writing(layout.warehouse, "the build", day, wait=wait, on_wait=on_wait):
        return _build(day, layout, obligations_csv, progress)


def _no_landing(layout: DataDir, day: str, moved: str) -> MmwatchError:
    return MmwatchError(
        f"no landing data for {day}{moved}: looked in {layout.landing}/<orderbooks|trades|fetch_errors>/day={day}/. "
        f"Collect it with `mmwatch collect --config <file>` or import a capture with "
        f"`mmwatch import <capture.jsonl>`, or pass --data-dir where the data is."
    )


def _build(day: str, layout: DataDir, obligations_csv: str | Path | None, progress: StageProgress | None) -> DailyBuild:
    os.environ[DATA_DIR_ENV] = str(layout.root)  # the definitions' resources resolve the data dir from it
    exchanges = landed_exchanges(layout, day)
    if not exchanges:
        strays = [q for dataset in LAKE_TABLES.values() for q in quarantine_unknown_venues(layout, dataset, [day])]
        moved = f" ({len(strays)} files of exchanges that are not venues moved to {layout.quarantine})" if strays else ""
        raise _no_landing(layout, day, moved)
    csv = None
    if obligations_csv is not None:
        csv = Path(obligations_csv).expanduser().resolve()
        if not csv.is_file():
            raise ConfigError(f"obligations file {csv} does not exist: pass --obligations <existing CSV>")
    progress = progress or _Silent()
    instance = ensure_instance(layout)
    with progress.stage(f"raw: landing -> lake for {', '.join(exchanges)}") as stage:
        from pipelines.definitions import defs  # heavy: Dagster and the dbt manifest

        raw_job = defs.resolve_job_def("raw_ingest_job")
        raw = execute_quietly(raw_job.name, raw_job.execute_in_process, layout, stage, instance=instance,
                              tags=partition_range_tags(day, exchanges), run_config=QUIET_CONSOLE)
        stage.done(f"{len(exchanges)} exchange partition{'s' if len(exchanges) != 1 else ''} of {day}")
    marts_config = {
        **QUIET_CONSOLE, "ops": {"mmwatch_dbt_assets": {"config": {"obligations_csv": str(csv) if csv else None}}},
    }
    with progress.stage("marts: dbt build of the day, then the report") as stage:
        marts_job = defs.resolve_job_def("daily_marts_job")
        # a build recomputes its day, today's included (the refresh contract: assets/refresh.py)
        marts = execute_quietly(marts_job.name, marts_job.execute_in_process, layout, stage, instance=instance,
                                partition_key=day, run_config=marts_config, tags={FULL_REBUILD_TAG: "true"})
        stage.done(_dbt_summary(layout, marts.run_id))
    return DailyBuild(
        day=day,
        exchanges=exchanges,
        rows=load_compliance_rows(layout.warehouse, day),
        report=layout.reports / f"compliance-{day}.html",
        warehouse=layout.warehouse,
        raw_run_id=raw.run_id,
        marts_run_id=marts.run_id,
    )


def execute_quietly(name: str, execute: Callable[..., Any], layout: DataDir, stage, instance, **kwargs):
    """`execute(instance=instance, raise_on_error=False, **kwargs)` (a job's execute_in_process, or
    dg.materialize over some assets) with stdout lines going to `stage.update` and the run's
    warnings (when it succeeded) to `stage.note`; a failed run raises MmwatchError saying what failed (dbt nodes,
    messages, log) instead of a traceback."""
    with redirect_stdout(_ConsoleLines(lambda line: stage.update(dbt_progress(line)))):
        result = execute(instance=instance, raise_on_error=False, **kwargs)
    if not result.success:  # (its warnings are then about the failure: run_failure_message tells it)
        raise MmwatchError(run_failure_message(name, result, layout))
    for warning in run_warnings(instance, result.run_id):
        stage.note(f"warning: {warning}")
    return result


DBT_NODE_LINE = re.compile(r"(\d+) of (\d+) .*?(?:main\.)?(\w+)\s+(?:\.+ )?\[")


def dbt_progress(line: str) -> str:
    """A dbt per-node line as a short live detail ('dbt 12/493 fct_liquidity_minute'); other lines as they are."""
    node = DBT_NODE_LINE.match(line.strip())
    return f"dbt {node[1]}/{node[2]} {node[3]}" if node else line


def run_failure_message(job_name: str, result, layout: DataDir) -> str:
    """The failed run in a few lines: dbt's failing nodes and log when dbt ran, else the step's error;
    the run id to look it up in the Dagster UI."""
    lines = [f"the Dagster run {result.run_id} of {job_name} failed"]
    for target in invocation_dirs(layout.root, result.run_id):
        failures = failed_nodes(target)
        lines += [f"  dbt node {failure.describe()}" for failure in failures]
        lines.append(f"  dbt log: {target / 'dbt.log'}")
    if not any(line.startswith("  dbt node") for line in lines):
        lines += [f"  {step}: {message}" for step, message in _step_errors(result)]
    lines.append(f"  the run with every event: `make dev` (DAGSTER_HOME={os.environ.get('DAGSTER_HOME', layout.dagster_home)})")
    return "\n".join(lines)


def run_warnings(instance, run_id: str) -> list[str]:
    """The messages the run's code logged at WARNING or above (context.log.warning/error), not
    Dagster's own events (a step failure is told by run_failure_message)."""
    return [entry.user_message for entry in instance.all_logs(run_id)
            if entry.dagster_event is None and entry.level >= logging.WARNING]


def _step_errors(result) -> list[tuple[str, str]]:
    """(step, innermost error message) of each failed step of an in-process run."""
    errors = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            errors.append((event.step_key or "step", error.message.strip()))
    return errors


def _dbt_summary(layout: DataDir, run_id: str) -> str:
    """'493 dbt nodes' of the run's dbt invocation(s), from run_results.json."""
    import json

    nodes = 0
    for target in invocation_dirs(layout.root, run_id):
        results = target / "run_results.json"
        if results.is_file():
            nodes += len(json.loads(results.read_text())["results"])
    return f"{nodes} dbt nodes, report written"
