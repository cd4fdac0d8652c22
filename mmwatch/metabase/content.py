"""The content-as-code models (metabase/*.yaml) and their loader.

metabase/
  collections.yaml          collections (name, description, parent)
  filters.yaml              the template tags cards share (date_from, date_to, venue, market, mm)
  cards/<area>.yaml         native-SQL questions over the `analytics` schema `marts`
  dashboards/<name>.yaml    dashboards on Metabase's 24-column grid

Every error names the file and the field (pydantic's location) and what to do.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mmwatch.errors import ConfigError

CONTENT_DIR = Path(__file__).resolve().parents[2] / "metabase"
GRID_COLUMNS = 24
IDENTIFIER = r"^[a-z][a-z0-9_]*$"
DISPLAYS = Literal["table", "line", "bar", "row", "area", "combo", "scalar", "pie", "scatter", "smartscalar"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Collection(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    parent: str | None = None


class TemplateTag(_Strict):
    """A native-query variable: `type` date (YYYY-MM-DD), text or number; `default` None = no value
    (the card's optional clause is dropped; date bounds then fall back to the latest published day)."""

    name: str = Field(pattern=IDENTIFIER)
    display_name: str = Field(min_length=1)
    type: Literal["date", "text", "number"]
    default: str | float | None = None
    dashboard_type: str = ""  # the dashboard parameter type; derived from `type` when empty

    @property
    def parameter_type(self) -> str:
        return self.dashboard_type or {"date": "date/single", "text": "string/=", "number": "number/="}[self.type]


class Card(_Strict):
    name: str = Field(min_length=1)
    collection: str
    description: str = ""
    display: DISPLAYS
    tables: dict[str, list[str]] = Field(min_length=1, description="marts read -> columns read")
    filters: list[str] = []
    sql: str = Field(min_length=1)
    visualization_settings: dict[str, Any] = {}

    @field_validator("sql")
    @classmethod
    def _no_semicolon_chain(cls, sql: str) -> str:
        if ";" in sql.strip().rstrip(";"):
            raise ValueError("one statement per card (remove the ';' between statements)")
        return sql.strip().rstrip(";")

    def template_tags_in_sql(self) -> set[str]:
        return set(re.findall(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", self.sql))

    def marts_in_sql(self) -> set[str]:
        return set(re.findall(r"\bmarts\.([A-Za-z0-9_]+)", self.sql))


class DashCard(_Strict):
    card: str
    row: int = Field(ge=0)
    col: int = Field(ge=0, lt=GRID_COLUMNS)
    size_x: int = Field(ge=1, le=GRID_COLUMNS)
    size_y: int = Field(ge=1)
    filters: dict[str, str] | None = None  # dashboard filter -> card tag; None = every same-named tag
    visualization_settings: dict[str, Any] = {}


class Dashboard(_Strict):
    name: str = Field(min_length=1)
    collection: str
    description: str = ""
    filters: list[str] = []
    cards: list[DashCard] = Field(min_length=1)


class Content(_Strict):
    """Everything under metabase/, with the file each object came from (for messages)."""

    collections: list[Collection]
    filters: dict[str, TemplateTag]
    cards: list[Card]
    dashboards: list[Dashboard]
    sources: dict[str, str] = {}  # "card:<name>" / "dashboard:<name>" -> file

    def card(self, name: str) -> Card:
        return next(card for card in self.cards if card.name == name)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error}). Fix the syntax and run again.") from error


def _parse(model: type[BaseModel], data: Any, path: Path, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{where}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else f"{where}: {e['msg']}"
            for e in error.errors()
        )
        raise ConfigError(f"{path}: {problems}") from error


def _items(path: Path, key: str) -> list:
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ConfigError(f"{path}: expected a top-level `{key}:` list")
    return data[key]


def load_content(root: Path = CONTENT_DIR) -> Content:
    """Parse every YAML file under `root` (no cross-checks: see mmwatch.metabase.validate)."""
    root = Path(root)
    if not (root / "collections.yaml").is_file():
        raise ConfigError(f"{root}: no collections.yaml here; point --content at the metabase/ directory")
    collections = [_parse(Collection, item, root / "collections.yaml", f"collections[{i}]")
                   for i, item in enumerate(_items(root / "collections.yaml", "collections"))]
    tags = [_parse(TemplateTag, item, root / "filters.yaml", f"filters[{i}]")
            for i, item in enumerate(_items(root / "filters.yaml", "filters"))]
    cards, dashboards, sources = [], [], {}
    for path in sorted((root / "cards").glob("*.yaml")):
        for i, item in enumerate(_items(path, "cards")):
            card = _parse(Card, item, path, f"cards[{i}]")
            cards.append(card)
            sources.setdefault(f"card:{card.name}", str(path))
    for path in sorted((root / "dashboards").glob("*.yaml")):
        dashboard = _parse(Dashboard, _read_yaml(path), path, "dashboard")
        dashboards.append(dashboard)
        sources.setdefault(f"dashboard:{dashboard.name}", str(path))
    return Content(collections=collections, filters={t.name: t for t in tags}, cards=cards,
                   dashboards=dashboards, sources=sources)
