"""docker-compose.yml rendered as `docker compose config` would, without a Docker engine: an env file
read, `${VAR}` / `${VAR:-default}` / `${VAR-default}` / `${VAR:?error}` / `${VAR?error}` and `$$`
interpolated, the YAML loaded (PyYAML resolves the x-mmwatch anchors and `<<` merges)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<rest>[^}]*))?\}|\$\$")


class MissingVariable(Exception):
    """A required variable (`${VAR:?...}`) is unset or empty: compose refuses to start."""


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines of a .env file (comments and blank lines skipped, no quoting rules needed)."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value
    return pairs


def interpolate(text: str, env: dict[str, str]) -> str:
    """`text` with every variable replaced as docker compose does."""
    def one(match: re.Match) -> str:
        if match[0] == "$$":
            return "$"
        name, op, rest = match["name"], match["op"], match["rest"] or ""
        value = env.get(name)
        if op == ":-":
            return value if value else rest
        if op == "-":
            return rest if value is None else value
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise MissingVariable(f"{name}: {rest}")
        return value or ""
    return VARIABLE.sub(one, text)


def render(env: dict[str, str]) -> dict:
    """The compose file as `docker compose config` shows it with `env` as .env."""
    return yaml.safe_load(interpolate(COMPOSE_TEXT, env))


def variables() -> list[re.Match]:
    """Every `${...}` of the compose file."""
    return [m for m in VARIABLE.finditer(COMPOSE_TEXT) if m[0] != "$$"]
