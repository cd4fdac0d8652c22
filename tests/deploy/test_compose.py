"""docker-compose.yml read the way it matters to a user (there is no Docker engine here)."""
from __future__ import annotations

import re

import pytest
import yaml

from compose_render import COMPOSE_TEXT, REPO, read_env_file, render, variables

# .env.example with every required value filled in: what compose renders on a completed .env
SAMPLE_ENV = {**read_env_file(REPO / ".env.example"),
              **{m["name"]: "sample" for m in variables() if m["op"] == ":?"}}
COMPOSE = render(SAMPLE_ENV)
SERVICES = COMPOSE["services"]
# what issue 7 asks for; the README may name more (checked below)
REQUIRED = {"postgres", "dagster-code", "dagster-webserver", "dagster-daemon", "collector", "metabase", "provision"}
SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|_DSN$|WEBHOOK_URL$|WEBHOOK_AUTH$")


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
                assert str(port).startswith("127.0.0.1:"), (name, port)
    assert published >= 3  # the Dagster UI, Metabase and the collector's metrics


def test_no_secret_has_a_default():
    """A secret is required (`${X:?...}`) or optional and empty unless .env sets it (`${X:-}`); never a
    value written here."""
    for match in variables():
        if SECRET.search(match["name"]) or match["name"].endswith("_USER"):
            assert match["op"] == ":?" or (match["op"] == ":-" and match["rest"] == ""), \
                f"{match[0]} must be required (${{{match['name']}:?set it in .env}}) or empty by default"
    # only the required values set: every secret is empty or made of what .env gave
    bare = render({**{name: "" for name in SAMPLE_ENV}, **{m["name"]: "GIVEN" for m in variables() if m["op"] == ":?"}})
    for name, service in bare["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET.search(key):
                assert not value or "GIVEN" in value, (name, key, value)


def test_env_example_lists_every_required_variable_with_no_secret_filled_in():
    example = dict(
        line.split("=", 1) for line in (REPO / ".env.example").read_text().splitlines() if line and not line.startswith("#")
    )
    required = {m["name"] for m in variables() if m["op"] == ":?"}
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
