"""What the dbt manifest says about the marts' documentation and data tests (issue 3 quality).

Pure functions over a parsed manifest.json (dict), shared by the quality test and usable by
hand: `.venv/bin/python tests/dbt/manifest_quality.py` prints every gap.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

GRAIN_TESTS = {"unique", "unique_combination"}


def mart_nodes(manifest: dict) -> dict[str, dict]:
    """The models of models/marts/ (the tables users query), by name."""
    return {node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")}


def built_columns(node: dict, catalog: dict | None) -> list[str]:
    """The mart's columns: from the catalog (a built warehouse) when given, else its YAML."""
    if catalog is not None:
        table = catalog["nodes"].get(node["unique_id"])
        if table is not None:
            return [name.lower() for name in table["columns"]]
    return list(node["columns"])


def undocumented_columns(manifest: dict, catalog: dict | None = None) -> dict[str, list[str]]:
    """Per mart, the columns without a description (empty when all are described)."""
    gaps = {}
    for name, node in mart_nodes(manifest).items():
        documented = {column.lower() for column, spec in node["columns"].items() if spec.get("description", "").strip()}
        missing = [column for column in built_columns(node, catalog) if column.lower() not in documented]
        if missing or not node.get("description", "").strip():
            gaps[name] = missing or ["(model description)"]
    return gaps


def mart_tests(manifest: dict) -> dict[str, set[tuple[str, str | None]]]:
    """Per mart, its data tests as (test name, column or None); the checks of a columns_valid test
    (one test per model, macros/generic_tests.sql) count as not_null / accepted_range per column."""
    tests: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    marts = {node["unique_id"]: name for name, node in mart_nodes(manifest).items()}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or "test_metadata" not in node:
            continue
        metadata = node["test_metadata"]
        for parent in node["depends_on"]["nodes"]:
            if parent not in marts:
                continue
            if metadata["name"] == "columns_valid":
                arguments = metadata.get("kwargs", {})
                tests[marts[parent]] |= {("not_null", column) for column in arguments.get("not_null", [])}
                tests[marts[parent]] |= {("accepted_range", column) for column in arguments.get("ranges", {})}
            else:
                tests[marts[parent]].add((metadata["name"], node.get("column_name")))
    return tests


def untested_marts(manifest: dict) -> dict[str, list[str]]:
    """Per mart, what it lacks: a grain test (unique / unique_combination) or a not_null key test."""
    tests = mart_tests(manifest)
    gaps = {}
    for name in mart_nodes(manifest):
        kinds = {test for test, _ in tests.get(name, set())}
        missing = [label for label, ok in (("grain uniqueness test", kinds & GRAIN_TESTS),
                                           ("not_null key test", "not_null" in kinds)) if not ok]
        if missing:
            gaps[name] = missing
    return gaps


if __name__ == "__main__":
    manifest = json.loads((Path(__file__).resolve().parents[2] / "dbt" / "target" / "manifest.json").read_text())
    print("undocumented:", json.dumps(undocumented_columns(manifest), indent=1))
    print("untested:", json.dumps(untested_marts(manifest), indent=1))
