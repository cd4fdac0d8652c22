"""The order in which the suite's test files are handed to the workers.

`make test` runs the files on two workers, a file at a time each (`--dist loadfile`). The run ends when
the slower worker ends, so a long file handed out last keeps one worker busy while the other idles.
pytest-xdist's own order (files with the most tests first) put the end-to-end files, which have few
tests and long module fixtures, last. The files are handed out longest first instead, by the seconds
each took in a recorded run (tests/file_seconds.json); a file not recorded yet goes first, so a new
slow file cannot end up last.

Record the seconds again after adding or moving slow tests:

    .venv/bin/pytest -n 2 --dist loadfile --no-loadscope-reorder --write-file-seconds tests/file_seconds.json
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

SECONDS_FILE = Path(__file__).with_name("file_seconds.json")

Item = TypeVar("Item")


def file_of(nodeid: str) -> str:
    """The test file of a pytest node id (`tests/a/test_b.py::test_c[x]` -> `tests/a/test_b.py`)."""
    return nodeid.split("::", 1)[0]


def load_seconds(path: Path = SECONDS_FILE) -> dict[str, float]:
    """Seconds per test file from `path`; empty when the file is missing. A malformed file is an error
    that names it: the order would otherwise silently fall back to xdist's."""
    if not path.exists():
        return {}
    try:
        seconds = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error}); record it again (see tests/file_order.py)") from error
    if not isinstance(seconds, dict) or not all(
            isinstance(k, str) and isinstance(v, (int, float)) for k, v in seconds.items()):
        raise ValueError(f"{path}: expected an object of test file -> seconds; record it again (see tests/file_order.py)")
    return {k: float(v) for k, v in seconds.items()}


def longest_first(items: Sequence[Item], nodeid_of, seconds: dict[str, float]) -> list[Item]:
    """`items` grouped by file, files not in `seconds` first (in their collected order), then the
    others by their seconds, longest first; the items of a file keep their collected order."""
    by_file: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_file[file_of(nodeid_of(item))].append(item)
    collected = list(by_file)
    unknown = [f for f in collected if f not in seconds]
    known = sorted((f for f in collected if f in seconds), key=lambda f: (-seconds[f], collected.index(f)))
    return [item for f in unknown + known for item in by_file[f]]


def order_on_worker(config, items: list, seconds_file: Path = SECONDS_FILE) -> None:
    """The body of `pytest_collection_modifyitems`: on an xdist worker, `items` longest file first (the
    controller hands the files out in the order the workers collected them, once xdist's own reorder
    is off: `--no-loadscope-reorder`); elsewhere the collected order stays."""
    if hasattr(config, "workerinput"):
        items[:] = longest_first(items, lambda item: item.nodeid, load_seconds(seconds_file))


def seconds_per_file(reports: Iterable[tuple[str, float]]) -> dict[str, float]:
    """(node id, duration) of every setup, call and teardown -> seconds per file, longest first,
    rounded to 0.1 s."""
    totals: dict[str, float] = defaultdict(float)
    for nodeid, duration in reports:
        totals[file_of(nodeid)] += duration
    return {f: round(s, 1) for f, s in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))}


def write_seconds(path: Path, seconds: dict[str, float]) -> None:
    path.write_text(json.dumps(seconds, indent=1) + "\n")
