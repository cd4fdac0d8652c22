"""`mmwatch statement`: the month-end statement of a market maker on a month built by the real dbt
(statement_month.py): its figures equal fct_mm_compliance_monthly and its episodes
fct_mm_breach_episodes, in the object, the CSVs and the PDF Chromium prints (read back with
pdftotext; page 1 kept as test-artifacts/statement-page-1.png for a person to look at)."""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest
from statement_month import build_month
from typer.testing import CliRunner

from cli.app import app
from mmwatch.report.statement import load_statement
from mmwatch.report.statement_files import day_ranges, hms

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MONTH_FIGURES = ("exchange", "market_type", "symbol", "reported_days", "pass_days", "fail_days",
                 "insufficient_data_days", "days_passed_pct", "min_days_pct", "verdict", "breach_episodes",
                 "longest_breach_s", "mean_daily_uptime_pct", "mean_daily_coverage_pct")
EPISODE_FIELDS = ("obligation_id", "day", "episode_number", "start_ts", "end_ts", "duration_s", "ended_by", "snapshots",
                  "exceeds_alert_after")


@pytest.fixture(scope="session")
def month_dir(tmp_path_factory) -> Path:
    return build_month(tmp_path_factory.mktemp("statement_month"))


@pytest.fixture(scope="session")
def poppler() -> None:
    """pdftotext and pdftoppm (Debian's poppler-utils): skipped when missing, failed under CI=true."""
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        reason = "pdftotext/pdftoppm not installed: apt-get install poppler-utils"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _rows(data_dir: Path, sql: str, params: list) -> list[dict]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        cursor = con.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def _marts(data_dir: Path) -> tuple[dict, list[dict]]:
    months = _rows(data_dir, "select * from fct_mm_compliance_monthly where mm_name = 'Acme' "
                             "and month = date '2026-03-01'", [])
    episodes = _rows(data_dir, f"select {', '.join(EPISODE_FIELDS)} from fct_mm_breach_episodes where mm_name = 'Acme' "
                               "and day between date '2026-03-01' and date '2026-03-31' "
                               "order by obligation_id, day, episode_number", [])
    return {m["obligation_id"]: m for m in months}, episodes


@pytest.fixture(scope="session")
def written(month_dir, chromium, tmp_path_factory) -> dict:
    (month_dir / "evidence" / "acme-btc" / "2026-03-03").mkdir(parents=True)  # one pack made, the others not
    out = tmp_path_factory.mktemp("statement_out")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MMWATCH_DATA_DIR", str(month_dir))
        result = CliRunner().invoke(app, ["statement", "--mm", "Acme", "--month", "2026-03", "--out", str(out),
                                          "--chromium", chromium])
    assert result.exit_code == 0, result.output
    return {"out": out, "output": result.output, "stem": out / "statement-acme-2026-03"}


def test_the_figures_equal_the_monthly_and_episodes_marts(month_dir):
    months, episodes = _marts(month_dir)
    statement = load_statement(month_dir / "warehouse.duckdb", "Acme", "2026-03")
    assert [o.obligation_id for o in statement.obligations] == ["acme-btc", "acme-eth"]  # not Orbit's
    for o in statement.obligations:
        assert {f: getattr(o, f) for f in MONTH_FIGURES} == {f: months[o.obligation_id][f] for f in MONTH_FIGURES}
    found = [{f: getattr(e, f) for f in EPISODE_FIELDS} for o in statement.obligations for e in o.episodes]
    assert found == episodes
    # worked out by hand in statement_month.py: the marts themselves are right for this month
    btc, eth = statement.obligations
    assert (btc.pass_days, btc.fail_days, btc.insufficient_data_days, btc.days_passed_pct, btc.verdict) == \
        (3, 1, 1, 75.0, "pass")
    assert (eth.pass_days, eth.fail_days, eth.insufficient_data_days, eth.days_passed_pct, eth.verdict) == \
        (3, 2, 0, 60.0, "fail")
    assert [(e.day.isoformat(), e.snapshots, e.ended_by) for e in btc.episodes] == [
        ("2026-03-03", 3, "compliant"), ("2026-03-03", 3, "compliant"), ("2026-03-04", 60, "compliant"),
        ("2026-03-04", 2, "end_of_day")]
    assert btc.days_with("insufficient_data") == [date(2026, 3, 6)] and btc.days_with("fail") == [date(2026, 3, 4)]
    assert len(btc.episodes) == btc.breach_episodes and len(eth.episodes) == eth.breach_episodes
    assert btc.not_built(statement.month_days)[:2] == [date(2026, 3, 1), date(2026, 3, 7)]
    assert len(btc.not_built(statement.month_days)) == 31 - 5


