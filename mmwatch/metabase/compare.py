"""Does what the server has equal what the YAML wants? Only the fields mmwatch sets are compared,
read in both the legacy native query shape and the stages shape newer Metabase versions return."""
from __future__ import annotations

from typing import Any


def _native(dataset_query: dict) -> tuple[str, dict]:
    native = dataset_query.get("native")
    if native is None and dataset_query.get("stages"):  # MBQL 5 (Metabase 0.57+) on read
        native = dataset_query["stages"][0]
        return native.get("native", ""), native.get("template-tags", {})
    native = native or {}
    return native.get("query", ""), native.get("template-tags", {})


def _tags(tags: dict) -> dict:
    keep = ("name", "display-name", "type", "default", "required")
    return {name: {k: tag.get(k) for k in keep} for name, tag in tags.items()}


def same_database(found: dict, wanted: dict) -> bool:
    have, want = found.get("details", {}), wanted["details"]
    # the password comes back redacted: it is not compared (update it in Metabase when it changes)
    return found.get("engine") == wanted["engine"] and all(
        str(have.get(k)) == str(want[k]) for k in ("host", "port", "dbname", "user"))


def same_collection(found: dict, wanted: dict) -> bool:
    parent = wanted["parent_id"]
    if parent is not None and parent < 0:  # the parent is still to be created (dry run)
        return False
    location = found.get("location", "/")
    placed = location == "/" if parent is None else location.endswith(f"/{parent}/")
    return placed and (found.get("description") or None) == wanted["description"]


def same_card(found: dict, wanted: dict) -> bool:
    query, tags = _native(found.get("dataset_query", {}))
    want_query, want_tags = _native(wanted["dataset_query"])
    return (found.get("description") or None) == wanted["description"] and found.get("display") == wanted["display"] \
        and found.get("collection_id") == wanted["collection_id"] \
        and (found.get("visualization_settings") or {}) == wanted["visualization_settings"] \
        and found.get("dataset_query", {}).get("database") == wanted["dataset_query"]["database"] \
        and query == want_query and _tags(tags) == _tags(want_tags)


def _dashcard(card: dict) -> tuple:
    mappings = sorted((m.get("parameter_id"), m.get("card_id"), repr(m.get("target"))) for m in card.get("parameter_mappings") or [])
    return (card.get("card_id"), card.get("row"), card.get("col"), card.get("size_x"), card.get("size_y"),
            tuple(mappings), repr(sorted((card.get("visualization_settings") or {}).items())))


def _parameter(param: dict) -> tuple:
    return tuple(param.get(k) for k in ("id", "name", "slug", "type", "sectionId", "default"))


def same_dashboard(found: dict, head: dict[str, Any], cards: list[dict]) -> bool:
    have_cards = found.get("dashcards", found.get("ordered_cards", []))
    return (found.get("description") or None) == head["description"] \
        and found.get("collection_id") == head["collection_id"] \
        and sorted(map(_parameter, found.get("parameters") or [])) == sorted(map(_parameter, head["parameters"])) \
        and sorted(map(_dashcard, have_cards)) == sorted(map(_dashcard, cards))
