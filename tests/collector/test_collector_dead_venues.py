"""A dead venue (scenario down window, 5xx mid-run, port closed) leaves the other venues' data
complete and is recorded as fetch_errors (a gap) for the dead one."""
from __future__ import annotations

import polars as pl

from collect_harness import collect_cycles, landed
from mmwatch.config import parse_config
from mmwatch.ports import free_port
from mmwatch.settings import DataDir

KUCOIN = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT"]
BINANCE = ["BTC/USDT", "ETH/USDT"]
OKX = ["BTC/USDT", "BTC/USDT:USDT"]


def _config(**extra) -> object:
    exchanges = {"binance": {"markets": BINANCE, "orderbook_levels": 20},
                 "okx": {"markets": OKX, "orderbook_levels": 20}, **extra}
    return parse_config({"exchanges": exchanges})


def _per_market(frame: pl.DataFrame) -> dict[tuple[str, str], int]:
    return {(e, s): n for e, s, n in frame.group_by("exchange", "symbol").len().iter_rows()} if frame.height else {}


def test_venue_down_at_start_is_a_gap_then_recovers(venues_sim, venues_scenario, tmp_path):
    data_dir = DataDir(tmp_path)
    start = venues_scenario.day_start_ms + 4 * 3_600_000 + 14 * 60_000 + 30_000  # 04:14:30; kucoin down until 04:15
    config = _config(kucoin={"markets": KUCOIN, "orderbook_levels": 20})
    collect_cycles(venues_sim, config, data_dir, start, cycles=5)
    books, errors = landed(data_dir, "orderbooks"), landed(data_dir, "fetch_errors")
    healthy = {("binance", s): 5 for s in BINANCE} | {("okx", s): 5 for s in OKX}
    assert _per_market(books) == healthy | {("kucoin", s): 2 for s in KUCOIN}  # 04:15:00 and 04:15:10
    assert set(errors["exchange"]) == {"kucoin"}
    assert set(errors["error_class"]) == {"ExchangeNotAvailable"}
    assert set(errors["market_type"]) == {"spot"}
    gaps = {(s, d): n for s, d, n in errors.group_by("symbol", "dataset").len().iter_rows()}
    assert gaps == {(s, d): 3 for s in KUCOIN for d in ("orderbooks", "trades")}  # 04:14:30, :40, :50
    assert errors["received_ts"].max() == start + 20_000


def test_venue_answering_5xx_mid_run_is_a_gap(venues_sim, venues_scenario, tmp_path):
    data_dir = DataDir(tmp_path)
    start = venues_scenario.day_start_ms + 2 * 3_600_000

    def outage(index: int, t_ms: int) -> None:  # okx answers 502 during cycles 2 and 3
        venues_sim.set_down("okx", 502 if index in (2, 3) else None)

    try:
        collect_cycles(venues_sim, _config(), data_dir, start, cycles=6, before_cycle=outage)
    finally:
        venues_sim.set_down("okx", None)
    books, errors = landed(data_dir, "orderbooks"), landed(data_dir, "fetch_errors")
    assert _per_market(books) == {("binance", s): 6 for s in BINANCE} | {("okx", s): 4 for s in OKX}
    assert set(errors["exchange"]) == {"okx"} and set(errors["error_class"]) == {"ExchangeNotAvailable"}
    assert sorted(set(errors["received_ts"])) == [start + 20_000, start + 30_000]
    assert errors.height == 2 * len(OKX) * 2  # books and trades of both markets, two cycles
    assert dict(zip(errors["symbol"], errors["market_type"])) == {"BTC/USDT": "spot", "BTC/USDT:USDT": "swap"}


def test_venue_with_its_port_closed_is_a_gap(venues_sim, venues_scenario, tmp_path):
    data_dir = DataDir(tmp_path)
    start = venues_scenario.day_start_ms + 3 * 3_600_000
    dead = {"markets": ["BTC/USDT", "ETH/USDT:USDT"], "simulator_url": f"http://127.0.0.1:{free_port()}"}
    collect_cycles(venues_sim, _config(bybit=dead), data_dir, start, cycles=3)
    books, errors = landed(data_dir, "orderbooks"), landed(data_dir, "fetch_errors")
    assert _per_market(books) == {("binance", s): 3 for s in BINANCE} | {("okx", s): 3 for s in OKX}
    assert set(errors["exchange"]) == {"bybit"} and set(errors["error_class"]) <= {"NetworkError", "ExchangeNotAvailable"}
    assert _per_market(errors) == {("bybit", "BTC/USDT"): 6, ("bybit", "ETH/USDT:USDT"): 6}
    assert dict(zip(errors["symbol"], errors["market_type"])) == {"BTC/USDT": "spot", "ETH/USDT:USDT": "swap"}
