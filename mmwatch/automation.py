"""Which automations run by default: config/automation.yaml (or the file $MMWATCH_AUTOMATION_CONFIG
names), validated here; problems name the file, the field and the bad value.

The file decides the default state only: a state set in the Dagster UI wins until it is reset there.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from mmwatch.yaml_config import read_yaml, validate_mapping

AUTOMATION_CONFIG_ENV = "MMWATCH_AUTOMATION_CONFIG"
DEFAULT_AUTOMATION_CONFIG = Path(__file__).resolve().parents[1] / "config" / "automation.yaml"

State = Literal["running", "stopped"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SensorStates(_Strict):
    landing_sensor: State = "running"
    run_failure_sensor: State = "running"


class AutomationStates(_Strict):
    marts: State = "running"
    alerts: State = "running"
    serving: State = "stopped"
    report: State = "stopped"


class ScheduleStates(_Strict):
    market_data: State = "stopped"


class AutomationDefaults(_Strict):
    """The default state of every sensor, automation sensor and schedule group; `source` is the file."""

    sensors: SensorStates = SensorStates()
    automation: AutomationStates = AutomationStates()
    schedules: ScheduleStates = ScheduleStates()
    source: str = "(built-in defaults)"


def load_automation_defaults(path: str | os.PathLike | None = None) -> AutomationDefaults:
    """The defaults of `path`, else of $MMWATCH_AUTOMATION_CONFIG, else of config/automation.yaml.
    Raises ConfigError naming the file and each bad field (a missing section keeps its defaults)."""
    chosen = Path(path or os.environ.get(AUTOMATION_CONFIG_ENV) or DEFAULT_AUTOMATION_CONFIG).expanduser()
    data = read_yaml(chosen, f"automation config {chosen} does not exist: pass an existing YAML file "
                             f"(see config/automation.yaml) or unset {AUTOMATION_CONFIG_ENV}",
                     f"automation config {chosen}")
    if data is None:  # an empty file: every default
        data = {}
    if isinstance(data, dict):
        data = {**data, "source": str(chosen)}
    footer = "\nEach entry is `running` or `stopped`, under the names of config/automation.yaml."
    return validate_mapping(AutomationDefaults, data, f"automation config {chosen}", footer)
