"""Which obligations file a build uses, and the checked copy of it that dbt reads.

The source is, in this order: the file given (`mmwatch build --obligations`, the Dagster asset's
config), $MMWATCH_OBLIGATIONS_CSV, <data dir>/obligations.csv when it exists (the file `mmwatch
obligations add|end` keep), the dbt seed dbt/seeds/mm_obligations.csv. Whichever it is,
it is loaded (and so checked) by mmwatch.obligations.loader and written again in
CANONICAL_COLUMNS order with every default filled, as <data dir>/obligations/obligations-<hash>.csv;
dbt reads that copy, never the analyst's file (dbt/macros/obligations_source.sql).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
from datetime import date
from pathlib import Path

from mmwatch.files import write_text_atomically
from mmwatch.obligations.loader import ObligationsFile, load_obligations
from mmwatch.obligations.model import CANONICAL_COLUMNS, Obligation

OBLIGATIONS_ENV = "MMWATCH_OBLIGATIONS_CSV"
SEED_CSV = Path(__file__).resolve().parents[2] / "dbt" / "seeds" / "mm_obligations.csv"
CHECKED_DIR = "obligations"
DATA_DIR_FILE = "obligations.csv"  # <data dir>/obligations.csv: the deployment's own obligations


def editable_file(data_dir: str | os.PathLike) -> Path:
    """The obligations file of a deployment, the one `mmwatch obligations add|end` write:
    $MMWATCH_OBLIGATIONS_CSV, else <data_dir>/obligations.csv (existing or not; never the seed,
    which ships inside the image)."""
    chosen = os.environ.get(OBLIGATIONS_ENV) or Path(data_dir) / DATA_DIR_FILE
    return Path(chosen).expanduser().resolve()


def obligations_source(given: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None) -> Path:
    """The obligations file a build reads: `given`, else $MMWATCH_OBLIGATIONS_CSV, else (when a
    data directory is named) <data_dir>/obligations.csv if it exists, else the dbt seed; absolute
    (dbt runs in dbt/, so a relative path would change meaning there)."""
    chosen = given or os.environ.get(OBLIGATIONS_ENV)
    if not chosen and data_dir is not None and (Path(data_dir) / DATA_DIR_FILE).is_file():
        chosen = Path(data_dir) / DATA_DIR_FILE
    return Path(chosen or SEED_CSV).expanduser().resolve()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # whole numbers without '.0' for the reader; others at full precision (repr round-trips)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def canonical_csv(obligations: list[Obligation]) -> str:
    """The obligations as CSV text: CANONICAL_COLUMNS in order, defaults filled, empty valid_to
    for open-ended ones."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CANONICAL_COLUMNS)
    for obligation in obligations:
        writer.writerow([_cell(getattr(obligation, column)) for column in CANONICAL_COLUMNS])
    return buffer.getvalue()


def write_canonical(obligations: list[Obligation], path: Path) -> Path:
    """Write canonical_csv(obligations) to `path` (a temporary name, then rename: a reader never
    sees half a file)."""
    write_text_atomically(path, canonical_csv(obligations))
    return path


def checked_copy(data_dir: Path, given: str | os.PathLike | None = None) -> tuple[Path, ObligationsFile]:
    """Load the build's obligations (obligations_source(given, data_dir)) and write them canonically into
    <data_dir>/obligations/, named by the content's hash so that runs with different files never
    overwrite each other's copy; returns (the copy's path, what was loaded). Raises
    ObligationsError / ConfigError on a bad or missing file."""
    loaded = load_obligations(obligations_source(given, data_dir))
    text = canonical_csv(loaded.obligations)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = Path(data_dir) / CHECKED_DIR / f"obligations-{digest}.csv"
    if not path.exists():
        write_canonical(loaded.obligations, path)
    return path, loaded
