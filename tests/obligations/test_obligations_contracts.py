"""`mmwatch obligations list | add | end | check`: add validates with the builds' loader and refuses a
used id or overlapping terms (the file untouched), end sets valid_to and keeps the row, each template
gives a valid obligation, the file is <data dir>/obligations.csv unless $MMWATCH_OBLIGATIONS_CSV
names one, and the builds read that file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from obligations_files import row, write_csv
from typer.testing import CliRunner

from cli.app import app
from mmwatch.obligations import (CANONICAL_COLUMNS, OBLIGATIONS_ENV, SEED_CSV, SPEC_COLUMNS, checked_copy,
                                 load_obligations, obligations_source)
from mmwatch.obligations.templates import TEMPLATES

runner = CliRunner()
MARKET = ["--mm", "Acme", "--exchange", "bybit", "--symbol", "BTC/USDT"]


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(OBLIGATIONS_ENV, raising=False)
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def mmwatch(*args: str):
    return runner.invoke(app, ["obligations", *args])


def test_add_end_check_round_trip(data_dir):
    added = mmwatch("add", "--id", "acme-old", *MARKET, "--from", "2026-01-01", "--max-spread-bps", "10",
                    "--depth-band-bps", "100", "--min-depth-usd", "10000", "--min-uptime-pct", "75")
    assert added.exit_code == 0, added.output
    path = data_dir / "obligations.csv"
    assert f"added acme-old: Acme, bybit BTC/USDT (spot), valid [2026-01-01, open-ended)" in added.output
    assert f"note: {path.resolve()} is new; the builds read it from now on" in added.output
    ended = mmwatch("end", "acme-old", "--on", "2026-02-01")
    assert ended.exit_code == 0, ended.output
    assert "[2026-01-01, open-ended) -> [2026-01-01, 2026-02-01)" in ended.output
    renewed = mmwatch("add", "--id", "acme-new", *MARKET, "--from", "2026-02-01", "--template", "token-sla")
    assert renewed.exit_code == 0, renewed.output
    checked = mmwatch("check")
    assert checked.exit_code == 0 and checked.output == f"{path.resolve()}: OK: 2 obligations on 1 market of 1 market maker\n"
    old, new = load_obligations(path).obligations
    assert (old.obligation_id, old.valid_to.isoformat(), old.max_spread_bps) == ("acme-old", "2026-02-01", 10)
    assert (new.obligation_id, new.valid_from.isoformat(), new.valid_to, new.depth_band_bps) == \
        ("acme-new", "2026-02-01", None, 200)
    listed = json.loads(mmwatch("list", "--json", "--on", "2026-01-31").output)
    assert listed["file"] == str(path.resolve())
    assert [(o["obligation_id"], o["status"]) for o in listed["obligations"]] == [("acme-old", "in force"),
                                                                                  ("acme-new", "not yet")]
    on_renewal = json.loads(mmwatch("list", "--json", "--on", "2026-02-01").output)["obligations"]
    assert [o["status"] for o in on_renewal] == ["ended", "in force"]
    table = mmwatch("list", "--on", "2026-02-01")
    assert table.exit_code == 0 and "acme-old" in table.output and "ended" in table.output


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_gives_a_valid_obligation(data_dir, name):
    result = mmwatch("add", "--template", name, "--id", f"t-{name}", *MARKET, "--from", "2026-01-01")
    assert result.exit_code == 0, result.output
    [obligation] = load_obligations(data_dir / "obligations.csv").obligations
    terms = {column: float(value) for column, value in TEMPLATES[name].terms.items()}
    assert {column: getattr(obligation, column) for column in terms} == terms
    assert obligation.market_type == "spot"  # from the symbol's shape
    for note in TEMPLATES[name].notes:
        assert f"note: {note}" in result.output


def test_the_templates_map_the_contract_clauses():
    programme, sla = TEMPLATES["exchange-programme"].terms, TEMPLATES["token-sla"].terms
    assert (programme["min_uptime_pct"], programme["min_days_pct"]) == ("75", "75")  # 75 % of snapshots, of days
    assert sla["depth_band_bps"] == "200"  # depth within 2 %


def test_template_options_override(data_dir):
    result = mmwatch("add", "--template", "token-sla", "--id", "t", *MARKET, "--from", "2026-01-01",
                     "--min-depth-usd", "40000", "--min-days-pct", "100")
    assert result.exit_code == 0, result.output
    [o] = load_obligations(data_dir / "obligations.csv").obligations
    assert (o.min_depth_usd, o.min_days_pct, o.max_spread_bps) == (40000, 100, 100)


def test_a_used_id_or_overlapping_terms_are_refused_in_one_line(data_dir):
    mmwatch("add", "--template", "exchange-programme", "--id", "a", *MARKET, "--from", "2026-01-01",
            "--to", "2026-03-01")
    path = data_dir / "obligations.csv"
    before = path.read_bytes()
    same_id = mmwatch("add", "--template", "exchange-programme", "--id", "a", *MARKET, "--from", "2026-05-01")
    overlap = mmwatch("add", "--template", "token-sla", "--id", "b", *MARKET, "--from", "2026-02-15")
    for result in (same_id, overlap):
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert same_id.output.startswith(f"error: obligation_id 'a' is already in {path.resolve()}")
    assert overlap.output.startswith("error: b [2026-02-15, open-ended) overlaps a [2026-01-01, 2026-03-01) of Acme "
                                     "on bybit BTC/USDT (spot): end a first (mmwatch obligations end a --on 2026-02-15)")
    assert path.read_bytes() == before
    assert not list(path.parent.glob("*.candidate"))  # the checked candidate never stays behind
    # another market maker on the market, or the same one after a's end: both fine
    assert mmwatch("add", "--template", "token-sla", "--id", "c", "--mm", "Orbit", "--exchange", "bybit",
                   "--symbol", "BTC/USDT", "--from", "2026-02-15").exit_code == 0
    assert mmwatch("add", "--template", "token-sla", "--id", "d", *MARKET, "--from", "2026-03-01").exit_code == 0


def test_a_bad_cell_names_column_option_and_value(data_dir):
    result = mmwatch("add", "--template", "token-sla", "--id", "x", "--mm", "A", "--exchange", "kraken",
                     "--symbol", "BTC/USDT", "--from", "2026-01-01", "--min-uptime-pct", "120")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith("error: new obligation: column exchange (--exchange): value 'kraken': is not a venue")
    assert lines[1].startswith("new obligation: column min_uptime_pct (--min-uptime-pct): value '120': must be a "
                               "percentage")
    assert not (data_dir / "obligations.csv").exists()


def test_end_keeps_the_header_order_and_every_other_cell(tmp_path, monkeypatch):
    monkeypatch.delenv(OBLIGATIONS_ENV, raising=False)
    columns = tuple(reversed(SPEC_COLUMNS))  # 13 columns, no alert_after_s, reversed
    path = write_csv(tmp_path / "o.csv", [row(), row(obligation_id="eth", symbol="ETH/USDT", min_coverage_pct="")],
                     columns)
    before = path.read_text().splitlines()
    result = mmwatch("end", "eth", "--on", "2026-04-01", "--file", str(path))
    assert result.exit_code == 0, result.output
    after = path.read_text().splitlines()
    assert after[:2] == before[:2]
    assert before[2] == ",,90,50000,200,10,,2025-01-01,ETH/USDT,spot,binance,Acme,eth"
    assert after[2] == ",,90,50000,200,10,2026-04-01,2025-01-01,ETH/USDT,spot,binance,Acme,eth"
    # add to that file: the alert_after_s column given is appended to the header, the rows keep their cells
    added = mmwatch("add", "--file", str(path), "--template", "token-sla", "--id", "sol", "--mm", "Acme",
                    "--exchange", "binance", "--symbol", "SOL/USDT", "--from", "2026-01-01", "--alert-after-s", "600")
    assert added.exit_code == 0, added.output
    header = path.read_text().splitlines()[0]
    assert header == ",".join(columns) + ",alert_after_s"
    assert [o.alert_after_s for o in load_obligations(path).obligations] == [300, 300, 600]


def test_the_environment_names_the_file_and_the_builds_read_the_data_dir_file(data_dir, tmp_path, monkeypatch):
    assert obligations_source(None, data_dir) == SEED_CSV  # nothing in the data dir yet
    mmwatch("add", "--template", "token-sla", "--id", "a", *MARKET, "--from", "2026-01-01")
    assert obligations_source(None, data_dir) == (data_dir / "obligations.csv").resolve()
    copy, loaded = checked_copy(data_dir)
    assert [o.obligation_id for o in loaded.obligations] == ["a"]
    assert copy.read_text().splitlines()[0] == ",".join(CANONICAL_COLUMNS)
    elsewhere = tmp_path / "settings" / "obligations.csv"
    monkeypatch.setenv(OBLIGATIONS_ENV, str(elsewhere))
    result = mmwatch("add", "--template", "token-sla", "--id", "b", *MARKET, "--from", "2026-01-01")
    assert result.exit_code == 0 and "note:" in result.output and elsewhere.is_file()
    assert [o.obligation_id for o in load_obligations(elsewhere).obligations] == ["b"]
    assert obligations_source(None, data_dir) == elsewhere.resolve()


def test_config_check_reads_the_data_dir_file(data_dir):
    from mmwatch.config_check import _obligations

    env = {"MMWATCH_DATA_DIR": str(data_dir)}
    assert _obligations(env).detail == load_obligations(SEED_CSV).summary()  # no file in the data dir yet
    mmwatch("add", "--template", "token-sla", "--id", "a", *MARKET, "--from", "2026-01-01")
    finding = _obligations(env)
    assert (finding.state, finding.detail) == ("ok", f"{(data_dir / 'obligations.csv').resolve()}: OK: 1 obligation on "
                                                      "1 market of 1 market maker")


def test_end_refusals_are_one_line(data_dir):
    mmwatch("add", "--template", "token-sla", "--id", "a", *MARKET, "--from", "2026-01-01", "--to", "2026-06-01")
    cases = {("a", "2026-07-01"): "error: a already ends on 2026-06-01",
             ("a", "2026-01-01"): "error: a starts on 2026-01-01: end it on a later day",
             ("zz", "2026-02-01"): "error: no obligation 'zz' in",
             ("a", "2026-02-30"): "error: --on '2026-02-30' is not a day"}
    for (oid, on), start in cases.items():
        result = mmwatch("end", oid, "--on", on)
        assert result.exit_code == 2 and result.output.startswith(start) and result.output.count("\n") == 1, \
            result.output


def test_a_file_that_cannot_be_written_is_one_line(monkeypatch):
    monkeypatch.setenv(OBLIGATIONS_ENV, "/proc/sys/no-such-folder/obligations.csv")  # not writable, even for root
    result = mmwatch("add", "--template", "token-sla", "--id", "a", *MARKET, "--from", "2026-01-01")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith("error: cannot write beside /proc/sys/no-such-folder/obligations.csv (")
