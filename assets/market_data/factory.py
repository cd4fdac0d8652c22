"""One factory for the slower data-set assets (tickers, funding, open interest, long/short ratios,
fund flows, contract stats, 1 m candles): day x exchange partitions, fetched through
MarketDataResource, merged idempotently into the lake (mmwatch/lake/dataset_merge.py).

A venue that is not configured, does not want the data set, or does not offer it for a market is
skipped with a note in the asset metadata, never an error. A fetch that still fails after the
resource's retries is listed under `fetch_failures` and the other venues go on.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable

import dagster as dg
import polars as pl

from assets.freshness import freshness_of
from assets.partitions import day_exchange_partitions, split_key
from assets.raw.lake_check import lake_schema_check, lake_schema_result, selected
from mmwatch.collector.market_data import Window
from mmwatch.collector.venues import supports
from mmwatch.errors import MmwatchError
from mmwatch.lake.dataset_merge import merge_partition, stored
from mmwatch.lake.validation import LakeSchemaError
from mmwatch.schemas import DATASET_TABLES
from resources.data_dir import DataDirResource
from resources.market_data import MarketDataResource

Fetch = Callable[..., list[dict]]  # (exchange, markets, window) -> lake rows


@dataclass(frozen=True)
class DatasetSpec:
    """How one data set is fetched: `fetchers` are (function, venues it applies to or None for all)."""

    dataset: str
    fetchers: tuple[tuple[Fetch, frozenset[str] | None], ...]
    description: str
    kind_column: str | None = None  # the column that separates series of a market (history resumes per kind)
    kind_constant: str = ""  # the kind when there is no such column
    batch: bool = False  # one request for all markets of a venue (tickers)
    group_name: str = "market_data"


@dataclass
class _Report:
    rows: dict[str, int] = field(default_factory=dict)
    new_rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    schema_failures: dict[str, str] = field(default_factory=dict)  # partition -> what broke the lake schema


def day_start_ms(day: str) -> int:
    """00:00 UTC of `day` (YYYY-MM-DD), epoch ms."""
    d = date.fromisoformat(day)
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp() * 1000)


def _last_readings(old: pl.DataFrame, spec: DatasetSpec) -> dict[tuple[str, str], int]:
    if old.is_empty():
        return {}
    kind = pl.col(spec.kind_column) if spec.kind_column else pl.lit(spec.kind_constant)
    latest = old.group_by(pl.col("symbol"), kind.alias("kind")).agg(pl.col("ts").max())
    return {(symbol, k): ts for symbol, k, ts in latest.iter_rows()}


def _fetch_partition(spec: DatasetSpec, market_data: MarketDataResource, exchange: str, window: Window,
                     report: _Report) -> list[dict] | None:
    import ccxt  # on use: every run process loads this module, ccxt alone costs ~0.4 s to import
    config = market_data.collection_config()
    if exchange not in config.exchanges:
        report.notes.append(f"{exchange}: skipped, not in the collection config")
        return None
    if not config.exchanges[exchange].wants(spec.dataset):
        report.notes.append(f"{exchange}: skipped, its config does not list {spec.dataset}")
        return None
    try:
        markets = market_data.markets(exchange)
    except (ccxt.BaseError, MmwatchError) as exc:
        report.failures.append(f"{exchange}: markets did not load: {type(exc).__name__}: {str(exc)[:200]}")
        return None
    offered = [m for m in markets if supports(exchange, m.market_type, spec.dataset)]
    for market in markets:
        if market not in offered:
            report.notes.append(f"{exchange} {market.symbol}: skipped, {exchange} offers no {spec.dataset} "
                                f"for {market.market_type} markets")
    rows: list[dict] = []
    for fetch, venues in spec.fetchers:
        if not offered or (venues is not None and exchange not in venues):
            continue
        for group in ([offered] if spec.batch else [[m] for m in offered]):
            try:
                rows += market_data.call(fetch, market_data.exchange(exchange), group, window)
            except ccxt.BaseError as exc:  # after the resource's retries: recorded, the others go on
                symbols = ", ".join(m.symbol for m in group)
                report.failures.append(f"{exchange} {symbols}: {fetch.__name__}: {type(exc).__name__}: {str(exc)[:200]}")
    return [r for r in rows if window.day_start_ms <= r["ts"] < window.day_end_ms]


def build_dataset_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    """The Dagster asset that fetches `spec.dataset` for a range of day x exchange partitions, with the
    lake-schema check (a partition whose merged rows break the schema keeps its previous rows)."""
    table, schema, keys = DATASET_TABLES[spec.dataset]

    @dg.asset(name=table, description=spec.description, partitions_def=day_exchange_partitions,
              backfill_policy=dg.BackfillPolicy.single_run(), group_name=spec.group_name,
              kinds={"ccxt", "parquet"}, check_specs=[lake_schema_check(table)], freshness_policy=freshness_of([table]))
    def dataset_asset(context: dg.AssetExecutionContext, data_dir: DataDirResource,
                      market_data: MarketDataResource) -> dg.MaterializeResult:
        layout = data_dir.data_dir
        report = _Report()
        clock = market_data.clock()
        for day, exchange in (split_key(key) for key in context.partition_keys):
            old = stored(layout, table, schema, day, exchange)
            window = Window(day_start_ms(day), clock, _last_readings(old, spec))
            rows = _fetch_partition(spec, market_data, exchange, window, report)
            if rows is None:
                continue
            try:
                outcome = merge_partition(layout, table, schema, keys, day, exchange, rows)
            except LakeSchemaError as error:
                report.schema_failures[f"{day}|{exchange}"] = str(error)
                context.log.error(f"{table} {day}|{exchange} not written: {error}")
                continue
            report.rows[f"{day}|{exchange}"] = outcome.rows_total
            report.new_rows[f"{day}|{exchange}"] = outcome.rows_new
            if outcome.path:
                report.paths.append(outcome.path)
            context.log.info(f"{table} {day}|{exchange}: {outcome.rows_fetched} fetched, {outcome.rows_new} new, "
                             f"{outcome.rows_total} in the partition")
        for failure in report.failures:
            context.log.warning(failure)
        if report.schema_failures and not selected(context, table):  # no check to report it
            raise LakeSchemaError("\n".join(report.schema_failures.values()))
        checks = [lake_schema_result(table, list(context.partition_keys), report.schema_failures)]
        return dg.MaterializeResult(check_results=checks if selected(context, table) else [], metadata={
            "rows_in_partitions": dg.MetadataValue.json(report.rows),
            "new_rows": dg.MetadataValue.json(report.new_rows),
            "rows_added": sum(report.new_rows.values()),
            "skipped": dg.MetadataValue.json(report.notes),
            "fetch_failures": dg.MetadataValue.json(report.failures),
            "files": dg.MetadataValue.json(report.paths),
            "lake_table": str(layout.lake_dir(table)),
        })

    return dataset_asset
