"""Benchmark: streaming collection against REST polling on the same markets (issue 17 targets at 200
markets sampled every second: the collector <= 1 core, sampling lag p99 <= 250 ms).

Two phases one after the other, each with its own wall-clock simulator (rate limits enforced) and the
real collector as a process (`mmwatch collect`, books of 100 levels and trades): first every market in
`mode: stream` sampled every --sample-ms, then the same markets in `mode: poll` (books and trades
every 10 s). The markets are generated, spread round-robin over every venue (spot, linear and inverse
perpetuals). After --warmup-s (markets loaded, books subscribed) a window of --minutes is measured:
CPU of the collector and of the simulator (user + sys from /proc over wall time), WebSocket messages
and REST budget use (the collector's /metrics, scraped every 5 s: the most used bucket's share of its
window, budget.py; 5 s misses the peaks of 1-2 s windows, which the collector's exit report, printed
too, has), the simulator's weight per venue (GET /_sim/stats). After the collector stopped, its
landing files give the sampling lag (received_ts - exchange_ts: sample time - the venue's time of the
update the book reflects) per venue, split into the sampler's delay after its grid instant and the
kept book's age at that instant, the out-of-sync intervals (StreamOutOfSync rows), and the landing
bytes per market-day (bytes per row of the window's files x rows per market received in the window,
scaled to 24 h). Prints markdown tables.

    .venv/bin/python benchmarks/bench_stream.py [--markets 200] [--minutes 3] [--warmup-s 60] [--sample-ms 1000]
        [--redraw-ms N] [--modes stream,poll] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.stream_probe import (Window, bytes_per_market_day, cpu_seconds,  # noqa: E402
                                     generated_markets, lag_quantiles, out_of_sync, sampling_lag, process_tree,
                                     scrape_all, write_config, write_scenario)
from mmwatch.collector.budget import BUDGETS  # noqa: E402
from mmwatch.ports import free_port  # noqa: E402
from mmwatch.settings import DataDir  # noqa: E402
from simulator.process import SimulatorProcess  # noqa: E402

BIN = Path(sys.executable).parent
SCRAPE_EVERY_S = 5.0


@dataclass
class Phase:
    """One mode's run: the measured window and what its landing zone holds."""

    mode: str
    window: Window
    lags: dict[str, tuple]  # venue -> (books, p50, p95, p99) of received_ts - exchange_ts
    wake: tuple  # (books, p50, p95, p99) of the sampler's delay after the grid instant
    age: tuple  # ... and of the kept book's age at the grid instant
    intervals: dict[str, int]
    errors: dict[str, int]
    book_bytes: tuple[float, float]  # (bytes per row, bytes per market-day)
    trade_bytes: tuple[float, float]
    error_bytes: tuple[float, float]


def run_phase(mode: str, args, folder: Path, scenario: Path, per_venue: dict) -> Phase:
    """Run the simulator and the collector in `mode`, measure the window, read the landing zone."""
    work = folder / mode
    layout = DataDir(work / "data").ensure()
    config = write_config(work, per_venue, mode, args.sample_ms, args.processes)
    port = free_port()
    window = Window()
    print(f"{mode}: {args.markets} markets, warm-up {args.warmup_s:g} s, then {args.minutes:g} min measured",
          flush=True)
    with SimulatorProcess(scenario, clock="wall") as sim, open(work / "collector.log", "w") as log:
        command = [str(BIN / "mmwatch"), "collect", "--config", str(config), "--simulator", sim.url,
                   "--data-dir", str(layout.root), "--metrics-port", str(port), "--progress-every", "30",
                   "--duration", str(args.warmup_s + args.minutes * 60 + 2)]
        if mode == "stream":
            command[command.index("--data-dir"):command.index("--data-dir")] = ["--simulator-ws", sim.ws_url()]
        collector = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            measure(window, collector, sim, [f"http://127.0.0.1:{port + n}/metrics" for n in range(args.processes)],
                    args)
            collector.wait(timeout=180)  # it lands what it holds as it stops
        finally:
            if collector.poll() is None:  # only after a failure: the one process we started
                collector.terminate()
                collector.wait(timeout=60)
    if collector.returncode:
        raise SystemExit(f"{mode}: the collector ended with {collector.returncode}; see {work / 'collector.log'}")
    log_lines = (work / "collector.log").read_text().splitlines()
    if "request-budget use per venue:" in log_lines:  # the collector's own accounting, whole run
        at = log_lines.index("request-budget use per venue:")
        print("\n".join(f"  {mode}: {line.strip()}" for line in log_lines[at + 1:] if line.startswith("  ")))
    landing = layout.landing
    intervals, errors = out_of_sync(landing, window)
    lags = sampling_lag(landing, window, args.sample_ms)
    return Phase(mode, window, lag_quantiles(lags), lag_quantiles(lags, "wake_ms")["all"],
                 lag_quantiles(lags, "age_ms")["all"], intervals, errors,
                 *(bytes_per_market_day(landing, dataset, window, args.markets)
                   for dataset in ("orderbooks", "trades", "fetch_errors")))


