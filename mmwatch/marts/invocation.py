"""One dbt invocation of a Dagster run: its environment, its target directory, and the
parse state carried from run to run.

dbt parses the whole project again (about 4 s of CPU on a fast machine, 7 s on a slow one,
for every intraday refresh) unless the target directory holds a partial_parse.msgpack saved
under the same profile and the same vars. So:
- the day and the obligations CSV go to dbt in the environment (MMWATCH_DBT_DAY,
  MMWATCH_OBLIGATIONS_CSV; the macros read them only when models execute), not as vars; so
  does MMWATCH_DBT_APPEND=1 of a refresh of today (dbt/macros/refresh_window.sql: every
  day-partitioned table rewrites only the rows at or after the earliest change of its inputs,
  or nothing; docs/marts.md, "Refreshes");
- the obligations dbt reads are never the analyst's file itself: the asset's config, else
  $MMWATCH_OBLIGATIONS_CSV, else the dbt seed is checked by mmwatch.obligations (a bad file
  stops the run before dbt starts, with every problem by file, line and column) and dbt gets
  the canonical copy written into <data>/obligations/;
- the profile names the data directory's warehouse, so the parse state is kept per data
  directory, in <data>/dbt/partial_parse.msgpack, copied into each run's target directory
  before dbt starts and back (atomically) after it ends;
- every invocation writes its artifacts (manifest, run_results, compiled SQL, dbt.log) to its
  own <data>/dbt/runs/<time>-<run id>/, and only the newest KEEP_RUN_DIRS are kept: with a
  refresh every minute, keeping them all would fill the disk (a whole day's build leaves
  about 16 MB, most of it dbt's debug log).
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mmwatch.files import atomic_path
from mmwatch.obligations import OBLIGATIONS_ENV, checked_copy
from mmwatch.settings import DATA_DIR_ENV

DAY_ENV = "MMWATCH_DBT_DAY"
APPEND_ENV = "MMWATCH_DBT_APPEND"
PARSE_STATE = "partial_parse.msgpack"
KEEP_RUN_DIRS = 10
# dbt.log as text, the per-model lines as dbt prints them, no colour codes (dagster-dbt sets
# DBT_LOG_FORMAT=json for the stdout it parses, which dbt would otherwise use for the file too)
READABLE_LOG_FILE = {"DBT_LOG_FORMAT_FILE": "text", "DBT_USE_COLORS": "false"}


def dbt_env(data_dir: Path, day: str, obligations_csv: str | None, append: bool = False) -> dict[str, str]:
    """The environment variables one day's build passes to dbt (`append`: a refresh of today). The
    obligations (config, else $MMWATCH_OBLIGATIONS_CSV, else the dbt seed) are checked and dbt
    gets the absolute path of their canonical copy; raises ObligationsError (every problem) or
    ConfigError (no such file)."""
    checked, _ = checked_copy(data_dir, obligations_csv)
    return {DATA_DIR_ENV: str(data_dir), DAY_ENV: day, APPEND_ENV: "1" if append else "",
            OBLIGATIONS_ENV: str(checked), **READABLE_LOG_FILE}


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` set while the block runs (dagster-dbt passes os.environ to dbt)."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def runs_dir(data_dir: Path) -> Path:
    return data_dir / "dbt" / "runs"


def new_target_dir(data_dir: Path, run_id: str) -> Path:
    """A fresh target directory for one invocation, holding the saved parse state if any."""
    target = runs_dir(data_dir) / f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{run_id[:8]}"
    target.mkdir(parents=True, exist_ok=True)
    saved = data_dir / "dbt" / PARSE_STATE
    if saved.exists():
        shutil.copyfile(saved, target / PARSE_STATE)
    return target


def keep_parse_state(data_dir: Path, target: Path) -> None:
    """Save the invocation's parse state for the next run (temporary name, then rename, so a
    concurrent reader never sees half a file)."""
    state = target / PARSE_STATE
    if not state.exists():
        return
    with atomic_path(data_dir / "dbt" / PARSE_STATE) as partial:
        shutil.copyfile(state, partial)


def prune_target_dirs(data_dir: Path, keep: int = KEEP_RUN_DIRS) -> list[Path]:
    """Delete all but the newest `keep` run target directories; returns the deleted ones."""
    found = sorted((p for p in runs_dir(data_dir).glob("*") if p.is_dir()), key=lambda p: p.name, reverse=True)
    for old in found[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return found[keep:]
