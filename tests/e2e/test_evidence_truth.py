"""Evidence against the simulator's truth (scenarios/evidence_day.yaml, collected over HTTP and
built through Dagster): `mmwatch book --at` shows exactly the book the simulator served (every
level, base units) on a spot market and an OKX perpetual quoted in contracts, with the marts'
judgement; a time before any data, a market never collected and a time in a coverage gap each get
one line."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from collected_day import SCENARIOS, collect_and_build, served_book

S, M, H = 1000, 60_000, 3_600_000


@pytest.fixture(scope="module")
def evidence_day(tmp_path_factory, dbt_manifest):
    """scenarios/evidence_day.yaml: its first four hours, a book a minute."""
    return collect_and_build(SCENARIOS / "evidence_day.yaml", tmp_path_factory.mktemp("evidence_day"), hours=4)


def _book(day, *arguments: str):
    from cli.app import app

    return CliRunner().invoke(app, ["book", *arguments, "--data-dir", str(day.layout.root)])


def _assert_levels_equal(got: list, want: list, where) -> None:
    assert len(got) == len(want) > 0, where
    for (price, amount), (want_price, want_amount) in zip(got, want):
        assert price == pytest.approx(want_price, rel=1e-12), where
        assert amount == pytest.approx(want_amount, rel=1e-12), where


@pytest.mark.e2e
@pytest.mark.parametrize("exchange, symbol, offset_ms, obligation", [
    ("binance", "BTC/USDT", 1 * H + 5 * M + 30 * S, "arcadia-binance-btc"),  # 30 bps wide: 01:00-01:12
    ("okx", "BTC/USDT:USDT", 1 * H + 45 * M + 10 * S, "arcadia-okx-btc"),  # a quarter of the depth: 01:30-02:00
])
def test_book_at_a_moment_is_the_served_book(evidence_day, exchange, symbol, offset_ms, obligation):
    at = evidence_day.start_ms + offset_ms
    result = _book(evidence_day, "--exchange", exchange, "--symbol", symbol, "--at", str(at), "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    served_at = at - at % M  # a book a minute: the last one at or before T
    snapshot = answer["snapshot"]
    assert (snapshot["ts"], snapshot["age_ms"]) == (served_at, at - served_at)
    assert snapshot["contract_size"] == (0.01 if exchange == "okx" else 1.0)
    bids, asks = served_book(evidence_day.scenario, exchange, symbol, served_at)
    _assert_levels_equal(answer["bids"], bids, (exchange, "bids"))
    _assert_levels_equal(answer["asks"], asks, (exchange, "asks"))
    mid = (bids[0][0] + asks[0][0]) / 2
    assert answer["metrics"]["mid"] == pytest.approx(mid, rel=1e-12)
    band = sum(p * a for p, a in bids if p >= mid * (1 - 25 / 10_000))
    [judged] = answer["obligations"]
    assert judged["terms"]["obligation_id"] == obligation
    assert judged["evaluation"]["depth_bid_usd"] == pytest.approx(band, rel=1e-9)
    assert judged["evaluation"]["compliant"] is False
    # the other check fails: binance on spread (30 bps > 10), okx on depth (a quarter of 200,000 < 150,000)
    assert (judged["evaluation"]["spread_ok"], judged["evaluation"]["bid_ok"]) == (
        (False, True) if exchange == "binance" else (True, False))


@pytest.mark.e2e
def test_the_table_names_the_source_and_every_level_up_to_the_limit(evidence_day):
    at = evidence_day.start_ms + 10 * M
    result = _book(evidence_day, "--exchange", "okx", "--symbol", "BTC/USDT:USDT", "--at", str(at), "--levels", "3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "okx BTC/USDT:USDT (swap) at 2026-11-21 00:10:00.000 UTC"
    assert "0 s old at T" in lines[1]
    assert lines[2].startswith("source: lake/raw_orderbooks/day=2026-11-21/exchange=okx/") and " row " in lines[2]
    assert "converted from contracts of 0.01" in lines[3] and "the first 3 shown" in lines[3]
    assert [line.split()[0] for line in lines[5:8]] == ["1", "2", "3"] and lines[8].startswith("spec §2")
    assert any(line.startswith("  arcadia-okx-btc (Arcadia Markets): ") and line.endswith("compliant: yes")
               for line in lines)


@pytest.mark.e2e
def test_no_book_is_one_line(evidence_day):
    start = evidence_day.start_ms
    cases = {
        "before any data": (["--exchange", "okx", "--symbol", "BTC/USDT:USDT", "--at", "2026-11-20T23:59:00"],
                            "2026-11-20 23:59:00.000 UTC is before any data of okx BTC/USDT:USDT (swap): its first "
                            "usable snapshot is at 2026-11-21 00:00:00.000 UTC"),
        "never collected": (["--exchange", "binance", "--symbol", "ETH/USDT", "--at", "2026-11-21T01:00"],
                            "binance ETH/USDT (spot) was never collected: no snapshot of it in "
                            f"{evidence_day.layout.lake / 'raw_orderbooks'}; binance has BTC/USDT"),
        # the venue is down 02:30-02:50: at 02:40 the last book is 02:29's, 11 minutes old
        "coverage gap": (["--exchange", "binance", "--symbol", "BTC/USDT", "--at", str(start + 2 * H + 40 * M)],
                         "2026-11-21 02:40:00.000 UTC is in a coverage gap of binance BTC/USDT (spot): its last usable "
                         "snapshot before is at 2026-11-21 02:29:00.000 UTC (11.0 min earlier, over spec §6's 5 minutes "
                         "of no data), data resumes at 2026-11-21 02:50:00.000 UTC"),
        "after the data": (["--exchange", "okx", "--symbol", "BTC/USDT:USDT", "--at", "2026-11-21T05:00"],
                           "2026-11-21 05:00:00.000 UTC is in a coverage gap of okx BTC/USDT:USDT (swap): its last usable "
                           "snapshot before is at 2026-11-21 03:59:00.000 UTC (61.0 min earlier, over spec §6's 5 "
                           "minutes of no data), no usable snapshot after it yet"),
    }
    for case, (arguments, line) in cases.items():
        result = _book(evidence_day, *arguments)
        assert (result.exit_code, result.output) == (1, line + "\n"), case
    # 4 min 59 s after the last book before the outage is still a book (spec §6: 5 minutes)
    inside = _book(evidence_day, "--exchange", "binance", "--symbol", "BTC/USDT", "--at", str(start + 2 * H + 33 * M + 59 * S))
    assert inside.exit_code == 0 and "299 s old at T" in inside.output, inside.output


@pytest.fixture(scope="module")
def okx_pack(evidence_day, tmp_path_factory):
    from cli.app import app

    out = tmp_path_factory.mktemp("okx_pack") / "pack"
    result = CliRunner().invoke(app, ["evidence", "--obligation", "arcadia-okx-btc", "--date", evidence_day.day,
                                      "--out", str(out), "--data-dir", str(evidence_day.layout.root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("arcadia-okx-btc 2026-11-21: 1 breach episode; pack written to ")
    return out


@pytest.mark.e2e
def test_the_pack_snapshots_are_the_served_books(evidence_day, okx_pack):
    summary = json.loads((okx_pack / "summary.json").read_text())
    [truth] = [d["episodes"] for o in evidence_day.truth["obligations"] if o["obligation_id"] == "arcadia-okx-btc"
               for d in o["days"] if d["day"] == evidence_day.day]
    [episode] = summary["episodes"]
    assert [(episode["start_ts"], episode["end_ts"], episode["ended_by"])] == [
        (e["start_ts"], e["end_ts"], e["ended_by"]) for e in truth]
    start = evidence_day.start_ms
    # thin 01:30-02:00: the first thin book starts it, the first full one (02:00) ends it
    assert (episode["start_ts"], episode["end_ts"]) == (start + 90 * M, start + 2 * H)
    for moment in ("start", "worst", "end"):
        document = json.loads((okx_pack / episode["folder"] / f"{moment}.json").read_text())
        bids, asks = served_book(evidence_day.scenario, "okx", "BTC/USDT:USDT", document["ts"])
        _assert_levels_equal(document["bids"], bids, moment)
        _assert_levels_equal(document["asks"], asks, moment)
        recorded = document["as_recorded"]
        assert recorded["contract_size"] == 0.01
        assert [a * 0.01 for _, a in recorded["bids"]] == pytest.approx([a for _, a in bids], rel=1e-12)
        assert document["received_ts"] >= document["ts"] and document["lake_file"].startswith("lake/raw_orderbooks/")
        assert document["judgement"]["compliant"] is (moment == "end")
    worst = json.loads((okx_pack / episode["folder"] / "worst.json").read_text())
    assert start + 90 * M <= worst["ts"] < start + 2 * H
    # the heat map window: 15 minutes each side of a 30-minute episode, a book a minute
    assert episode["window_utc"] == ["2026-11-21 01:15:00.000", "2026-11-21 02:15:00.000"]
    assert episode["window_snapshots"] == episode["heatmap_snapshots"] == 61


@pytest.mark.e2e
def test_the_pack_verifies_and_an_edited_lake_file_is_named(evidence_day, okx_pack, tmp_path):
    import shutil

    import pyarrow.parquet as pq

    from cli.app import app

    runner = CliRunner()
    ok = runner.invoke(app, ["evidence", "verify", str(okx_pack)])
    assert ok.exit_code == 0 and "OK: 1 lake files" in ok.output, ok.output
    manifest = json.loads((okx_pack / "manifest.json").read_text())
    [entry] = manifest["lake_files"]
    assert len(entry["rows"]) == 61 and entry["path"].startswith("lake/raw_orderbooks/day=2026-11-21/exchange=okx/")
    # a copy of the recording with one amount of one listed row changed
    copy = tmp_path / "recording"
    shutil.copytree(evidence_day.layout.lake, copy / "lake")
    table = pq.read_table(copy / entry["path"])
    bids = table.column("bids").to_pylist()
    bids[entry["rows"][0]][0]["amount"] += 1
    pq.write_table(table.set_column(table.schema.get_field_index("bids"), "bids", [bids]), copy / entry["path"])
    failed = runner.invoke(app, ["evidence", "verify", str(okx_pack), "--data-dir", str(copy)])
    assert failed.exit_code == 1
    assert failed.output.startswith(f"FAILED {entry['path']}: sha256 ") and "the lake file changed" in failed.output
    untouched = runner.invoke(app, ["evidence", "verify", str(okx_pack), "--data-dir", str(copy / "elsewhere")])
    assert untouched.exit_code == 1 and f"FAILED {entry['path']}: missing under" in untouched.output


@pytest.mark.e2e
def test_the_pack_charts_render(okx_pack):
    from PIL import Image

    folder = okx_pack / "episode-001"
    for name, width in (("depth-ladder.png", 1260), ("heatmap.png", 1000), ("timeline.png", 1000)):
        with Image.open(folder / name) as image:
            assert image.format == "PNG" and image.size[0] == width, name
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
            assert len(colours) > 200, name  # drawn, not a blank canvas
    index = (okx_pack / "index.html").read_text()
    assert 'src="episode-001/heatmap.png"' in index and "mmwatch evidence verify" in index