def measure(window: Window, collector: subprocess.Popen, sim, metrics_urls: list[str], args) -> None:
    """Wait out the warm-up, then read CPU, /metrics and the simulator's stats over the window."""
    started = time.time()

    def wait_until(instant: float) -> None:
        while time.time() < instant:
            if collector.poll() is not None:
                raise SystemExit(f"the collector stopped early ({collector.returncode})")
            time.sleep(min(1.0, max(0.0, instant - time.time())))

    def read(at_end: bool) -> None:
        scraped = scrape_all(metrics_urls)
        window.note_budget(scraped)
        window.metrics.append(scraped)
        window.sim_stats.append(sim.stats())
        window.load.append(os.getloadavg())
        for name, pid in (("collector", collector.pid), ("simulator", sim.pid)):
            before = window.cpu.get(name, (0.0, 0.0))[0]
            used = sum(cpu_seconds(each) for each in process_tree(pid))  # the collector's children too
            window.cpu[name] = (before, used) if at_end else (used, 0.0)

    wait_until(started + args.warmup_s)
    window.start_s = time.time()
    read(at_end=False)
    end = window.start_s + args.minutes * 60
    while time.time() + SCRAPE_EVERY_S < end:
        wait_until(time.time() + SCRAPE_EVERY_S)
        scraped = scrape_all(metrics_urls)
        window.note_budget(scraped)
    wait_until(end)
    read(at_end=True)
    window.end_s = time.time()


def _ms(values: tuple[int, float, float, float] | None) -> str:
    return f"{values[1]:.0f} / {values[2]:.0f} / {values[3]:.0f}" if values and values[1] is not None else "–"


def _mb(value: float) -> str:
    return f"{value / 1e6:,.1f}"


