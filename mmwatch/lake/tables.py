"""Every landing and lake table, written once.

The polars schemas (`mmwatch.schemas`), the pandera checks run before every lake write
(`mmwatch.lake.validation`), the dbt sources file and the dbt column lists
(`mmwatch.lake.dbt_files`, generated) all come from here; `tests/lake` fails when any of them
drifts. To add a column: add it here, run `.venv/bin/python -m mmwatch.lake.dbt_files --write`,
and read it in the table's staging model (or list it in `not_staged` with the reason).
"""
from __future__ import annotations

import polars as pl

from mmwatch.lake.columns import LEVELS, Column, LakeTable
from mmwatch.venues import MARKET_TYPES

# Reasons a snapshot is invalid (spec §1), in the order the raw rules test them: the first that applies is stored.
INVALID_REASONS = ("bad_price", "bad_amount", "crossed_book")
# A streamed book's unsynchronised interval [from, to) (mmwatch/collector/stream_sync.py) lands as a fetch_errors
# row of the orderbooks data set with this error class, received_ts = to and a message of this shape, which the
# lake checks (mmwatch.lake.validation) and the staging model parses (the pattern is generated into
# dbt/macros/lake_columns.sql as stream_out_of_sync_pattern()); groups: cause, unsynced_ms, from, to.
STREAM_OUT_OF_SYNC = "StreamOutOfSync"
STREAM_OUT_OF_SYNC_MESSAGE = "^cause=([a-z_]+) unsynced_ms=([0-9]+) from=([0-9]+) to=([0-9]+)$"
AMOUNT_UNITS = ("base", "contracts")

_TEXT, _INT, _FLOAT, _BOOL = pl.Utf8, pl.Int64, pl.Float64, pl.Boolean


def _market() -> tuple[Column, ...]:
    return (
        Column("exchange", _TEXT, "ccxt exchange id (also the hive partition `exchange`).", nullable=False),
        Column("market_type", _TEXT, "spot, swap or future.", nullable=False, isin=MARKET_TYPES),
        Column("symbol", _TEXT, "ccxt unified symbol, BASE/QUOTE or BASE/QUOTE:SETTLE (inverse when SETTLE = BASE).",
               nullable=False, min_length=3),
    )


def _contract_size(what: str) -> Column:
    return Column("contract_size", _FLOAT,
                  f"ccxt contractSize of the market: {what} are in contracts of this many base units (linear) or "
                  "quote units (inverse, symbol settled in its base); 1.0 for spot and base-unit venues.",
                  nullable=False, greater_than=0)


# where a landed row came from, and its event time (the lake's partitioning time)
_SOURCE = Column("source", _TEXT, '"collector" or "import:<file name>".', nullable=False)
_EVENT_TS = Column("ts", _INT, "coalesce(exchange_ts, received_ts), ms since epoch; its UTC day is `day`.",
                   nullable=False)


def _reading() -> tuple[Column, ...]:
    """The columns every row of a slower data set starts with."""
    return (*_market(),
            Column("ts", _INT, "The venue's time of the reading (ms since epoch), else received_ts; its UTC day is `day`.",
                   nullable=False),
            Column("received_ts", _INT, "When the response arrived (ms since epoch).", nullable=False))


def _unit(what: str) -> tuple[Column, ...]:
    return (Column("amount_unit", _TEXT, f"'base' or 'contracts': the unit of {what} as ccxt gives them.",
                   isin=AMOUNT_UNITS),
            Column("contract_size", _FLOAT, "ccxt contractSize (base units per contract; quote units for inverse).",
                   greater_than=0))


def _floats(*names_and_meanings: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, _FLOAT, meaning) for name, meaning in names_and_meanings)


RAW_ORDERBOOKS = LakeTable(
    name="raw_orderbooks", dataset="orderbooks", staging_model="stg_lake__orderbook_snapshots",
    description="One order-book snapshot per row, deduplicated by snapshot_id, with its validity (spec §1).",
    landing_width=10,
    columns=(
        *_market(),
        Column("exchange_ts", _INT, "The venue's own timestamp (ms since epoch), NULL when it gives none."),
        Column("received_ts", _INT, "When the response arrived at the collector (ms since epoch).", nullable=False),
        Column("nonce", _INT, "The venue's order-book sequence number, when given."),
        Column("bids", LEVELS, "Bid levels as received (venue units), list<struct<price double, amount double>>.",
               nullable=False),
        Column("asks", LEVELS, "Ask levels as received (venue units), list<struct<price double, amount double>>.",
               nullable=False),
        _SOURCE,
        _contract_size("level amounts"),
        # lake only: derived by the raw asset
        _EVENT_TS,
        Column("snapshot_id", _TEXT, "Hex of a 64-bit hash over market, ts and levels; same id = same snapshot.",
               nullable=False, unique=True),
        Column("is_valid", _BOOL, "Spec §1 validity computed by the raw asset.", nullable=False),
        Column("invalid_reason", _TEXT, "bad_price, bad_amount or crossed_book; NULL when valid.",
               isin=INVALID_REASONS),
    ),
)

