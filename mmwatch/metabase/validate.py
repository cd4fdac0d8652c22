"""Cross-checks of the content: tables and columns exist in the dbt manifest, names resolve,
filters map to template tags, dashboard cards do not overlap on the grid.

Every problem is reported at once, each naming its file and field.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from mmwatch.alerts.ledger_schema import LEDGER_COLUMNS, LEDGER_TABLE
from mmwatch.errors import ConfigError
from mmwatch.metabase.content import GRID_COLUMNS, Card, Content, Dashboard

MANIFEST = Path(__file__).resolve().parents[2] / "dbt" / "target" / "manifest.json"


def served_columns(manifest_path: Path = MANIFEST) -> dict[str, set[str]]:
    """The published tables (dbt marts and the alert ledger) and their documented columns."""
    if not Path(manifest_path).is_file():
        raise ConfigError(f"{manifest_path} is missing: run `make install` (or `dbt parse` in dbt/) first")
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    tables = {
        node["name"]: set(node.get("columns", {}))
        for node in manifest["nodes"].values()
        if node.get("resource_type") == "model" and node.get("fqn", [None, None])[1:2] == ["marts"]
    }
    tables[LEDGER_TABLE] = {name for name, *_ in LEDGER_COLUMNS}
    return tables


def _card_problems(card: Card, where: str, content: Content, tables: dict[str, set[str]]) -> list[str]:
    problems = []
    collections = {c.name for c in content.collections}
    if card.collection not in collections:
        problems.append(f"{where}.collection: unknown collection {card.collection!r} (define it in collections.yaml)")
    for table, columns in card.tables.items():
        if table not in tables:
            problems.append(f"{where}.tables.{table}: no such mart in the dbt manifest")
            continue
        for column in columns:
            if column not in tables[table]:
                problems.append(f"{where}.tables.{table}: column {column!r} is not in the manifest")
            elif not re.search(rf"\b{re.escape(column)}\b", card.sql):
                problems.append(f"{where}.tables.{table}: column {column!r} is declared but the SQL never uses it")
    used = card.marts_in_sql()
    for table in sorted(used - set(card.tables)):
        problems.append(f"{where}.sql: reads marts.{table} which `tables` does not declare")
    for table in sorted(set(card.tables) - used):
        problems.append(f"{where}.tables.{table}: declared but the SQL never reads marts.{table}")
    for name in card.filters:
        if name not in content.filters:
            problems.append(f"{where}.filters: {name!r} is not defined in filters.yaml")
    in_sql = card.template_tags_in_sql()
    for name in sorted(in_sql - set(card.filters)):
        problems.append(f"{where}.sql: uses {{{{{name}}}}} which `filters` does not list")
    for name in sorted(set(card.filters) - in_sql):
        problems.append(f"{where}.filters: {name!r} is listed but the SQL never uses {{{{{name}}}}}")
    return problems


def _overlaps(dashboard: Dashboard) -> list[str]:
    taken: dict[tuple[int, int], int] = {}
    problems = []
    for i, dc in enumerate(dashboard.cards):
        if dc.col + dc.size_x > GRID_COLUMNS:
            problems.append(f"cards[{i}]: col {dc.col} + size_x {dc.size_x} passes the {GRID_COLUMNS}-column grid")
        for row in range(dc.row, dc.row + dc.size_y):
            for col in range(dc.col, min(dc.col + dc.size_x, GRID_COLUMNS)):
                if (row, col) in taken:
                    problems.append(f"cards[{i}] ({dc.card!r}) overlaps cards[{taken[(row, col)]}] at row {row}, col {col}")
                    break
                taken[(row, col)] = i
            else:
                continue
            break
    return problems


def _dashboard_problems(dashboard: Dashboard, content: Content) -> list[str]:
    problems = [f"dashboard.{p}" for p in _overlaps(dashboard)]
    if dashboard.collection not in {c.name for c in content.collections}:
        problems.append(f"dashboard.collection: unknown collection {dashboard.collection!r}")
    cards = {card.name: card for card in content.cards}
    mapped: set[str] = set()
    for name in dashboard.filters:
        if name not in content.filters:
            problems.append(f"dashboard.filters: {name!r} is not defined in filters.yaml")
    for i, dc in enumerate(dashboard.cards):
        card = cards.get(dc.card)
        if card is None:
            problems.append(f"dashboard.cards[{i}].card: no card named {dc.card!r} under cards/")
            continue
        for parameter, tag in dashboard_mappings(dashboard, dc.filters, card).items():
            if parameter not in dashboard.filters:
                problems.append(f"dashboard.cards[{i}].filters: {parameter!r} is not a filter of this dashboard")
            if tag not in card.filters:
                problems.append(f"dashboard.cards[{i}].filters: card {card.name!r} has no template tag {tag!r}")
            mapped.add(parameter)
    for name in dashboard.filters:
        if name not in mapped:
            problems.append(f"dashboard.filters: {name!r} maps to no template tag of any card on it")
    return problems


def dashboard_mappings(dashboard: Dashboard, explicit: dict[str, str] | None, card: Card) -> dict[str, str]:
    """Dashboard filter -> card template tag: the explicit map, else every same-named tag."""
    if explicit is not None:
        return dict(explicit)
    return {name: name for name in dashboard.filters if name in card.filters}


def validate(content: Content, manifest_path: Path = MANIFEST) -> Content:
    """Raise ConfigError listing every problem (file: field: what), else return `content`."""
    tables = served_columns(manifest_path)
    problems: list[str] = []
    for kind, names in (("collection", [c.name for c in content.collections]), ("card", [c.name for c in content.cards]),
                        ("dashboard", [d.name for d in content.dashboards])):
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{kind} {name!r} is defined twice: names must be unique (they are the provisioning key)")
    for collection in content.collections:
        if collection.parent and collection.parent not in {c.name for c in content.collections}:
            problems.append(f"collections.yaml: {collection.name}.parent: unknown collection {collection.parent!r}")
    for i, card in enumerate(content.cards):
        source = content.sources.get(f"card:{card.name}", "cards/")
        problems += [f"{source}: {p}" for p in _card_problems(card, f"card {card.name!r}", content, tables)]
    for dashboard in content.dashboards:
        source = content.sources.get(f"dashboard:{dashboard.name}", "dashboards/")
        problems += [f"{source}: {p}" for p in _dashboard_problems(dashboard, content)]
    if problems:
        raise ConfigError("metabase content is invalid:\n  " + "\n  ".join(problems))
    return content
