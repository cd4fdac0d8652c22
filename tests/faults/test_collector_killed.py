"""The collector killed (SIGKILL) while it lands files, restarted, then the raw runs of what landed,
and those runs retried with the same batches (a run re-executed after a failure).

The real `mmwatch collect` runs on the wall clock against the simulator, landing a file every 5 s.
A kill at a chosen instant inside a Parquet write cannot be arranged from outside, so the temporary
file such a kill leaves (the writer's own hidden `.landing.parquet.<hex>.tmp` name, half of a real
file's bytes) is put into a partition by the test; any the kill really left are checked the same way.
"""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml

from collector_process import CollectorProcess, wait_for
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir
from steady_scenario import steady_scenario

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
DATASETS = ("orderbooks", "trades", "fetch_errors")


def _files(data: DataDir) -> list[Path]:
    return [f.path for dataset in DATASETS for f in list_landing(data, dataset)]


def _raw_runs(defs, instance, requests) -> list[dict]:
    """Each run request executed like the daemon would; each raw asset's metadata of each run (a run over a
    range of exchange partitions records the same metadata on each partition's materialization)."""
    job = defs.resolve_job_def("raw_ingest_job")
    metadata = []
    for request in requests:
        result = job.execute_in_process(instance=instance, run_config=request.run_config, tags=request.tags,
                                        asset_selection=request.asset_selection)
        assert result.success
        per_asset = {event.asset_key: event.step_materialization_data.materialization.metadata
                     for event in result.get_asset_materialization_events()}
        metadata += [{key: value.value for key, value in found.items()} for found in per_asset.values()]
    return metadata


def _lake(data: DataDir, table: str) -> pl.DataFrame:
    files = sorted(data.lake_dir(table).glob("day=*/exchange=*/*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed") if files else pl.DataFrame()


def _landed(data: DataDir, dataset: str) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(f.path) for f in list_landing(data, dataset)], how="diagonal_relaxed")


@pytest.fixture(scope="module")
def killed(tmp_path_factory, dbt_manifest):
    from pipelines.definitions import defs
    from pipelines.sensors import landing_sensor
    from resources.data_dir import DataDirResource
    from simulator.process import SimulatorProcess

    root = tmp_path_factory.mktemp("killed")
    config = root / "collect.yaml"
    config.write_text(yaml.safe_dump({"landing_flush_s": 5, "exchanges": {
        venue: {"markets": ["BTC/USDT"], "orderbook_every_s": 1, "trades_every_s": 2, "orderbook_levels": 100}
        for venue in ("binance", "okx")}}))
    data = DataDir(root / "data")
    with SimulatorProcess(steady_scenario(REPO / "scenarios" / "demo.yaml", root), clock="wall") as sim:
        first = CollectorProcess(config, sim.url, data.root)
        try:
            wait_for("6 landing files of the first collector", lambda: len(_files(data)) >= 6, deadline_s=60)
        finally:
            killed_code = first.kill()
        before_restart = {path: path.stat().st_size for path in _files(data)}
        left_by_kill = sorted(data.landing.rglob("*.tmp"))
        # the temporary file a kill in the middle of a write leaves
        victim = next(iter(before_restart))
        torn = victim.parent / f".landing.parquet.{'0' * 8}.tmp"
        torn.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
        second = CollectorProcess(config, sim.url, data.root)
        try:
            wait_for("6 more landing files after the restart",
                     lambda: len(_files(data)) >= len(before_restart) + 6, deadline_s=60)
        finally:
            stopped_code = second.stop()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MMWATCH_DATA_DIR", str(data.root))
        instance = dg.DagsterInstance.ephemeral()
        context = dg.build_sensor_context(instance=instance, resources={"data_dir": DataDirResource()})
        requests = list(landing_sensor(context))
        first_runs = _raw_runs(defs, instance, requests)
        lake_once = {table: _lake(data, table) for table in ("raw_orderbooks", "raw_trades", "raw_fetch_errors")}
        retried_runs = _raw_runs(defs, instance, requests)  # the same batches again
    return {"data": data, "killed": killed_code, "stopped": stopped_code, "before_restart": before_restart,
            "left_by_kill": left_by_kill, "torn": torn, "requests": requests, "first": first_runs,
            "retried": retried_runs, "lake_once": lake_once}


def test_complete_landing_files_survive_the_kill_whole(killed):
    assert killed["killed"] == -9 and killed["stopped"] == 0
    for path, size in killed["before_restart"].items():
        assert path.stat().st_size == size
        assert pq.read_table(path).num_rows > 0, path  # readable, not torn
    for path in killed["left_by_kill"]:  # a kill inside a write: only ever a hidden temporary name
        assert path.name.startswith(".") and path.name.endswith(".tmp")


def test_a_torn_temporary_file_is_never_read_as_landing(killed):
    data, torn = killed["data"], killed["torn"]
    assert torn.exists()  # not a landing file: not read, not quarantined, left as it is
    assert torn not in {f.path for dataset in DATASETS for f in list_landing(data, dataset)}
    assert not data.quarantine.exists() or not any(data.quarantine.rglob("*.parquet"))
    read = sum(m.get("landing_files_read", 0) for m in killed["first"])
    assert read == len(_files(data))


def test_nothing_doubled_after_the_raw_runs(killed):
    data, lake = killed["data"], killed["lake_once"]
    books, trades = _landed(data, "orderbooks"), _landed(data, "trades")
    distinct_books = books.select("exchange", pl.coalesce("exchange_ts", "received_ts"), "bids", "asks").unique()
    assert lake["raw_orderbooks"].height == distinct_books.height > 0
    assert lake["raw_orderbooks"]["snapshot_id"].is_unique().all()
    assert lake["raw_trades"].height == trades.select("exchange", "trade_id").unique().height > 0
    assert lake["raw_trades"].select("exchange", "trade_key").is_unique().all()
    assert {e: n for e, n in lake["raw_orderbooks"].group_by("exchange").len().iter_rows()}.keys() == {"binance", "okx"}


def test_a_retried_raw_run_adds_nothing(killed):
    data, once = killed["data"], killed["lake_once"]
    assert killed["requests"] and len(killed["retried"]) == len(killed["first"])
    assert sum(m["rows_written"] for m in killed["retried"]) == 0
    assert sum(m["rows_written"] for m in killed["first"]) == sum(frame.height for frame in once.values())
    for table, frame in once.items():
        again = _lake(data, table)
        assert again.height == frame.height, table
        scalars = [name for name, dtype in frame.schema.items() if not dtype.is_nested()]
        assert again.sort(scalars).equals(frame.sort(scalars)), table
