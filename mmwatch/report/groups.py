"""Recipient groups of the daily report email and its schedule, from a YAML file.

The file is named by $MMWATCH_REPORT_GROUPS (default config/report_groups.yaml when it exists);
without a file there is one group `all` that sees every obligation and has no recipients (files
are written, nothing is sent). $MMWATCH_REPORT_CRON overrides the file's cron.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mmwatch.errors import ConfigError
from mmwatch.yaml_config import field_path, not_utf8

GROUPS_ENV = "MMWATCH_REPORT_GROUPS"
CRON_ENV = "MMWATCH_REPORT_CRON"
DEFAULT_GROUPS_FILE = Path(__file__).resolve().parents[2] / "config" / "report_groups.yaml"
DEFAULT_CRON = "0 7 * * *"
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$|^[^@\s<>,;]+@localhost$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. UTC, Europe/Berlin, Asia/Singapore)") from None
    return name


def check_cron(cron: str) -> str:
    """`cron` if it is a 5-field cron string (what Dagster schedules accept), else ValueError."""
    from croniter import croniter

    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise ValueError(f"{cron!r} is not a cron string with 5 fields (e.g. '0 7 * * *' = 07:00 every day)")
    return cron


class ObligationFilter(BaseModel):
    """Which obligations a group sees: every listed field must match (an empty list matches all)."""

    model_config = ConfigDict(extra="forbid")
    obligation_ids: list[str] = []
    mm_names: list[str] = []
    exchanges: list[str] = []
    symbols: list[str] = []

    def matches(self, row) -> bool:
        return all(not wanted or value in wanted for wanted, value in (
            (self.obligation_ids, row.obligation_id), (self.mm_names, row.mm_name),
            (self.exchanges, row.exchange), (self.symbols, row.symbol)))


class ReportGroup(BaseModel):
    """One email per day: its recipients, the obligations they see and the display time zone."""

    model_config = ConfigDict(extra="forbid")
    name: str
    recipients: list[str] = []
    filter: ObligationFilter = Field(default_factory=ObligationFilter)
    timezone: str = "UTC"

    _tz = field_validator("timezone")(_check_timezone)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(f"{name!r} must be letters, digits, '-', '_' or '.' (it names the report's folder)")
        return name

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, recipients: list[str]) -> list[str]:
        bad = [r for r in recipients if not _EMAIL.match(r)]
        if bad:
            raise ValueError(f"not email addresses: {', '.join(map(repr, bad))}")
        return recipients


class ReportSchedule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cron: str = DEFAULT_CRON
    timezone: str = "UTC"

    _cron = field_validator("cron")(check_cron)
    _tz = field_validator("timezone")(_check_timezone)


class ReportGroups(BaseModel):
    """The whole file: `schedule` (cron, timezone) and the `groups`."""

    model_config = ConfigDict(extra="forbid")
    schedule: ReportSchedule = Field(default_factory=ReportSchedule)
    groups: list[ReportGroup] = Field(min_length=1)
    source: str = "(built-in default: one group `all`, no recipients)"

    @model_validator(mode="after")
    def _unique_names(self) -> "ReportGroups":
        names = [g.name for g in self.groups]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"group names must be unique; repeated: {', '.join(twice)}")
        return self

    def select(self, name: str | None) -> list[ReportGroup]:
        """Every group, or the one named `name` (ConfigError listing the names otherwise)."""
        if name is None:
            return list(self.groups)
        for group in self.groups:
            if group.name == name:
                return [group]
        raise ConfigError(f"no report group {name!r} in {self.source}; groups: {', '.join(g.name for g in self.groups)}")


def _describe(error: ValidationError, path: Path) -> str:
    lines = []
    for item in error.errors():
        lines.append(f"{path}: {field_path(item['loc']) or '(top level)'}: {item['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


def load_groups(path: str | Path | None = None, environ: dict[str, str] | None = None) -> ReportGroups:
    """The groups of `path`, else $MMWATCH_REPORT_GROUPS, else config/report_groups.yaml, else the default."""
    env = os.environ if environ is None else environ
    chosen = path or env.get(GROUPS_ENV) or (DEFAULT_GROUPS_FILE if DEFAULT_GROUPS_FILE.exists() else None)
    if chosen is None:
        config = ReportGroups(groups=[ReportGroup(name="all")])
    else:
        file = Path(chosen).expanduser()
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except OSError as error:
            raise ConfigError(f"cannot read report groups file {file}: {error.strerror}; set {GROUPS_ENV}") from None
        except UnicodeDecodeError as error:
            raise not_utf8(f"report groups file {file}", error) from None
        except yaml.YAMLError as error:
            raise ConfigError(f"{file} is not valid YAML: {error}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{file}: expected a mapping with `groups:` (and optionally `schedule:`)")
        try:
            config = ReportGroups(**raw, source=str(file))
        except ValidationError as error:
            raise ConfigError(_describe(error, file)) from None
    if env.get(CRON_ENV):
        try:
            config.schedule.cron = check_cron(env[CRON_ENV])
        except ValueError as error:
            raise ConfigError(f"{CRON_ENV}: {error}") from None
    return config