def report(args, per_venue: dict, phases: dict[str, Phase]) -> None:
    stream, poll = phases.get("stream"), phases.get("poll")
    sample_s = args.sample_ms / 1000
    print(f"\n{args.markets} markets on {len(per_venue)} venues; stream sampled every {args.sample_ms} ms, poll every "
          f"10 s; {args.minutes:g} min measured after {args.warmup_s:g} s of warm-up; load average "
          + "; ".join(f"{p.mode} {min(l[0] for l in p.window.load):.1f}–{max(l[0] for l in p.window.load):.1f}"
                      for p in phases.values()))
    print("\n| measure | stream | poll (10 s) | target |\n|---|---|---|---|")
    rows = [("collector CPU, cores (user+sys / wall)", lambda p: f"{p.window.cores('collector'):.2f}", "stream ≤ 1"),
            ("simulator CPU, cores", lambda p: f"{p.window.cores('simulator'):.2f}", "–"),
            ("WebSocket messages/s", lambda p: f"{_sum(p, 'mmwatch_collector_stream_messages_total'):,.0f}", "–"),
            ("REST requests/s (simulator)", lambda p: f"{_sim_sum(p, 'requests') / p.window.seconds:,.1f}", "–"),
            ("rate-limit answers (429/418)", lambda p: f"{_sim_sum(p, 'rate_limited') + _sim_sum(p, 'banned')}", "0"),
            ("books landed / expected", lambda p: _coverage(p, args.markets, sample_s if p.mode == "stream" else 10),
             "–"),
            ("lag received − exchange_ts p50 / p95 / p99, ms", lambda p: _ms(p.lags.get("all")), "stream p99 ≤ 250"),
            ("… sampler's delay after the grid instant, ms", lambda p: _ms(p.wake) if p.mode == "stream" else "–", "–"),
            ("… age of the kept book at the grid instant, ms", lambda p: _ms(p.age) if p.mode == "stream" else "–",
             "–"),
            ("out-of-sync intervals / fallbacks to REST / other fetch errors",
             lambda p: f"{sum(p.intervals.values())} / {_total(p, 'mmwatch_collector_stream_fallbacks_total'):.0f}"
                       f" / {sum(p.errors.values())}", "0 / 0 / 0"),
            ("landing bytes per book row", lambda p: f"{p.book_bytes[0]:,.0f}", "–"),
            ("landing MB per market-day: books", lambda p: _mb(p.book_bytes[1]), "reported"),
            ("landing MB per market-day: books + trades + errors",
             lambda p: _mb(p.book_bytes[1] + p.trade_bytes[1] + p.error_bytes[1]), "reported")]
    for name, cell, target in rows:
        print(f"| {name} | {cell(stream) if stream else '–'} | {cell(poll) if poll else '–'} | {target} |")
    print("\n| venue | markets | stream msg/s | stream lag p50 / p95 / p99 ms | out of sync | poll: budget window "
          "use seen every 5 s (collector) | poll: weight/min at the simulator | budget |\n"
          "|---|---|---|---|---|---|---|---|")
    for venue, listed in per_venue.items():
        cells = [venue, str(len(listed))]
        if stream:
            messages = stream.window.counter("mmwatch_collector_stream_messages_total", venue)
            cells += [f"{messages / stream.window.seconds:,.0f}",
                      _ms(stream.lags.get(venue)), str(stream.intervals.get(venue, 0))]
        else:
            cells += ["–"] * 3
        if poll:
            cells += [f"{poll.window.budget_max.get(venue, 0.0):.1%}",
                      f"{poll.window.sim(venue, 'weight') / poll.window.seconds * 60:,.0f}"]
        else:
            cells += ["–"] * 2
        print("| " + " | ".join(cells + [BUDGETS[venue][1]]) + " |")


def _total(phase: Phase, counter: str) -> float:
    """Increase of a per-venue /metrics counter over the window, all venues."""
    venues = {venue for _, venue in phase.window.metrics[-1] if venue}
    return sum(phase.window.counter(counter, venue) for venue in venues)


def _sum(phase: Phase, counter: str) -> float:
    """The same per second."""
    return _total(phase, counter) / phase.window.seconds


def _sim_sum(phase: Phase, key: str) -> int:
    return sum(phase.window.sim(venue, key) for venue in phase.window.sim_stats[-1]["venues"])


def _coverage(phase: Phase, markets: int, every_s: float) -> str:
    landed = phase.lags.get("all", (0,))[0]
    expected = markets * phase.window.seconds / every_s
    return f"{landed:,} / {expected:,.0f} ({landed / expected:.1%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=200, help="markets, spread over every venue (default 200)")
    parser.add_argument("--minutes", type=float, default=3, help="measured window per mode (default 3)")
    parser.add_argument("--sample-ms", type=int, default=1000, help="stream: sample_every_ms (default 1000)")
    parser.add_argument("--warmup-s", type=float, default=60, help="before the window: markets load, books sync")
    parser.add_argument("--redraw-ms", type=int, help="the simulator's venues.<v>.redraw_ms (default: its own, "
                                                          "1000): every redraw changes nearly every level")
    parser.add_argument("--processes", type=int, default=1, help="collector processes (config `processes`; "
                        "CPU summed over them)")
    parser.add_argument("--modes", default="stream,poll", help="which phases, in order (default stream,poll)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (landing files, logs)")
    args = parser.parse_args()
    day = datetime.now(timezone.utc).date().isoformat()
    with tempfile.TemporaryDirectory(prefix="bench-stream-", ignore_cleanup_errors=True) as tmp:
        folder = args.keep.resolve() if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        per_venue = generated_markets(args.markets)
        scenario = write_scenario(folder, per_venue, day, args.redraw_ms)
        phases = {mode: run_phase(mode, args, folder, scenario, per_venue) for mode in args.modes.split(",")}
        report(args, per_venue, phases)


if __name__ == "__main__":
    main()