def test_the_csvs_read_back_as_the_marts(month_dir, written):
    months, episodes = _marts(month_dir)
    with open(f"{written['stem']}.csv", newline="") as handle:
        rows = {r["obligation_id"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {"acme-btc", "acme-eth"}
    for oid, mart in months.items():
        row = rows[oid]
        for field in MONTH_FIGURES:
            value = mart[field]
            assert row[field] == ("" if value is None else str(value)), (oid, field)
            if isinstance(value, float):
                assert float(row[field]) == value  # full precision, not a rounded print
    assert (rows["acme-btc"]["failed_days"], rows["acme-btc"]["insufficient_days"]) == ("2026-03-04", "2026-03-06")
    with open(f"{written['stem']}-episodes.csv", newline="") as handle:
        found = list(csv.DictReader(handle))
    assert [(r["obligation_id"], r["day"], int(r["episode_number"]), int(r["start_ts"]), int(r["end_ts"]),
             float(r["duration_s"]), r["ended_by"], int(r["snapshots"])) for r in found] == \
        [(e["obligation_id"], e["day"].isoformat(), e["episode_number"], e["start_ts"], e["end_ts"], e["duration_s"],
          e["ended_by"], e["snapshots"]) for e in episodes]
    assert [r["evidence"] for r in found][:3] == ["evidence/acme-btc/2026-03-03/"] * 2 + ["evidence/acme-btc/2026-03-04/"]
    assert found[0]["start_utc"] == "2026-03-03T00:05:00.000+00:00"


def test_the_pdf_says_the_figures_and_every_episode(written, poppler):
    pdf = Path(f"{written['stem']}.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "Market-making statement — Acme — March 2026" in flat
    assert "2 obligations for 2026-03 (UTC days): 1 passed, 1 failed, 0 with insufficient data." in flat
    assert re.search(r"acme-btc binance BTC/USDT \(spot\) 3 1 1 75\.00 % 75\.00 % pass \(provisional\) "
                     r"6\.67 % / 0\.00 % 4 0:30:00 26", flat), flat[:1500]
    assert re.search(r"acme-eth binance ETH/USDT \(spot\) 3 2 0 60\.00 % 75\.00 % fail \(provisional\)", flat)
    assert "5 days reported: 3 passed, 1 failed, 1 with insufficient data → 75.00 % of judged days passed" in flat
    assert "26 days in force not built yet, so no verdict: 2026-03-01, 2026-03-07 to 2026-03-31" in flat
    for start, end, duration, snapshots in (("00:05:00", "00:06:30", "0:01:30", 3), ("00:30:00", "01:00:00", "0:30:00", 60),
                                            ("01:59:00", "01:59:30", "0:00:30", 2), ("00:00:00", "01:59:30", "1:59:30", 240)):
        assert re.search(rf"{start} {end} {duration} (compliant|end of day) {snapshots} evidence/", flat), start
    assert flat.count("(pack not made yet: mmwatch evidence)") == 4  # 03-03 of acme-btc has its pack
    assert "orbit" not in flat.lower() and "For Acme: name, date, signature" in flat
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "statement-page"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(page)], check=True)
    assert page.with_suffix(".png").read_bytes().startswith(b"\x89PNG")


def test_evidence_links_lead_to_the_pack_folders(month_dir, written):
    html = Path(f"{written['stem']}.html").read_text()
    hrefs = dict(re.findall(r'<a href="([^"]+)">(evidence/[^<]+)</a>', html))
    by_folder = {folder: href for href, folder in hrefs.items()}
    assert (written["out"] / by_folder["evidence/acme-btc/2026-03-03/"]).resolve() == \
        (month_dir / "evidence" / "acme-btc" / "2026-03-03").resolve()
    assert set(by_folder) == {"evidence/acme-btc/2026-03-03/", "evidence/acme-btc/2026-03-04/",
                              "evidence/acme-eth/2026-03-03/", "evidence/acme-eth/2026-03-04/"}
    assert "wrote " + str(written["stem"]) + ".pdf" in written["output"]


@pytest.mark.parametrize("args, start", [
    (["--mm", "Acmee", "--month", "2026-03", "--no-pdf"], "error: no market maker 'Acmee' in "),
    (["--mm", "Acme", "--month", "2026-04", "--no-pdf"], "error: Acme has no built day in 2026-04 in "),
    (["--mm", "Acme", "--month", "2026-3", "--no-pdf"], "error: --month '2026-3' is not a month: write it as YYYY-MM"),
    (["--mm", "Acme", "--month", "2026-03", "--chromium", "/no/such/chromium"], "error: --chromium /no/such/chromium: "),
])
def test_bad_requests_are_one_line(month_dir, monkeypatch, args, start):
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(month_dir))
    result = CliRunner().invoke(app, ["statement", *args, "--out", str(month_dir / "refused")])
    assert result.exit_code == 2 and result.output.startswith(start) and result.output.count("\n") == 1, result.output
    assert not (month_dir / "refused").exists()


def test_no_warehouse_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["statement", "--mm", "Acme", "--month", "2026-03", "--no-pdf"])
    assert result.exit_code == 2 and result.output == (f"error: no warehouse at {tmp_path / 'warehouse.duckdb'}: build "
                                                       "the month's days first (mmwatch build --date DAY)\n")


def test_formats():
    assert [hms(s) for s in (0, 30, 90, 7170, 7170.25, None)] == ["0:00:00", "0:00:30", "0:01:30", "1:59:30",
                                                                  "1:59:30.25", "—"]
    days = [date(2026, 3, d) for d in (1, 7, 8, 9, 31)]
    assert day_ranges(days) == "2026-03-01, 2026-03-07 to 2026-03-09, 2026-03-31"
