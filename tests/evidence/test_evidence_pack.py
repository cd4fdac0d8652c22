"""The evidence pack on a hand-made day built by the real dbt: which episodes are detailed (the
longest, when there are more than the bound), which snapshot is the worst, the manifest's rows, and
verification naming an edited pack file, an added file and a missing lake file."""
from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from dbt_harness import day_start_ms, run_dbt, snapshot, write_lake_orderbooks, write_obligations_csv

from mmwatch.evidence import pack as pack_module
from mmwatch.evidence.manifest import verify
from mmwatch.evidence.pack import NoEvidence, make_pack
from mmwatch.settings import DataDir

DAY = "2026-06-03"
D0 = day_start_ms(DAY)
S = 1000
GOOD = ([(99.95, 300.0), (99.9, 300.0)], [(100.05, 300.0), (100.1, 300.0)])  # ~60,000 USD a side within 50 bps
WIDE = ([(99.5, 300.0)], [(100.5, 300.0)])  # 100 bps


def _thin(amount: float) -> tuple[list, list]:
    return [(99.95, amount)], [(100.05, 300.0), (100.1, 300.0)]


def _book(second: int) -> tuple[list, list]:
    if 300 <= second < 360:  # episode 1: wide for 60 s, compliant at 00:06:00
        return WIDE
    if second == 600:  # episode 2: one one-sided book
        return [(99.95, 300.0)], []
    if 1200 <= second < 1320:  # episode 3: thin for 120 s, thinnest at 00:21:00
        return _thin(50.0 if second == 1260 else 100.0)
    return GOOD


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> DataDir:
    root = tmp_path_factory.mktemp("evidence_pack")
    write_lake_orderbooks(root, [snapshot("binance", "EV/USDT", D0 + t * S, *_book(t)) for t in range(0, 1800, 10)])
    csv = write_obligations_csv(root / "obligations.csv", [
        {"obligation_id": "ev-1", "mm_name": "Evidence MM", "exchange": "binance", "market_type": "spot",
         "symbol": "EV/USDT", "valid_from": "2026-01-01", "max_spread_bps": 20, "depth_band_bps": 50,
         "min_depth_usd": 20_000, "min_uptime_pct": 99, "min_coverage_pct": 1}])
    run_dbt(root, ["build", "--select", "+fct_mm_compliance_daily", "+fct_mm_breach_episodes", "+dim_obligations",
                   "--exclude-resource-type", "test"], {"day": DAY, "obligations_csv": str(csv)})
    # dbt keeps the built file open in this process, where DuckDB then refuses a read-only connection:
    # the data directory the pack reads is a copy (lake and checkpointed warehouse)
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute("checkpoint")
    served = tmp_path_factory.mktemp("evidence_pack_served")
    shutil.copytree(root / "lake", served / "lake")
    shutil.copyfile(root / "warehouse.duckdb", served / "warehouse.duckdb")
    return DataDir(served)


@pytest.fixture(scope="module")
def pack(layout, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pack_module, "MAX_DETAILED_EPISODES", 2)
        result = make_pack(layout, "ev-1", DAY, tmp_path_factory.mktemp("packs") / "ev-1")
    return result


def test_the_longest_episodes_are_detailed(pack):
    summary = json.loads((pack.folder / "summary.json").read_text())
    assert (pack.episodes, pack.detailed) == (3, 2)
    assert [(e["episode_number"], e["duration_s"], e["ended_by"]) for e in summary["episodes"]] == [
        (1, 60.0, "compliant"), (3, 120.0, "compliant")]
    assert [(e["episode_number"], e["start_ts"]) for e in summary["not_detailed"]] == [(2, D0 + 600 * S)]
    assert sorted(p.name for p in pack.folder.iterdir()) == [
        "episode-001", "episode-003", "index.html", "manifest.json", "summary.json"]


def test_start_worst_and_end(pack):
    summary = json.loads((pack.folder / "summary.json").read_text())
    third = summary["episodes"][1]["moments"]
    # 30,000 USD at 99.95 x 100 within 50 bps against 20,000... the thin bid is 99.95 x 100 = 9,995 USD,
    # the thinnest 99.95 x 50 = 4,997.5 USD: the worst is 20,000 / 4,997.5
    assert (third["start"]["ts"], third["worst"]["ts"], third["end"]["ts"]) == (D0 + 1200 * S, D0 + 1260 * S, D0 + 1320 * S)
    assert third["worst"]["severity"] == pytest.approx(20_000 / (99.95 * 50))
    worst = json.loads((pack.folder / "episode-003" / "worst.json").read_text())
    assert worst["bids"] == [[99.95, 50.0]] and worst["judgement"]["bid_ok"] is False
    assert worst["exchange_ts"] == D0 + 1260 * S and worst["received_ts"] == D0 + 1260 * S + 25
    end = json.loads((pack.folder / "episode-003" / "end.json").read_text())
    assert end["judgement"]["compliant"] is True
    first = summary["episodes"][0]
    # a 60 s episode: 5 minutes each side (the minimum pad), a book every 10 s
    assert first["window"] == [D0, D0 + 660 * S] and first["window_snapshots"] == 67


