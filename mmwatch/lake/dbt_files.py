"""The dbt files generated from `mmwatch.lake.tables`, and the drift check that keeps every
definition of a lake column in step with it.

Generated (never edited by hand):
- `dbt/macros/lake_columns.sql`: each lake table's columns and DuckDB types, for the empty typed
  relation `lake_table` returns while a table has no file yet, and the pattern of a StreamOutOfSync
  message (`stream_out_of_sync_pattern()`, parsed by stg_lake__fetch_errors);
- `dbt/models/staging/_lake__sources.yml`: the `lake` source, every table and column described.

`.venv/bin/python -m mmwatch.lake.dbt_files --write` rewrites both; `--check` (and `tests/lake`)
lists every drift: a generated file that differs, a column one definition has and another lacks,
a lake column its staging model never reads (how `contract_size` of order books once went unseen).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from mmwatch.lake.columns import LakeTable
from mmwatch.lake.tables import LAKE, STREAM_OUT_OF_SYNC_MESSAGE

MACRO_PATH = Path("dbt/macros/lake_columns.sql")
SOURCES_PATH = Path("dbt/models/staging/_lake__sources.yml")
STAGING_DIR = Path("dbt/models/staging")
_HIVE_DAY = ("day", "date", "Hive partition, the UTC day of ts (of received_ts for fetch errors).")
_GENERATED = "GENERATED from mmwatch/lake/tables.py by `python -m mmwatch.lake.dbt_files --write`: do not edit."


def dbt_columns(table: LakeTable) -> list[tuple[str, str]]:
    """(name, DuckDB type) of every column the dbt source has: the Parquet columns and the hive `day`."""
    return [(c.name, c.duckdb_type) for c in table.columns] + [_HIVE_DAY[:2]]


def render_macro(tables: dict[str, LakeTable] = LAKE) -> str:
    lines = [f"{{#- {_GENERATED} -#}}",
             "{#- The lake tables' columns and DuckDB types, for the empty relation of `lake_table`. -#}",
             "{%- macro lake_columns(table_name) -%}", "  {%- set columns = {"]
    for table in tables.values():
        lines.append(f'      "{table.name}": [')
        lines += [f'          ("{name}", "{kind}"),' for name, kind in dbt_columns(table)]
        lines.append("      ],")
    lines += ["  } -%}", "  {{ return(columns[table_name]) }}", "{%- endmacro -%}", "",
              "{#- The shape of a StreamOutOfSync fetch error's message (groups: cause, unsynced_ms, from, to), "
              "as a SQL string. -#}",
              "{%- macro stream_out_of_sync_pattern() -%}",
              f"  '{STREAM_OUT_OF_SYNC_MESSAGE}'",
              "{%- endmacro -%}", ""]
    return "\n".join(lines)


_SOURCES_HEAD = f"""# {_GENERATED}
version: 2

sources:
  - name: lake
    description: >
      The validated raw lake written by the Dagster raw and data-set assets (mmwatch/lake/tables.py
      defines every column): hive-partitioned Parquet
      `<data dir>/lake/<table>/day=YYYY-MM-DD/exchange=<id>/*.parquet`. The data dir is the
      directory of the warehouse file (profiles.yml resolves MMWATCH_DATA_DIR). Amounts are in the
      venue's units with contract_size beside them; staging converts them to base units. A table
      without any file yet is read as an empty typed relation by the staging models (macro
      `lake_table`), so a build never fails because e.g. raw_trades was not written yet.
    config:
      meta:
        formatter: template
        # `day` is a DATE, `exchange` a VARCHAR; filters on them prune files.
        external_location: >-
          read_parquet('{{{{ target.path | replace('/warehouse.duckdb', '') }}}}/lake/${{name}}/*/*/*.parquet',
          hive_partitioning = true, union_by_name = true,
          hive_types = {{'day': 'DATE', 'exchange': 'VARCHAR'}})
      freshness:
        warn_after: {{count: 30, period: minute}}
        error_after: {{count: 6, period: hour}}
    tables:
