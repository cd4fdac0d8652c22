"""docker-compose.yml read the way it matters to a user (there is no Docker engine here)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)  # PyYAML resolves the x-mmwatch anchors and `<<` merges
SERVICES = COMPOSE["services"]
# what issue 7 asks for; the README may name more (checked below)
REQUIRED = {"postgres", "dagster-code", "dagster-webserver", "dagster-daemon", "collector", "metabase", "provision"}
SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|_DSN$")
VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?P<op>:?[-?])?(?P<rest>[^}]*)\}")


def _interpolated(text: str) -> str:
    """Defaults filled in, required variables as `SET`: what compose would pass on with a full .env."""
    return VARIABLE.sub(lambda m: m["rest"] if m["op"] in (":-", "-") else "SET", text)


def _readme_services() -> set[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"docker compose (?:up|logs|run|exec|restart|stop|start)(?: -+[a-z]+)*((?: [a-z][a-z0-9-]*)+)", readme)
    return {word for group in named for word in group.split()} - {"up", "d"}


def test_every_service_named_exists():
    assert REQUIRED | _readme_services() <= set(SERVICES)


def test_every_service_has_an_image_or_build_and_a_command_or_image_default():
    for name, service in SERVICES.items():
        assert "image" in service or "build" in service, name


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_depends_on_volumes_and_configs_exist(name):
    service = SERVICES[name]
    depends = service.get("depends_on", [])
    assert set(depends) <= set(SERVICES), (name, depends)
    for volume in service.get("volumes", []):
        source = volume.split(":")[0] if isinstance(volume, str) else volume["source"]
        if not source.startswith((".", "/", "~")):
            assert source in COMPOSE.get("volumes", {}), (name, source)
    for config in service.get("configs", []):
        assert config["source"] in COMPOSE.get("configs", {}), (name, config)


def test_long_running_services_have_healthchecks():
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue  # one-shot
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), name


def test_ports_bind_to_localhost_only():
    published = 0
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            published += 1
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", (name, port)
            else:
                assert _interpolated(str(port)).startswith("127.0.0.1:"), (name, port)
    assert published >= 2  # the Dagster UI and Metabase


def test_no_secret_has_a_default():
    for match in VARIABLE.finditer(COMPOSE_TEXT):
        if SECRET.search(match["name"]) or match["name"].endswith("_USER"):
            assert match["op"] == ":?", f"{match[0]} must be required (${{{match['name']}:?set it in .env}})"
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET.search(key):
                assert "${" in str(value), (name, key, value)  # no literal secret
                assert all(m["op"] == ":?" for m in VARIABLE.finditer(str(value))), (name, key, value)


def test_env_example_lists_every_required_variable_with_no_secret_filled_in():
    example = dict(
        line.split("=", 1) for line in (REPO / ".env.example").read_text().splitlines() if line and not line.startswith("#")
    )
    required = {m["name"] for m in VARIABLE.finditer(COMPOSE_TEXT) if m["op"] == ":?"}
    assert required <= set(example)
    assert all(example[name] == "" for name in example if SECRET.search(name))


def test_dagster_services_get_the_instance_storage_settings_and_the_code_server():
    instance = (REPO / "dagster.yaml").read_text()
    needed = set(re.findall(r"\{env: (DAGSTER_PG_[A-Z]+)\}", instance))
    assert needed == {"DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"}
    for name in ("dagster-code", "dagster-webserver", "dagster-daemon"):
        assert needed <= set(SERVICES[name]["environment"]), name
        assert SERVICES[name]["environment"]["DAGSTER_HOME"] == "/opt/dagster/home"
    workspace = yaml.safe_load(COMPOSE["configs"]["dagster-workspace"]["content"])
    server = workspace["load_from"][0]["grpc_server"]
    code = SERVICES["dagster-code"]["command"]
    assert server["host"] == "dagster-code" and str(server["port"]) == code[code.index("-p") + 1]
    for name in ("dagster-webserver", "dagster-daemon"):
        assert "/opt/dagster/workspace.yaml" in SERVICES[name]["command"]
        assert SERVICES[name]["depends_on"]["dagster-code"]["condition"] == "service_healthy"