def test_the_manifest_lists_the_rows_read(pack, layout):
    manifest = json.loads((pack.folder / "manifest.json").read_text())
    [entry] = manifest["lake_files"]
    assert entry["path"] == f"lake/raw_orderbooks/day={DAY}/exchange=binance/batch-0001.parquet"
    # episode 1's window 00:00-00:11 and episode 3's 00:15-00:27:00 (pad 5 min), a book every 10 s
    assert entry["rows"] == list(range(0, 67)) + list(range(90, 163))
    assert {f["path"] for f in manifest["pack_files"]} >= {"summary.json", "episode-001/heatmap.png", "episode-003/worst.json"}
    assert manifest["data_dir"] == str(layout.root) and verify(pack.folder).ok


def test_verify_names_every_difference(pack, layout, tmp_path):
    copy = shutil.copytree(pack.folder, tmp_path / "pack")
    (copy / "episode-001" / "timeline.csv").write_text("ts\n")
    (copy / "notes.txt").write_text("added later")
    recording = tmp_path / "recording"
    result = verify(copy, recording)
    assert sorted(result.problems) == sorted([
        f"lake/raw_orderbooks/day={DAY}/exchange=binance/batch-0001.parquet: missing under {recording} (the lake "
        "partition was rebuilt or compacted since the pack was made, or --data-dir is not the recording)",
        "episode-001/timeline.csv: edited after the pack was made (sha256 differs)",
        "notes.txt: not in the manifest (added after the pack was made)"])


def test_no_pack_without_the_obligation_or_the_day(layout, tmp_path):
    with pytest.raises(NoEvidence, match=r"obligation 'ev-9' is not in dim_obligations"):
        make_pack(layout, "ev-9", DAY, tmp_path / "x")
    with pytest.raises(NoEvidence, match=r"ev-1 has no verdict on 2026-06-04 in fct_mm_compliance_daily"):
        make_pack(layout, "ev-1", "2026-06-04", tmp_path / "y")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_the_cli_asks_for_what_it_needs(layout):
    from cli.app import app

    runner = CliRunner()
    missing = runner.invoke(app, ["evidence", "--date", DAY, "--data-dir", str(layout.root)])
    assert (missing.exit_code, missing.output) == (
        2, "error: give --obligation ID and --date YYYY-MM-DD (or `mmwatch evidence verify DIR`)\n")
    nothing = runner.invoke(app, ["evidence", "verify", str(layout.root)])
    assert nothing.exit_code == 2 and "is not an evidence pack: it has no manifest.json" in nothing.output


def test_the_report_remakes_a_pack_whose_lake_file_was_compacted(layout, tmp_path):
    """packs_for_report reuses a pack while its episodes and lake files stand; after the partition's
    file is replaced (as compaction does: same rows, a new file) it makes the pack again."""
    from mmwatch.evidence.report_links import packs_for_report

    root = shutil.copytree(layout.root, tmp_path / "data")
    [link] = packs_for_report(root / "warehouse.duckdb", DAY, ["ev-1"]).values()
    assert (link.folder, link.episodes, link.problem) == (root / "evidence" / "ev-1" / DAY, 3, None)
    made = (link.folder / "manifest.json").stat().st_mtime_ns
    packs_for_report(root / "warehouse.duckdb", DAY, ["ev-1"])
    assert (link.folder / "manifest.json").stat().st_mtime_ns == made
    partition = root / "lake" / "raw_orderbooks" / f"day={DAY}" / "exchange=binance"
    (partition / "batch-0001.parquet").rename(partition / "compacted-0001.parquet")
    packs_for_report(root / "warehouse.duckdb", DAY, ["ev-1"])
    manifest = json.loads((link.folder / "manifest.json").read_text())
    assert [entry["path"].rsplit("/", 1)[1] for entry in manifest["lake_files"]] == ["compacted-0001.parquet"]
    assert verify(link.folder).ok
