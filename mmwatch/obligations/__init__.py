"""Market-maker obligations (spec §3): the pydantic model of a row, the loader every build path
uses (columns by header name, every problem at once with file, line, column and value), and the
canonical copy dbt reads."""
from mmwatch.obligations.canonical import (DATA_DIR_FILE, OBLIGATIONS_ENV, SEED_CSV, canonical_csv, checked_copy,
                                           editable_file, obligations_source, write_canonical)
from mmwatch.obligations.loader import ObligationsFile, load_obligations
from mmwatch.obligations.model import CANONICAL_COLUMNS, DEFAULTS, SPEC_COLUMNS, Obligation
from mmwatch.obligations.problems import ObligationsError, Problem

__all__ = [
    "CANONICAL_COLUMNS", "DATA_DIR_FILE", "DEFAULTS", "OBLIGATIONS_ENV", "SEED_CSV", "SPEC_COLUMNS", "Obligation",
    "ObligationsError", "ObligationsFile", "Problem", "canonical_csv", "checked_copy", "editable_file",
    "load_obligations", "obligations_source", "write_canonical",
]
