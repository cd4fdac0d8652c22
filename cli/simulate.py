"""`mmwatch simulator ...`: the loopback exchange simulator (serve it, or preview a scenario's truth)."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from mmwatch.errors import ConfigError

simulator_app = typer.Typer(
    help="Loopback exchange simulator that the real ccxt classes talk to (no internet needed).",
    no_args_is_help=True,
)

SCENARIO_HELP = "Scenario YAML file (see scenarios/demo.yaml)."


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@simulator_app.command("serve")
def serve(
    scenario: Path = typer.Option(..., "--scenario", help=SCENARIO_HELP),
    port: int = typer.Option(0, "--port", help="TCP port on 127.0.0.1 (0 = any free port)."),
    clock: str = typer.Option("virtual", "--clock", help="virtual (set by POST /_sim/clock) or wall."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
    ws_port: int = typer.Option(0, "--ws-port", help="WebSocket port (wall clock only; 0 = any free port)."),
) -> None:
    """Serve the scenario's venues over HTTP (and WebSocket on the wall clock) until interrupted;
    prints the base URL (and `streaming <ws url>`)."""
    from simulator.scenario import load_scenario
    from simulator.server import CLOCK_MODES, SimulatorApp, make_server, run, server_url

    if clock not in CLOCK_MODES:
        _fail(f"--clock {clock!r} is not one of {', '.join(CLOCK_MODES)}")
    try:
        app = SimulatorApp(load_scenario(scenario), clock)
        server = make_server(app, host, port, ws_port)
    except ConfigError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port")
    typer.echo(f"clock: {clock}; point ccxt at it with "
               f"simulator.ccxt_hosts.point_at(exchange, {server_url(server)!r})")
    run(server, typer.echo, app.stream_url)


@simulator_app.command("truth")
def truth(
    scenario: Path = typer.Option(..., "--scenario", help=SCENARIO_HELP),
    every_s: float = typer.Option(10.0, "--every-s", help="Sample every market every N seconds."),
    as_json: bool = typer.Option(False, "--json", help="Print the full truth report (with episodes) as JSON."),
) -> None:
    """Sample the scenario's whole day offline and print the reference verdicts per obligation."""
    from simulator.sampling import sample, verdict_table
    from simulator.scenario import load_scenario

    if every_s <= 0:
        _fail(f"--every-s {every_s} must be positive")
    try:
        loaded = load_scenario(scenario)
    except ConfigError as exc:
        _fail(str(exc))
    report = sample(loaded, int(every_s * 1000)).report()
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(f"{'obligation':28} {'day':10} {'uptime%':>8} {'cover%':>7} {'episodes':>8} {'longest_s':>9}  verdict")
    for row in verdict_table(report):
        uptime = "-" if row["uptime_pct"] is None else f"{row['uptime_pct']:.2f}"
        typer.echo(f"{row['obligation_id']:28} {row['day']:10} {uptime:>8} {row['coverage_pct']:>7.2f} "
                   f"{row['breach_episodes']:>8} {row['longest_breach_s']:>9.0f}  {row['verdict']}")


def register(app: typer.Typer) -> None:
    """Add the `simulator` command group to the mmwatch CLI."""
    app.add_typer(simulator_app, name="simulator")
