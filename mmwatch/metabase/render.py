"""The content as Metabase API payloads, and a card's SQL with values substituted the way Metabase
substitutes native-query variables (used to run every card on PostgreSQL in tests and benchmarks).

Ids that Metabase stores inside payloads (template-tag ids, dashboard parameter ids) are derived
from names, so the same YAML always gives the same payload and a second provisioning compares equal.
"""
from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from mmwatch.metabase.content import Card, Content, Dashboard
from mmwatch.metabase.validate import dashboard_mappings

_NAMESPACE = uuid.UUID("6d6d7761-7463-682d-6d65-746162617365")
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)
_TAG = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def template_tags(card: Card, content: Content) -> dict[str, dict[str, Any]]:
    tags = {}
    for name in card.filters:
        tag = content.filters[name]
        body = {"id": stable_id("card", card.name, name), "name": name, "display-name": tag.display_name,
                "type": tag.type, "required": False}
        if tag.default is not None:
            body["default"] = tag.default
        tags[name] = body
    return tags


def card_payload(card: Card, content: Content, database_id: int, collection_id: int | None) -> dict[str, Any]:
    """POST/PUT /api/card body."""
    return {
        "name": card.name,
        "description": card.description or None,
        "collection_id": collection_id,
        "display": card.display,
        "visualization_settings": card.visualization_settings,
        "dataset_query": {"type": "native", "database": database_id,
                          "native": {"query": card.sql, "template-tags": template_tags(card, content)}},
    }


def dashboard_parameters(dashboard: Dashboard, content: Content) -> list[dict[str, Any]]:
    params = []
    for name in dashboard.filters:
        tag = content.filters[name]
        param = {"id": stable_id("dashboard", dashboard.name, name)[:8], "name": tag.display_name, "slug": name,
                 "type": tag.parameter_type, "sectionId": tag.parameter_type.split("/")[0]}
        if tag.default is not None:
            param["default"] = tag.default
        params.append(param)
    return params


def dashcards(dashboard: Dashboard, content: Content, card_ids: dict[str, int]) -> list[dict[str, Any]]:
    """The `dashcards` of PUT /api/dashboard/:id (ids left to the caller)."""
    param_ids = {p["slug"]: p["id"] for p in dashboard_parameters(dashboard, content)}
    cards = []
    for dc in dashboard.cards:
        card = content.card(dc.card)
        card_id = card_ids[dc.card]
        mappings = [{"parameter_id": param_ids[parameter], "card_id": card_id, "target": ["variable", ["template-tag", tag]]}
                    for parameter, tag in dashboard_mappings(dashboard, dc.filters, card).items()]
        cards.append({"card_id": card_id, "row": dc.row, "col": dc.col, "size_x": dc.size_x, "size_y": dc.size_y,
                      "parameter_mappings": mappings, "visualization_settings": dc.visualization_settings})
    return cards


def _literal(value: Any, kind: str) -> str:
    if kind == "number":
        return repr(float(value)) if not isinstance(value, int) else str(value)
    if kind == "date":
        return f"date '{date.fromisoformat(str(value)).isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def render_sql(card: Card, content: Content, values: dict[str, Any] | None = None) -> str:
    """The SQL Metabase would run: `values` (tag -> value) over each tag's default; an optional
    clause [[...]] is dropped when a tag inside it has no value; a required tag without one raises."""
    given = {name: content.filters[name].default for name in card.filters}
    given.update({k: v for k, v in (values or {}).items() if k in given})

    def optional(match: re.Match) -> str:
        inside = match.group(1)
        return inside if all(given.get(n) is not None for n in _TAG.findall(inside)) else ""

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if given.get(name) is None:
            raise ValueError(f"card {card.name!r}: template tag {name!r} has no value outside an optional clause")
        return _literal(given[name], content.filters[name].type)

    return _TAG.sub(substitute, _OPTIONAL.sub(optional, card.sql))
