"""Reading a YAML config file and turning pydantic's complaints about it into ConfigError lines
that name the file, the field and the bad value.

Shared by the collection config, the alerts config, the report groups and the simulator's
scenarios (the simulator already depends on `mmwatch.errors`; this module needs only yaml and
pydantic, so importing it costs the simulator nothing more).
"""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from mmwatch.errors import ConfigError

Model = TypeVar("Model", bound=BaseModel)


def read_config_text(path: Path, label: str, kind: str = "YAML") -> str:
    """The text of the config file `path`; one ConfigError line naming it when it is not UTF-8
    text (a binary file, another encoding) or cannot be read, instead of a UnicodeDecodeError."""
    named = label if str(path) in label else f"{label} ({path})"
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise not_utf8(named, error, kind) from None
    except OSError as error:
        raise ConfigError(f"{named}: cannot be read ({error.strerror})") from None


def not_utf8(named: str, error: UnicodeDecodeError, kind: str = "YAML") -> ConfigError:
    """One line for a config file that does not decode as UTF-8 (`named`: the file as the user knows it)."""
    return ConfigError(f"{named}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start} "
                       f"does not decode): give the {kind} file itself, saved as UTF-8")


def read_yaml(path: Path, missing: str, label: str) -> object:
    """The document in `path`: ConfigError `missing` when there is no such file,
    `<label>: not valid YAML: ...` when it does not parse, `<label>: not UTF-8 text` when it is binary."""
    if not path.is_file():
        raise ConfigError(missing)
    text = read_config_text(path, label)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{label}: not valid YAML: {exc}") from None


def field_path(loc: tuple) -> str:
    """A pydantic error location as the path in the file, e.g. `venues.binance.markets[2].symbol`;
    the `function-...` steps pydantic adds for validators name no key, so they are left out."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.startswith("function-"):
            text += ("." if text else "") + part
    return text


def _problem(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    # a validator's own message (value_error) already quotes the value; a missing key has none
    if error["type"] not in ("value_error", "missing") and "input" in error:
        message = f"{error['input']!r}: {message}"
    return f"{field_path(error['loc']) or '(top level)'}: {message}"


def validate_mapping(model: type[Model], data: object, label: str, footer: str) -> Model:
    """`model` validated from `data`, which must be a mapping; else ConfigError with one line per
    problem, `<label>: <field>: <bad value>: <message>`, then `footer` (what to do)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"{label}: {_problem(error)}" for error in exc.errors()]
        raise ConfigError("\n".join(lines) + footer) from None