RAW_TRADES = LakeTable(
    name="raw_trades", dataset="trades", staging_model="stg_lake__trades",
    description="One public trade per row, unique per market and trade_key.",
    landing_width=11,
    columns=(
        *_market(),
        Column("exchange_ts", _INT, "The venue's time of the trade (ms since epoch), NULL when it gives none."),
        Column("received_ts", _INT, "When the trade was received (ms since epoch).", nullable=False),
        Column("trade_id", _TEXT, "The venue's trade id, when given."),
        Column("price", _FLOAT, "Trade price in quote currency.", nullable=False),
        Column("amount", _FLOAT, "Trade amount in venue units (contracts on contract venues).", nullable=False),
        Column("side", _TEXT, "Taker side, buy or sell; NULL when unknown.", isin=("buy", "sell")),
        _SOURCE,
        _contract_size("amounts"),
        _EVENT_TS,
        Column("trade_key", _TEXT, "trade_id, or a hash of (ts, price, amount, side) when the venue gives no id.",
               nullable=False),
    ),
)

RAW_FETCH_ERRORS = LakeTable(
    name="raw_fetch_errors", dataset="fetch_errors", staging_model="stg_lake__fetch_errors",
    description="One failed fetch per row (never written as an empty book), or one interval a streamed book was "
                f"out of sync ({STREAM_OUT_OF_SYNC}).",
    landing_width=7,
    columns=(
        *_market(),
        Column("dataset", _TEXT, "What was being fetched: orderbooks or trades.", nullable=False,
               isin=("orderbooks", "trades")),
        Column("received_ts", _INT, "When the attempt ended (ms since epoch); its UTC day is `day`.", nullable=False),
        Column("error_class", _TEXT, "ccxt exception class name, e.g. RequestTimeout; mmwatch's own: EmptyResponse, "
                                     f"RefusedAtDoor, {STREAM_OUT_OF_SYNC} (a streamed book out of sync).", nullable=False),
        Column("message", _TEXT, f"The error message, shortened; for {STREAM_OUT_OF_SYNC} 'cause=<cause> "
                                 "unsynced_ms=<n> from=<ms> to=<ms>' (the interval [from, to), to = received_ts)."),
    ),
)

RAW_TICKERS = LakeTable(
    name="raw_tickers", dataset="tickers", staging_model="stg_lake__tickers", keys=("market_type", "symbol", "ts"),
    description="One ticker reading per market and ts (fetch_tickers): last, bid/ask, 24 h stats, mark/index.",
    columns=(*_reading(), *_floats(
        ("last", "Last trade price."), ("bid", "Best bid."), ("ask", "Best ask."), ("open", "24 h open."),
        ("high", "24 h high."), ("low", "24 h low."), ("change", "24 h change (quote)."),
        ("percentage", "24 h change (%)."), ("base_volume", "24 h volume (amount_unit)."),
        ("quote_volume", "24 h volume in quote currency."), ("mark_price", "Mark price (perpetuals)."),
        ("index_price", "Index price (perpetuals).")), *_unit("base_volume")),
)

RAW_FUNDING = LakeTable(
    name="raw_funding", dataset="funding", staging_model="stg_lake__funding", keys=("market_type", "symbol", "ts"),
    description="One funding reading per perpetual and ts: funding_rate, next_funding_ts, funding_interval "
                "(e.g. '8h'), mark and index price.",
    columns=(*_reading(),
             Column("funding_rate", _FLOAT, "Funding rate of the current period (a fraction, not %)."),
             Column("next_funding_ts", _INT, "Next funding time (ms since epoch)."),
             Column("funding_interval", _TEXT, "Funding period, e.g. '8h'."),
             *_floats(("mark_price", "Mark price."), ("index_price", "Index price."))),
)

