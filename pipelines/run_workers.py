"""How the code server starts the process of each run: forked from a process that has the code
location loaded already, instead of a fresh interpreter that imports it again.

Dagster's code server (`dagster api grpc`, started by the daemon and the webserver from workspace.yaml)
executes every run in a child process it starts with multiprocessing's "spawn" method: a new Python
that imports the whole code location (Dagster, dagster-dbt with dbt-core, polars, the definitions:
4-5 s of CPU on this project) before the run's first step. Every hop of the freshness chain (raw
run, marts run, publishing, the ledger) pays it, and at 200 markets those imports alone are a
large share of the pipeline's CPU (docs/freshness.md, docs/benchmarks.md).

With `MMWATCH_RUN_WORKERS=forkserver` (the default) the code server starts its run processes with
multiprocessing's "forkserver" method instead, the forkserver having imported `pipelines.definitions`
once: each run process is a fork of that warm, single-threaded process. The forkserver starts with the
first run (which pays the import once) and lives as long as the code server; reloading the code
location in the UI restarts both, so runs never execute stale code. `MMWATCH_RUN_WORKERS=spawn` keeps
Dagster's own behaviour (the choice for a platform without "forkserver", which falls back to it).

Dagster has no setting for this: the start method is a private attribute of its `DagsterApiServer`
(`_mp_ctx`, fixed to "spawn" in its constructor, Dagster 1.13). It is replaced by a class-level
property, which takes precedence over the instance's attribute. tests/dagster/test_run_workers.py
starts a real code server and checks that runs execute and come from the forkserver, so a Dagster
upgrade that changes this fails there, not in production.
"""
from __future__ import annotations

import multiprocessing
import os
import sys

from mmwatch.errors import ConfigError

RUN_WORKERS_ENV = "MMWATCH_RUN_WORKERS"
RUN_WORKER_METHODS = ("forkserver", "spawn")
# what the forkserver imports once: the code location, then what a run's process imports besides it
# (Dagster's run execution, the instance's storages, the code pointer's loader: 479 modules in a
# recorded run, all below these), so a forked run imports next to nothing; a name missing here is
# imported by the run, as before
PRELOAD = ["pipelines.definitions", "dagster._grpc.impl", "dagster._core.instance.factory",
           "dagster._core.storage.sqlite_storage", "dagster._core.storage.event_log", "dagster._core.storage.runs",
           "dagster._core.storage.schedules", "dagster._core.storage.local_compute_log_manager",
           "dagster._core.executor.in_process", "dagster._core.execution.plan.resume_retry", "dagster._utils.test",
           "dagster._core.workspace.context", "dagster._daemon", "dagster_postgres"]


def run_worker_method(environ: dict[str, str] | None = None) -> str:
    """The start method chosen by $MMWATCH_RUN_WORKERS (default forkserver, where the platform has it)."""
    env = os.environ if environ is None else environ
    chosen = env.get(RUN_WORKERS_ENV, "").strip() or "forkserver"
    if chosen not in RUN_WORKER_METHODS:
        raise ConfigError(f"{RUN_WORKERS_ENV}={chosen!r} is not a run worker start method: use one of "
                         f"{', '.join(RUN_WORKER_METHODS)} (or unset it for forkserver)")
    if chosen not in multiprocessing.get_all_start_methods():
        return "spawn"
    return chosen


def install_run_workers(environ: dict[str, str] | None = None) -> str | None:
    """Make the Dagster code server of this process start its runs with the chosen method; returns it,
    or None in a process that runs no code server (the CLI, a run, the tests: nothing to change, and
    the gRPC server module is not imported for it)."""
    if "dagster._grpc.server" not in sys.modules:
        return None
    from dagster._grpc.server import DagsterApiServer

    method = run_worker_method(environ)
    if method == "spawn":
        if isinstance(DagsterApiServer.__dict__.get("_mp_ctx"), property):
            del DagsterApiServer._mp_ctx  # back to the constructor's own "spawn" context
        return method
    context = multiprocessing.get_context(method)
    context.set_forkserver_preload(PRELOAD)
    DagsterApiServer._mp_ctx = property(lambda server: context, lambda server, value: None)
    return method
