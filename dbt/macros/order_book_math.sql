{#- Spec §2 order-book math on level lists (list<struct<price, amount>>), one row per snapshot. -#}

{#- The depth bands stored for every snapshot (bps). -#}
{%- macro standard_bands() -%}
  {{ return([10, 50, 100, 200]) }}
{%- endmacro -%}

{#- Lowest price a bid may have (side='bid') or highest an ask may have (side='ask') to be inside the band. -#}
{%- macro band_bound(side, mid, band_bps) -%}
  ({{ mid }} * (1 {{ '-' if side == 'bid' else '+' }} {{ band_bps }} / 10000.0))
{%- endmacro -%}

{#- Σ price × amount over the side's levels inside the band (bounds inclusive); 0 when none, NULL without mid. -#}
{%- macro band_depth_quote(levels, side, mid, band_bps) -%}
  case when {{ mid }} is not null then coalesce(list_sum(list_transform(
      list_filter({{ levels }}, lambda level: level.price {{ '>=' if side == 'bid' else '<=' }} {{ band_bound(side, mid, band_bps) }}),
      lambda level: level.price * level.amount)), 0.0) end
{%- endmacro -%}

{#-
  True when the fetched side's deepest level is still inside the band (the book may go
  deeper than fetched, so the depth is a lower bound). NULL without mid.
-#}
{%- macro band_depth_truncated(levels, side, mid, band_bps) -%}
  {%- if side == 'bid' -%}
    (list_min(list_transform({{ levels }}, lambda level: level.price)) >= {{ band_bound('bid', mid, band_bps) }})
  {%- else -%}
    (list_max(list_transform({{ levels }}, lambda level: level.price)) <= {{ band_bound('ask', mid, band_bps) }})
  {%- endif -%}
{%- endmacro -%}

{#- (bid − ask) / (bid + ask); NULL when both are 0 or undefined. -#}
{%- macro imbalance(depth_bid, depth_ask) -%}
  (({{ depth_bid }}) - ({{ depth_ask }})) / nullif(({{ depth_bid }}) + ({{ depth_ask }}), 0)
{%- endmacro -%}