RAW_OPEN_INTEREST = LakeTable(
    name="raw_open_interest", dataset="open_interest", staging_model="stg_lake__open_interest",
    keys=("market_type", "symbol", "kind", "ts"),
    description="Open interest per market, kind ('now' from fetch_open_interest, 'history_5m') and ts.",
    columns=(*_reading(),
             Column("kind", _TEXT, "'now' (fetch_open_interest) or 'history_5m' (5-minute history)."),
             *_floats(("open_interest_amount", "Open interest (amount_unit)."),
                      ("open_interest_value", "Open interest value in quote currency.")),
             *_unit("open_interest_amount")),
)

RAW_LONG_SHORT_RATIOS = LakeTable(
    name="raw_long_short_ratios", dataset="long_short_ratio", staging_model="stg_lake__long_short_ratios",
    keys=("market_type", "symbol", "kind", "period", "ts"),
    description="Long/short ratio per market, kind ('accounts', 'top_positions'), period and ts.",
    columns=(*_reading(),
             Column("kind", _TEXT, "'accounts' (global accounts) or 'top_positions' (top traders' positions)."),
             Column("period", _TEXT, "Aggregation period, e.g. '5m'."),
             *_floats(("long_short_ratio", "Longs / shorts."), ("long_share", "Share long (0-1)."),
                      ("short_share", "Share short (0-1)."))),
)

RAW_FUND_FLOWS = LakeTable(
    name="raw_fund_flows", dataset="fund_flow", staging_model="stg_lake__fund_flows",
    keys=("market_type", "symbol", "kind", "period", "ts"),
    description="Bitget spot fund flow per market, kind ('fund_flow', 'whale_net_flow'), period and ts; "
                "volumes in quote currency.",
    columns=(*_reading(),
             Column("kind", _TEXT, "'fund_flow' (per trade class, period ending at ts) or 'whale_net_flow' "
                                   "(period from ts)."),
             Column("period", _TEXT, "Aggregation period, e.g. '15m'."),
             *_floats(("whale_buy_volume", "Whale buys (quote)."), ("whale_sell_volume", "Whale sells (quote)."),
                      ("dolphin_buy_volume", "Dolphin buys (quote)."), ("dolphin_sell_volume", "Dolphin sells (quote)."),
                      ("fish_buy_volume", "Fish buys (quote)."), ("fish_sell_volume", "Fish sells (quote)."),
                      ("net_flow", "Net flow (quote)."))),
)

RAW_CONTRACT_STATS = LakeTable(
    name="raw_contract_stats", dataset="contract_stats", staging_model="stg_lake__contract_stats",
    keys=("market_type", "symbol", "interval", "ts"),
    description="Gate contract stats per market, interval and ts: open interest, long/short ratios, liquidations.",
    columns=(*_reading(),
             Column("interval", _TEXT, "Aggregation interval, e.g. '5m'."),
             *_floats(("open_interest", "Open interest (contracts)."), ("open_interest_usd", "Open interest (USD)."),
                      ("mark_price", "Mark price."), ("lsr_taker", "Taker long/short ratio."),
                      ("lsr_account", "Account long/short ratio."), ("top_lsr_account", "Top traders' account ratio."),
                      ("top_lsr_size", "Top traders' size ratio."), ("long_liq_size", "Long liquidations (contracts)."),
                      ("long_liq_usd", "Long liquidations (USD)."),
                      ("short_liq_size", "Short liquidations (contracts)."),
                      ("short_liq_usd", "Short liquidations (USD).")),
             Column("contract_size", _FLOAT, "ccxt contractSize (base units per contract; quote units for inverse).",
                    greater_than=0)),
)

RAW_OHLCV_1M = LakeTable(
    name="raw_ohlcv_1m", dataset="ohlcv", staging_model="stg_lake__ohlcv_1m", keys=("market_type", "symbol", "ts"),
    description="The venues' own complete 1-minute candles per market and ts (candle start).",
    columns=(*_reading(), *_floats(("open", "Open."), ("high", "High."), ("low", "Low."), ("close", "Close."),
                                   ("volume", "Volume (amount_unit).")), *_unit("volume")),
)

RAW_TABLES: tuple[LakeTable, ...] = (RAW_ORDERBOOKS, RAW_TRADES, RAW_FETCH_ERRORS)
DATASET_LAKE_TABLES: tuple[LakeTable, ...] = (
    RAW_TICKERS, RAW_FUNDING, RAW_OPEN_INTEREST, RAW_LONG_SHORT_RATIOS, RAW_FUND_FLOWS, RAW_CONTRACT_STATS, RAW_OHLCV_1M,
)
LAKE: dict[str, LakeTable] = {table.name: table for table in (*RAW_TABLES, *DATASET_LAKE_TABLES)}
