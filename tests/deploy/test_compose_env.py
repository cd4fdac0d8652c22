"""A deployment that sends what it promises: docker-compose.yml rendered with a sample .env (the
example's values, the secrets filled in, a settings folder with an obligations file and report
groups), checked against the code: every environment variable the product reads is in the
registry (mmwatch/environment.py) and reaches every service that reads it; every settings file
the rendered environment names is mounted, exists and loads; the collector's healthcheck asks its
/health; what is configured runs by default; .env.example comments every variable."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from compose_render import REPO, MissingVariable, read_env_file, render, variables
from mmwatch.environment import BY_NAME, SETTINGS

PRODUCT_CODE = ("mmwatch", "assets", "pipelines", "resources", "cli")
QUOTED_NAME = re.compile(r"[\"']((?:MMWATCH|DAGSTER|ARROW)_[A-Z0-9_]+)[\"']")
FILE_SETTINGS = ("MMWATCH_CONFIG", "MMWATCH_ALERTS_CONFIG", "MMWATCH_AUTOMATION_CONFIG", "MMWATCH_OBLIGATIONS_CSV",
                 "MMWATCH_REPORT_GROUPS")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """(sample .env, rendered compose, settings folder): the operator's steps of .env.example done."""
    settings = tmp_path_factory.mktemp("settings")
    shutil.copytree(REPO / "config", settings, dirs_exist_ok=True)
    shutil.copyfile(REPO / "dbt" / "seeds" / "mm_obligations.csv", settings / "obligations.csv")
    shutil.copyfile(REPO / "config" / "report_groups.example.yaml", settings / "report_groups.yaml")
    env = {**read_env_file(REPO / ".env.example"), **{m["name"]: "sample-secret" for m in variables() if m["op"] == ":?"},
           "MMWATCH_SETTINGS_DIR": str(settings), "MMWATCH_REPORT_GROUPS": "/settings/report_groups.yaml"}
    return env, render(env), settings


def _names_read_by_the_code() -> set[str]:
    names = set()
    for package in PRODUCT_CODE:
        for path in (REPO / package).rglob("*.py"):
            if path.name != "environment.py":  # the registry itself
                names |= set(QUOTED_NAME.findall(path.read_text(encoding="utf-8")))
    names |= set(re.findall(r"\{env: ([A-Z0-9_]+)\}", (REPO / "dagster.yaml").read_text()))
    for path in (REPO / "dbt").rglob("*"):
        if path.suffix in (".sql", ".yml") and "target" not in path.parts:
            names |= set(re.findall(r"env_var\('((?:MMWATCH|DAGSTER)_[A-Z0-9_]+)'", path.read_text(encoding="utf-8")))
    return names


def _names_the_configs_name() -> set[str]:
    """Environment variables named by the repository's alerts config (channel secrets)."""
    from mmwatch.alerts.config import load_alerts_config

    names = set()
    for channel in load_alerts_config(REPO / "config" / "alerts.yaml").channels.values():
        fields = channel.model_dump()
        names |= {value for key, value in fields.items() if key.endswith("_env") and isinstance(value, str)}
        names |= set(fields.get("headers_env", {}).values())
    return names


def test_every_variable_the_code_reads_is_registered():
    read = _names_read_by_the_code() | _names_the_configs_name()
    assert read - set(BY_NAME) == set()
    assert set(BY_NAME) - read == set()  # nothing registered that nothing reads


def test_every_registered_variable_reaches_the_services_that_read_it(deployed):
    _, compose, _ = deployed
    services = compose["services"]
    for setting in SETTINGS:
        for service in setting.services:
            assert setting.name in (services[service].get("environment") or {}), (setting.name, service)
    for service in services.values():  # mmwatch sets these itself for dbt; compose never does
        assert not {s.name for s in SETTINGS if s.internal} & set(service.get("environment") or {})


def test_a_missing_required_secret_stops_compose_naming_it(deployed):
    env, _, _ = deployed
    for setting in (s for s in SETTINGS if s.required):
        assert setting.secret or setting.name.endswith(("_USER", "_EMAIL"))
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD"):
        render({**env, "POSTGRES_PASSWORD": ""})


def _host_path(service: dict, container_path: str) -> Path:
    """Where a container path of the service lives on the host: a bind mount, or the image (/app = the repo)."""
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if container_path.startswith(target.rstrip("/") + "/") and source.startswith(("/", ".")):
            return (REPO / source if source.startswith(".") else Path(source)) / container_path[len(target) + 1:]
    assert container_path.startswith("/app/"), f"{container_path} is neither mounted nor in the image"
    return REPO / container_path[len("/app/"):]


def test_every_settings_file_is_mounted_exists_and_loads(deployed):
    from mmwatch.alerts.config import load_alerts_config
    from mmwatch.automation import load_automation_defaults
    from mmwatch.config import load_config
    from mmwatch.obligations import load_obligations
    from mmwatch.report.groups import load_groups

    _, compose, _ = deployed
    loaders = {"MMWATCH_CONFIG": load_config, "MMWATCH_ALERTS_CONFIG": load_alerts_config,
               "MMWATCH_AUTOMATION_CONFIG": load_automation_defaults, "MMWATCH_OBLIGATIONS_CSV": load_obligations,
               "MMWATCH_REPORT_GROUPS": load_groups}
    for service_name in ("dagster-code", "collector"):
        service = compose["services"][service_name]
        for name in FILE_SETTINGS:
            value = service["environment"][name]
            assert value, (service_name, name)  # the sample .env configures every one of them
            assert loaders[name](_host_path(service, value)) is not None
        assert any(v.endswith(":/settings:ro") for v in service["volumes"])  # read-only: edited on the host


def test_the_collector_is_watched_where_compose_looks(deployed):
    _, compose, _ = deployed
    collector = compose["services"]["collector"]
    command = collector["command"]
    port = command[command.index("--metrics-port") + 1]
    assert command[command.index("--config") + 1] == collector["environment"]["MMWATCH_CONFIG"]
    assert command[command.index("--metrics-host") + 1] == "0.0.0.0"
    assert f"http://127.0.0.1:{port}/health" in " ".join(collector["healthcheck"]["test"])
    assert any(p.endswith(f":{port}") for p in collector["ports"])
    for service in ("dagster-code", "dagster-daemon", "provision"):
        assert compose["services"][service]["environment"]["MMWATCH_COLLECTOR_METRICS_URL"] == f"http://collector:{port}"


def test_what_is_configured_runs_by_default(deployed):
    from mmwatch.automation import load_automation_defaults

    _, compose, _ = deployed
    code = compose["services"]["dagster-code"]
    defaults = load_automation_defaults(_host_path(code, code["environment"]["MMWATCH_AUTOMATION_CONFIG"]))
    running = defaults.resolved(code["environment"])
    assert (running.automation.serving, running.automation.report, running.schedules.market_data) == ("running",) * 3
    assert set(running.sensors.model_dump().values()) == {"running"}
    unsent = defaults.resolved({**code["environment"], "MMWATCH_REPORT_GROUPS": ""})
    assert unsent.automation.report == "stopped"  # no recipients: no report email


def test_env_example_comments_every_variable_and_lists_every_one_compose_reads():
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    paragraph_commented = False
    for line in lines:
        if not line.strip():
            paragraph_commented = False
        elif line.startswith("#"):
            paragraph_commented = True
        else:
            assert paragraph_commented, f".env.example: {line.split('=')[0]} has no comment above it"
    listed = set(read_env_file(REPO / ".env.example"))
    assert {m["name"] for m in variables()} <= listed
