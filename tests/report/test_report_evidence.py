"""The daily report links the evidence pack of each failing obligation (made beside the warehouse,
reused while the day's episodes are unchanged), lists it in the text and the email without a link,
and says why when a pack cannot be made, without holding the report back."""
from __future__ import annotations

import html as html_module
import json
import re

from report_day import ODD_NAME

from mmwatch.evidence.manifest import verify
from mmwatch.report.delivery import RENDERED, run_reports
from mmwatch.report.groups import ReportGroup
from mmwatch.report.ledger import ReportLedger

DESK = ReportGroup(name="desk", recipients=["desk@exchange.test"])


def test_the_report_links_the_pack_of_the_failing_obligation(built_day, tmp_path):
    day, root = built_day.day, built_day.layout.root
    [outcome] = run_reports(built_day.warehouse, day, [DESK], tmp_path / "out", ReportLedger(tmp_path / "sent.sqlite3"))
    assert outcome.status == RENDERED and outcome.warnings == []
    pack = root / "evidence" / "ob-strict" / day
    # only ob-strict fails (75 % uptime against 80 %): one pack, verified against the lake
    assert sorted(p.name for p in (root / "evidence").iterdir()) == ["ob-strict"]
    assert verify(pack).ok
    summary = json.loads((pack / "summary.json").read_text())
    [episode] = summary["episodes"]
    # thin from 00:00 to 06:00, a book a minute: 30 minutes after it (the most padding), none before midnight
    assert (episode["duration_s"], episode["ended_by"], episode["window_snapshots"]) == (21_600.0, "compliant", 391)
    assert sum(p.stat().st_size for p in pack.rglob("*") if p.is_file()) < 2_000_000

    saved = next(p for p in outcome.files if p.suffix == ".html").read_text()
    item = re.search(r'<li data-evidence="ob-strict">(.*?)</li>', saved, re.S).group(1)
    assert html_module.escape(ODD_NAME) in item and "1 breach episode," in item
    href = re.search(r'<a href="([^"]+)"', item).group(1)
    assert (outcome.folder / href).resolve() == (pack / "index.html").resolve()
    text = next(p for p in outcome.files if p.suffix == ".txt").read_text()
    assert f"* ob-strict: {pack} (1 breach episode, " in text
    email = next(p for p in outcome.files if p.suffix == ".eml").read_bytes().decode("utf-8", "replace")
    assert "data-evidence=3D\"ob-strict\"" in email or 'data-evidence="ob-strict"' in email

    made = (pack / "manifest.json").stat().st_mtime_ns
    run_reports(built_day.warehouse, day, [DESK], tmp_path / "again", ReportLedger(tmp_path / "sent.sqlite3"))
    assert (pack / "manifest.json").stat().st_mtime_ns == made  # the same episodes: the pack is reused


def test_a_pack_that_cannot_be_made_is_explained(warehouse_copy, built_day, tmp_path):
    """A copy of the warehouse with no lake beside it: the report goes out and says why there is no pack."""
    [outcome] = run_reports(warehouse_copy, built_day.day, [DESK], tmp_path / "out", ReportLedger(tmp_path / "sent.sqlite3"))
    assert outcome.status == RENDERED and outcome.warnings == []
    saved = next(p for p in outcome.files if p.suffix == ".html").read_text()
    item = re.search(r'<li data-evidence="ob-strict">(.*?)</li>', saved, re.S).group(1)
    assert "not made: episode ob-strict|" in item and "is no longer in the lake" in item
    assert not (warehouse_copy.parent / "evidence").exists()
