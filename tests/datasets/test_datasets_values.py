"""Every data set on every venue that offers it: the real ccxt class against the simulator, through
the Dagster asset, into the lake; values equal the simulator's pure functions at the same instant."""
from __future__ import annotations

import polars as pl
import pytest

from assets.partitions import EXCHANGES
from datasets_runs import materialize, write_config
from lake_reader import metadata, read_table
from mmwatch.collector.venues import SUPPORTED_DATASETS

MINUTE = 60_000


@pytest.fixture(scope="module")
def run(sim, scenario, tmp_path_factory):
    from pipelines.jobs import DATASET_ASSETS

    now = scenario.day_start_ms + 3_600_000 + 1234  # 01:00:01.234
    sim.set_clock(now)
    tmp = tmp_path_factory.mktemp("datasets")
    config = write_config(tmp / "config.yaml", scenario, sim.url)
    result = materialize(DATASET_ASSETS, tmp / "data", config, list(EXCHANGES))
    assert result.success
    return tmp / "data", now, result


def _offering(dataset: str) -> set[tuple[str, str]]:
    return {(v, t) for v, types in SUPPORTED_DATASETS.items() for t, sets in types.items() if dataset in sets}


def _models(world, rows: pl.DataFrame):
    for row in rows.iter_rows(named=True):
        yield row, world.market(row["exchange"], row["symbol"])


def test_tickers(run, world, scenario):
    from simulator.ticker import ticker_stats

    data_dir, now, _ = run
    rows = read_table(data_dir, "raw_tickers")
    assert rows.height == 42 and set(rows["received_ts"]) == {now}
    for row, model in _models(world, rows):
        stats = ticker_stats(model, now)
        assert (row["last"], row["high"], row["low"]) == (stats.last, stats.high, stats.low)
        if row["bid"] is not None:  # KuCoin futures' ticker list carries no touch
            assert (row["bid"], row["ask"]) == (stats.bid, stats.ask)
        # in contracts as the venue counts them, else in base units (COIN-M: its baseVolume, contracts
        # × 100 USD / price, not contracts × contract_size)
        units = stats.base_volume if row["amount_unit"] == "contracts" else stats.volume_in_base
        assert row["base_volume"] == pytest.approx(units, rel=1e-9), row["exchange"]
        assert row["contract_size"] == model.contract_size and row["market_type"] == model.market_type


def test_funding_with_mark_and_index(run, world):
    from simulator.derivatives import funding, index_price, mark_price

    data_dir, now, _ = run
    rows = read_table(data_dir, "raw_funding")
    assert {(r["exchange"], r["market_type"]) for r in rows.iter_rows(named=True)} == _offering("funding")
    for row, model in _models(world, rows):
        state = funding(model, now)
        assert (row["funding_rate"], row["next_funding_ts"]) == (state.rate, state.next_funding_ms)
        assert row["mark_price"] == mark_price(model, now)
        if row["exchange"] != "okx":  # OKX's mark-price endpoint carries no index
            assert row["index_price"] == index_price(model, now)


def test_open_interest_now_and_history(run, world, scenario):
    from simulator.derivatives import open_interest

    data_dir, now, _ = run
    rows = read_table(data_dir, "raw_open_interest")
    assert {(r["exchange"], r["market_type"]) for r in rows.iter_rows(named=True)} == _offering("open_interest")
    history = rows.filter(pl.col("kind") == "history_5m")
    for venue, symbol, n in history.group_by("exchange", "symbol").len().iter_rows():
        assert n == 13, (venue, symbol)  # 00:00, 00:05 .. 01:00
    for row, model in _models(world, rows):
        truth = open_interest(model, row["ts"])
        want = truth.contracts if row["amount_unit"] == "contracts" or model.contract_size == 1 else truth.base
        if row["exchange"] == "binanceusdm" and row["kind"] == "history_5m":
            want = truth.base
        assert row["open_interest_amount"] == want, (row["exchange"], row["kind"])
        if model.inverse:  # the quote value of the contracts (COIN-M sends its value in the base asset)
            assert row["open_interest_value"] == truth.value == want * model.contract_size
        assert scenario.day_start_ms <= row["ts"] <= now


def test_long_short_ratios(run, world):
    from simulator.derivatives import long_short

    data_dir, now, _ = run
    rows = read_table(data_dir, "raw_long_short_ratios")
    assert {(r["exchange"], r["market_type"]) for r in rows.iter_rows(named=True)} == _offering("long_short_ratio")
    for venue in ("binancecoinm", "binanceusdm"):  # /futures/data: global accounts and top traders' positions
        binance = rows.filter(pl.col("exchange") == venue)
        assert set(binance["kind"]) == {"accounts", "top_positions"} and binance["long_share"].null_count() == 0
    for row, model in _models(world, rows):
        truth = long_short(model, row["ts"], row["kind"])
        want = truth.long / truth.short if row["exchange"] == "bybit" else truth.ratio
        assert row["long_short_ratio"] == pytest.approx(want, rel=1e-9)
        if row["long_share"] is not None:
            assert (row["long_share"], row["short_share"]) == (truth.long, truth.short)
        assert row["ts"] % 300_000 == 0 and row["ts"] <= now


