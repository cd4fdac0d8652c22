"""The dual-condition spread rule (spec §6) with polars rolling windows (linear time per market).

Per market, snapshots in time order are cut into segments at every gap > reset_gap_s between
consecutive usable snapshots. A snapshot's z-score compares its spread with the mean and sample
standard deviation of the previous `window_snapshots` usable snapshots of its segment (one-sided
snapshots have no spread and do not count); there is no z-score before `min_snapshots` such spreads.
When the window's spreads are all equal (deviation 0) any wider spread counts as an infinite z.
The rule holds in a minute when one of its snapshots has spread > threshold_bps and z > z_score.
"""
from __future__ import annotations

import duckdb
import polars as pl

KEY = ["exchange", "market_type", "symbol"]
COLUMNS = ["rule", "exchange", "market_type", "symbol", "obligation_id", "mm_name", "minute", "value", "threshold",
           "detail", "need", "crit_need", "holds", "severe"]

_SNAPSHOTS = """
select s.exchange, s.market_type, s.symbol, s.ts, s.minute, s.spread_bps,
    p.dual_spread__threshold_bps as thr, p.dual_spread__z_score as k, p.dual_spread__min_snapshots as min_n,
    p.dual_spread__window_snapshots as window_size, p.dual_spread__reset_gap_s as reset_gap_s
from alert_snaps s join alert_params p using (exchange, market_type, symbol)
where p.dual_spread__enabled
order by s.exchange, s.market_type, s.symbol, s.ts
"""


def _scored(frame: pl.DataFrame, window: int) -> pl.DataFrame:
    frame = frame.with_columns(
        ((pl.col("ts").diff().over(KEY) > pl.col("reset_gap_s") * 1000).fill_null(False).cast(pl.Int32)
         .cum_sum().over(KEY).alias("segment")))
    group = [*KEY, "segment"]
    previous = pl.col("spread_bps").shift(1)
    frame = frame.with_columns(
        previous.rolling_mean(window, min_samples=1).over(group).alias("mean_bps"),
        previous.rolling_std(window, min_samples=2).over(group).alias("sd"),
        previous.is_not_null().cast(pl.Int32).rolling_sum(window, min_samples=1).over(group).fill_null(0).alias("n"))
    z = (pl.when(pl.col("spread_bps").is_null() | (pl.col("n") < pl.col("min_n"))).then(None)
         .when(pl.col("sd") > 1e-9 * pl.col("mean_bps")).then((pl.col("spread_bps") - pl.col("mean_bps")) / pl.col("sd"))
         .when(pl.col("spread_bps") > pl.col("mean_bps")).then(float("inf"))
         .otherwise(0.0))
    return frame.with_columns(z.alias("z"))


def dual_spread_conditions(con: duckdb.DuckDBPyConnection, value_factor: float, duration_factor: float) -> pl.DataFrame:
    """One condition row per market and covered minute (columns as the other rules' SQL)."""
    snapshots = pl.from_arrow(con.sql(_SNAPSHOTS).to_arrow_table())
    if snapshots.height == 0:
        return pl.DataFrame(schema={c: pl.Utf8 for c in COLUMNS})
    scored = pl.concat([_scored(part, int(window)) for (window,), part in snapshots.group_by(["window_size"])])
    fires = (pl.col("spread_bps") > pl.col("thr")) & (pl.col("z") > pl.col("k"))
    severe = (pl.col("spread_bps") >= pl.col("thr") * value_factor) & (pl.col("z") > pl.col("k"))
    return (scored.group_by([*KEY, "minute"])
            .agg(pl.col("spread_bps").filter(fires).max().alias("value"), pl.col("thr").first().alias("threshold"),
                 pl.col("z").filter(fires).max().alias("detail"), fires.fill_null(False).any().alias("holds"),
                 severe.fill_null(False).any().alias("severe"))
            .with_columns(pl.lit("dual_spread").alias("rule"), pl.lit(None, pl.Utf8).alias("obligation_id"),
                          pl.lit(None, pl.Utf8).alias("mm_name"), pl.lit(1).alias("need"),
                          pl.lit(float(-(-5 * duration_factor // 1))).alias("crit_need"))
            .select(COLUMNS))
