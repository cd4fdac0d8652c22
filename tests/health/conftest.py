"""Fixtures of the health tests: the data-engineer route as a real loopback webhook (its config and
the landing rows built by hand are in health_rows.py)."""
from __future__ import annotations

import pytest

from loopback import Receiver


@pytest.fixture
def data_route(monkeypatch):
    """The data engineers' webhook: a real loopback HTTP receiver ($TEST_DATA_HOOK)."""
    receiver = Receiver()
    monkeypatch.setenv("TEST_DATA_HOOK", receiver.url + "/data")
    yield receiver
    receiver.close()