def test_binance_coinm_rows_keep_the_venue_units_with_the_contract_size(run, world):
    from simulator.derivatives import mark_price, open_interest

    data_dir, now, _ = run
    units = {}
    for table in ("raw_tickers", "raw_ohlcv_1m", "raw_open_interest"):
        rows = read_table(data_dir, table).filter(pl.col("exchange") == "binancecoinm")
        units[table] = set(rows.select("symbol", "amount_unit", "contract_size").unique().rows())
    assert units == {  # books, trades and open interest in contracts; ccxt's ticker and candle volumes in base
        "raw_tickers": {("BTC/USD:BTC", "base", 100.0), ("ETH/USD:ETH", "base", 10.0)},
        "raw_ohlcv_1m": {("BTC/USD:BTC", "base", 100.0), ("ETH/USD:ETH", "base", 10.0)},
        "raw_open_interest": {("BTC/USD:BTC", "contracts", 100.0), ("ETH/USD:ETH", "contracts", 10.0)}}
    model = world.market("binancecoinm", "BTC/USD:BTC")
    oi = read_table(data_dir, "raw_open_interest").filter(
        (pl.col("exchange") == "binancecoinm") & (pl.col("symbol") == "BTC/USD:BTC") & (pl.col("kind") == "now"))
    row = oi.row(0, named=True)
    assert row["ts"] == now and row["open_interest_amount"] == open_interest(model, now).contracts
    contracts, mark = row["open_interest_amount"], mark_price(model, now)
    assert row["open_interest_value"] == contracts * 100  # USD: 100 a contract
    assert open_interest(model, now).base == round(contracts * 100 / mark, 8)  # ~5,000 BTC at ~97,000
    assert 4_000 < contracts * 100 / mark < 6_000


def test_bitget_fund_flow_and_whale_net_flow(run, world):
    from simulator.flows import fund_flow

    data_dir, now, _ = run
    rows = read_table(data_dir, "raw_fund_flows")
    assert set(rows["exchange"]) == {"bitget"} and set(rows["market_type"]) == {"spot"}
    flows = rows.filter(pl.col("kind") == "fund_flow")
    assert flows.height == 4  # every bitget spot market
    for row, model in _models(world, flows):
        flow = fund_flow(model, now, 900_000)
        for cls in ("whale", "dolphin", "fish"):
            assert (row[f"{cls}_buy_volume"], row[f"{cls}_sell_volume"]) == (flow.buy[cls], flow.sell[cls])
    whales = rows.filter(pl.col("kind") == "whale_net_flow")
    assert set(whales["ts"]) == {(now // 900_000 - k) * 900_000 for k in range(1, 5)}  # completed periods of the day
    for row, model in _models(world, whales):
        period = fund_flow(model, row["ts"] + 900_000 - 1, 900_000)
        assert row["net_flow"] == round(period.buy["whale"] - period.sell["whale"], 2)


def test_gate_contract_stats(run, world):
    from simulator.derivatives import long_short, mark_price, open_interest

    data_dir, _, _ = run
    rows = read_table(data_dir, "raw_contract_stats")
    assert set(rows["exchange"]) == {"gate"} and rows.height == 2 * 13
    for row, model in _models(world, rows):
        oi = open_interest(model, row["ts"])
        assert (row["open_interest"], row["open_interest_usd"], row["mark_price"]) == (
            oi.contracts, oi.value, mark_price(model, row["ts"]))
        assert row["lsr_account"] == long_short(model, row["ts"], "accounts").ratio
        assert row["top_lsr_size"] == long_short(model, row["ts"], "top_positions").ratio


def test_one_minute_candles(run, world):
    from simulator.candles import candle

    data_dir, now, _ = run
    rows = read_table(data_dir, "raw_ohlcv_1m")
    per_market = rows.group_by("exchange", "symbol").len()
    assert per_market.height == 42 and set(per_market["len"]) == {60}  # 00:00 .. 00:59, complete candles only
    for row, model in _models(world, rows.filter(pl.col("ts") % (10 * MINUTE) == 0)):
        want = candle(model, row["ts"], MINUTE, now)
        assert (row["open"], row["high"], row["low"], row["close"]) == (want.open, want.high, want.low, want.close)
        if model.inverse:  # COIN-M's base volume (kline column 7), what ccxt reads for inverse markets
            assert row["amount_unit"] == "base" and row["volume"] == want.base_volume
            continue
        unit = 1 if row["amount_unit"] == "contracts" else model.contract_size
        assert row["volume"] == pytest.approx(want.volume * unit, rel=1e-9), row["exchange"]


def test_venues_without_a_data_set_are_skipped_with_a_note(run):
    _, _, result = run
    notes = metadata(result, "raw_contract_stats")["skipped"]
    assert "binance BTC/USDT: skipped, binance offers no contract_stats for spot markets" in notes
    assert metadata(result, "raw_contract_stats")["fetch_failures"] == []
    funding = metadata(result, "raw_funding")
    assert "kucoin ETH/USDT: skipped, kucoin offers no funding for spot markets" in funding["skipped"]
    assert funding["rows_added"] == 19  # every perpetual of venues.yaml
