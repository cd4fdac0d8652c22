"""docs/runbook.md has a section for every alert rule and every check the product links to: each
alert message ends with `Runbook: docs/runbook.md#<rule>`, and that anchor must lead somewhere."""
from __future__ import annotations

import re
from pathlib import Path

from mmwatch.alerts.config import ROUTABLE_RULES

REPO = Path(__file__).resolve().parents[2]
RUNBOOK = (REPO / "docs" / "runbook.md").read_text(encoding="utf-8")
ANCHORS = {line.lstrip("#").strip() for line in RUNBOOK.splitlines() if line.startswith("#")}


def test_every_rule_has_its_section():
    assert set(ROUTABLE_RULES) - ANCHORS == set()


def test_every_link_in_the_product_leads_to_a_section():
    linked = set()
    for package in ("mmwatch", "assets", "pipelines", "cli", "resources"):
        for path in (REPO / package).rglob("*.py"):
            linked |= set(re.findall(r"runbook\.md#([a-z_-]+)", path.read_text(encoding="utf-8")))
    assert linked and linked - ANCHORS == set()
