{#-
  The liquidity aggregates of fct_liquidity_minute and fct_liquidity_daily over usable
  snapshots of fct_orderbook_snapshot_metrics (one group = one market and one period).
  Means are taken in ts order (a fixed order keeps the doubles identical between builds);
  quantiles are interpolated (quantile_cont). NULL inputs (one-sided snapshots, missing
  USD rate, insufficient depth) are ignored by every aggregate.
-#}
{%- macro liquidity_aggregates() -%}
        count(*) as usable_snapshots,
        count(*) filter (where is_two_sided) as two_sided_snapshots,
        avg(spread_bps order by ts, snapshot_id) as mean_spread_bps,
        quantile_cont(spread_bps, 0.5) as median_spread_bps,
        quantile_cont(spread_bps, 0.95) as p95_spread_bps,
        {%- for band in standard_bands() %}
        {%- for side in ['bid', 'ask'] %}
        avg(depth_{{ side }}_usd_{{ band }} order by ts, snapshot_id) as mean_depth_{{ side }}_usd_{{ band }},
        quantile_cont(depth_{{ side }}_usd_{{ band }}, 0.05) as p5_depth_{{ side }}_usd_{{ band }},
        {%- endfor %}
        avg(imbalance_{{ band }} order by ts, snapshot_id) as mean_imbalance_{{ band }},
        {%- endfor %}
        {%- for size in standard_order_sizes_usd() %}
        {%- for side in ['buy', 'sell'] %}
        avg(slippage_{{ side }}_bps_{{ size }} order by ts, snapshot_id) as mean_slippage_{{ side }}_bps_{{ size }},
        count(*) filter (where insufficient_depth_{{ side }}_{{ size }}) as insufficient_depth_{{ side }}_{{ size }}_snapshots,
        {%- endfor %}
        {%- endfor %}
        count(*) filter (where usd_rate is null) as usd_rate_missing_snapshots
{%- endmacro -%}
