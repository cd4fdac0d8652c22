"""A real dagster-webserver on workspace.yaml (as `make dev` starts it), asked through its GraphQL API
(the one the UI uses): the fixture of the UI and run-worker tests and of benchmarks/bench_run_start.py."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mmwatch.ports import free_port


REPO = Path(__file__).resolve().parents[1]
READY = "{ assetNodes { assetKey { path } } }"
# runs launched from the UI start at once (the default instance queues them for a daemon)
LAUNCH = """mutation ($job: String!) {
  launchRun(executionParams: {selector: {repositoryLocationName: "mmwatch", repositoryName: "__repository__",
                                          jobName: $job}}) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
RUN = """query ($id: ID!) { runOrError(runId: $id) { ... on Run { status creationTime startTime endTime } } }"""
IMMEDIATE_RUNS = "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


@dataclass
class Webserver:
    url: str
    process: subprocess.Popen


@contextmanager
def webserver_on(tmp_path: Path, env: dict[str, str] | None = None, dagster_yaml: str = "") -> Iterator[Webserver]:
    """The webserver on a free port, DAGSTER_HOME and the data directory under `tmp_path`, once it
    serves the assets; stopped on exit."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    if dagster_yaml:
        (home / "dagster.yaml").write_text(dagster_yaml)
    port = free_port()
    environ = {**os.environ, "DAGSTER_HOME": str(home), "MMWATCH_DATA_DIR": str(tmp_path / "data"), **(env or {})}
    webserver_bin = Path(sys.executable).parent / "dagster-webserver"
    process = subprocess.Popen([str(webserver_bin), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
                               cwd=REPO, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if graphql(url, READY)["assetNodes"]:
                    break
            except (OSError, KeyError, TypeError):
                pass
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            time.sleep(1)
        yield Webserver(url, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def launch_and_wait(url: str, job: str, deadline_s: float = 120) -> dict:
    """Launch a run of `job` (no config) from the UI's API and wait for its end: its status and its
    creationTime, startTime and endTime (epoch seconds)."""
    launched = graphql(url, LAUNCH, {"job": job})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        run = graphql(url, RUN, {"id": run_id})["runOrError"]
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} of {job} did not end within {deadline_s:g} s")
