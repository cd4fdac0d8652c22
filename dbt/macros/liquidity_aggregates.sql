{#-
  The liquidity aggregates of fct_liquidity_minute and fct_liquidity_daily over usable
  snapshots of fct_orderbook_snapshot_metrics (one group = one market and one period).
  Means are compensated sums over counts (exact_mean), so they do not depend on the order in
  which parallel threads add the rows (an ordered avg(... order by ts) did the same at 6x the
  cost); quantiles are interpolated (quantile_cont). NULL inputs (one-sided snapshots, missing
  USD rate, insufficient depth) are ignored by every aggregate.
-#}
{%- macro liquidity_aggregates() -%}
        count(*) as usable_snapshots,
        count(*) filter (where is_two_sided) as two_sided_snapshots,
        {{ exact_mean('spread_bps') }} as mean_spread_bps,
        quantile_cont(spread_bps, 0.5) as median_spread_bps,
        quantile_cont(spread_bps, 0.95) as p95_spread_bps,
        {%- for band in standard_bands() %}
        {%- for side in ['bid', 'ask'] %}
        {{ exact_mean('depth_' ~ side ~ '_usd_' ~ band) }} as mean_depth_{{ side }}_usd_{{ band }},
        quantile_cont(depth_{{ side }}_usd_{{ band }}, 0.05) as p5_depth_{{ side }}_usd_{{ band }},
        {%- endfor %}
        {{ exact_mean('imbalance_' ~ band) }} as mean_imbalance_{{ band }},
        {%- endfor %}
        {%- for size in standard_order_sizes_usd() %}
        {%- for side in ['buy', 'sell'] %}
        {{ exact_mean('slippage_' ~ side ~ '_bps_' ~ size) }} as mean_slippage_{{ side }}_bps_{{ size }},
        count(*) filter (where insufficient_depth_{{ side }}_{{ size }}) as insufficient_depth_{{ side }}_{{ size }}_snapshots,
        {%- endfor %}
        {%- endfor %}
        count(*) filter (where usd_rate is null) as usd_rate_missing_snapshots
{%- endmacro -%}

{#-
  Mean of the non-NULL values of `column` with a compensated (Kahan-Babuska) sum, NULL when
  none. The compensated sum can still differ in the last bit with the order the rows arrive in
  (seen: a rebuild of the same day differed by 1 ulp); with `order_by` the values are summed in
  that order (an ordered aggregate: a sort per group), so a rebuild gives the same double.
-#}
{%- macro exact_mean(column, order_by=none) -%}
  (fsum({{ column }}{{ ' order by ' ~ order_by if order_by }}) / nullif(count({{ column }}), 0))
{%- endmacro -%}