"""


def _quoted(text: str) -> str:
    return yaml.safe_dump(text, width=10_000, default_style='"', allow_unicode=True).strip()


def render_sources(tables: dict[str, LakeTable] = LAKE) -> str:
    lines = [_SOURCES_HEAD.rstrip("\n")]
    for table in tables.values():
        lines += [f"      - name: {table.name}", f"        description: {_quoted(table.description)}",
                  "        config:", '          loaded_at_field: "epoch_ms(received_ts)"', "        columns:"]
        for column in [*((c.name, c.description) for c in table.columns), (_HIVE_DAY[0], _HIVE_DAY[2])]:
            lines += [f"          - name: {column[0]}", f"            description: {_quoted(column[1])}"]
    return "\n".join(lines) + "\n"


def _macro_columns(text: str) -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        if match := re.match(r'\s*"(\w+)": \[', line):
            current = tables.setdefault(match.group(1), [])
        elif (match := re.match(r'\s*\("(\w+)", "([^"]+)"\),', line)) and current is not None:
            current.append((match.group(1), match.group(2)))
    return tables


def _source_columns(text: str) -> dict[str, list[str]]:
    source = next(s for s in yaml.safe_load(text)["sources"] if s["name"] == "lake")
    return {t["name"]: [c["name"] for c in t.get("columns", [])] for t in source["tables"]}


def _compare(where: str, found: dict[str, list], expected: dict[str, list]) -> list[str]:
    problems = []
    for name in sorted(set(found) | set(expected)):
        if name not in expected:
            problems.append(f"{where}: table {name} is not in mmwatch/lake/tables.py")
        elif name not in found:
            problems.append(f"{where}: table {name} of mmwatch/lake/tables.py is missing")
        else:
            extra = [c for c in found[name] if c not in expected[name]]
            missing = [c for c in expected[name] if c not in found[name]]
            problems += [f"{where}: {name} has column {c!r} that mmwatch/lake/tables.py does not" for c in extra]
            problems += [f"{where}: {name} lacks column {c!r} of mmwatch/lake/tables.py" for c in missing]
    return problems


def staging_gaps(repo: Path, tables: dict[str, LakeTable] = LAKE) -> list[str]:
    """Lake columns that their staging model never names (and that `not_staged` does not excuse)."""
    problems = []
    for table in tables.values():
        path = repo / STAGING_DIR / f"{table.staging_model}.sql"
        sql = path.read_text() if path.exists() else ""
        for column in table.columns:
            if column.name not in table.not_staged and not re.search(rf"\b{column.name}\b", sql):
                problems.append(f"{path.relative_to(repo)}: never reads {table.name}.{column.name} (read it, or "
                                f"list it in not_staged of mmwatch/lake/tables.py with the reason)")
    return problems


def drift(repo: Path, tables: dict[str, LakeTable] = LAKE) -> list[str]:
    """Every way the dbt files and staging models disagree with `tables` (empty: none)."""
    problems = []
    macro, sources = repo / MACRO_PATH, repo / SOURCES_PATH
    expected_macro = {t.name: dbt_columns(t) for t in tables.values()}
    expected_source = {t.name: [name for name, _ in dbt_columns(t)] for t in tables.values()}
    for path, render, parse, expected in ((macro, render_macro, _macro_columns, expected_macro),
                                          (sources, render_sources, _source_columns, expected_source)):
        if not path.exists():
            problems.append(f"{path.relative_to(repo)} is missing: run python -m mmwatch.lake.dbt_files --write")
            continue
        text = path.read_text()
        semantic = _compare(str(path.relative_to(repo)), parse(text), expected)
        problems += semantic
        if not semantic and text != render(tables):
            problems.append(f"{path.relative_to(repo)} differs from what mmwatch/lake/tables.py generates "
                            f"(descriptions or layout): run python -m mmwatch.lake.dbt_files --write")
    return problems + staging_gaps(repo, tables)


def write(repo: Path) -> None:
    (repo / MACRO_PATH).write_text(render_macro())
    (repo / SOURCES_PATH).write_text(render_sources())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the generated dbt files")
    parser.add_argument("--check", action="store_true", help="only list the drifts (the default)")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args(argv)
    if args.write:
        write(args.repo)
    problems = drift(args.repo)
    for problem in problems:
        print(problem)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
