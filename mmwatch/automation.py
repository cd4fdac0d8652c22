"""Which automations run by default: config/automation.yaml (or the file $MMWATCH_AUTOMATION_CONFIG
names), validated here; problems name the file, the field and the bad value.

The file decides the default state only: a state set in the Dagster UI wins until it is reset there.
`auto` runs an automation when its configuration is present (AUTO_NEEDS: the environment variables
it reads) and leaves it stopped otherwise, so a deployment that sets them sends without a click.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from mmwatch.yaml_config import read_yaml, validate_mapping

AUTOMATION_CONFIG_ENV = "MMWATCH_AUTOMATION_CONFIG"
DEFAULT_AUTOMATION_CONFIG = Path(__file__).resolve().parents[1] / "config" / "automation.yaml"

State = Literal["running", "stopped", "auto"]
# what an `auto` entry needs set in the environment to run (entries not listed: nothing)
AUTO_NEEDS: dict[str, tuple[str, ...]] = {
    "serving": ("MMWATCH_ANALYTICS_DSN",),      # publishing into PostgreSQL analytics
    "report": ("MMWATCH_REPORT_GROUPS",),       # who receives the daily report (SMTP: MMWATCH_SMTP_*)
    "market_data": ("MMWATCH_CONFIG",),         # the collection config naming the venues to fetch
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SensorStates(_Strict):
    landing_sensor: State = "running"
    run_failure_sensor: State = "running"
    heartbeat_sensor: State = "running"
    freshness_sensor: State = "running"


class AutomationStates(_Strict):
    marts: State = "running"
    alerts: State = "running"
    serving: State = "auto"
    report: State = "auto"


class ScheduleStates(_Strict):
    market_data: State = "auto"
    lake_upkeep: State = "running"


class AutomationDefaults(_Strict):
    """The default state of every sensor, automation sensor and schedule group; `source` is the file."""

    sensors: SensorStates = SensorStates()
    automation: AutomationStates = AutomationStates()
    schedules: ScheduleStates = ScheduleStates()
    source: str = "(built-in defaults)"

    def resolved(self, environ: Mapping[str, str] | None = None) -> "AutomationDefaults":
        """Every `auto` entry made `running` when the variables AUTO_NEEDS names are set (non-empty) in
        `environ` (default os.environ), else `stopped`."""
        env = os.environ if environ is None else environ

        def decide(name: str, state: str) -> str:
            if state != "auto":
                return state
            return "running" if all(env.get(variable) for variable in AUTO_NEEDS.get(name, ())) else "stopped"

        sections = {section: {name: decide(name, state) for name, state in getattr(self, section).model_dump().items()}
                    for section in ("sensors", "automation", "schedules")}
        return AutomationDefaults.model_validate({**sections, "source": self.source})


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
    footer = "\nEach entry is `running`, `stopped` or `auto`, under the names of config/automation.yaml."
    return validate_mapping(AutomationDefaults, data, f"automation config {chosen}", footer)
