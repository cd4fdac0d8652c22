"""benchmarks/midnight.py runs the wall-clock test files across a UTC midnight: its list names every
test file that starts the simulator on the wall clock (or says why it is left out), and nothing that
is not there; each file's clock starts its lead before a midnight."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.midnight import NOT_UNDER_FAKETIME, WALL_CLOCK_FILES, fake_start

REPO = Path(__file__).resolve().parents[2]


def test_every_wall_clock_test_file_is_swept_or_said_to_be_left_out():
    needle = "clock=\"wall\""  # written so that this file does not hold it
    wall = {str(path.relative_to(REPO)) for path in (REPO / "tests").rglob("test_*.py") if needle in path.read_text()}
    assert wall, "the search finds the wall-clock tests"
    assert wall - set(WALL_CLOCK_FILES) - set(NOT_UNDER_FAKETIME) == set()
    listed = [*WALL_CLOCK_FILES, *NOT_UNDER_FAKETIME]
    assert [path for path in listed if not (REPO / path).is_file()] == []
    assert not set(WALL_CLOCK_FILES) & set(NOT_UNDER_FAKETIME)


def test_the_clock_starts_its_lead_before_a_midnight():
    for lead_s, expected in ((30, "23:59:30"), (7, "23:59:53"), (90, "23:58:30")):
        start = fake_start(lead_s)
        assert re.fullmatch(r"@\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", start)
        assert start.endswith(expected)
        assert datetime.strptime(start[1:], "%Y-%m-%d %H:%M:%S") > datetime.now(timezone.utc).replace(tzinfo=None)
