"""The evidence tests write their lakes with the dbt tests' helpers (tests/dbt/dbt_harness.py), importable
here as they are when pytest collects tests/dbt."""
from __future__ import annotations

import sys
from pathlib import Path

DBT_TESTS = str(Path(__file__).resolve().parents[1] / "dbt")
if DBT_TESTS not in sys.path:
    sys.path.append(DBT_TESTS)
