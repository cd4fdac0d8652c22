{#-
  Column types of the slower data sets' lake tables (mmwatch.schemas.DATASET_TABLES), for
  the empty relation of `lake_table` while a table has no file yet.
-#}
{%- macro dataset_lake_columns() -%}
  {%- set reading = [("exchange", "varchar"), ("market_type", "varchar"), ("symbol", "varchar"),
                     ("ts", "bigint"), ("received_ts", "bigint")] -%}
  {%- set day = [("day", "date")] -%}
  {%- set columns = {
      "raw_tickers": reading + [
          ("last", "double"), ("bid", "double"), ("ask", "double"), ("open", "double"),
          ("high", "double"), ("low", "double"), ("change", "double"), ("percentage", "double"),
          ("base_volume", "double"), ("quote_volume", "double"), ("mark_price", "double"),
          ("index_price", "double"), ("amount_unit", "varchar"), ("contract_size", "double")] + day,
      "raw_funding": reading + [
          ("funding_rate", "double"), ("next_funding_ts", "bigint"), ("funding_interval", "varchar"),
          ("mark_price", "double"), ("index_price", "double")] + day,
      "raw_open_interest": reading + [
          ("kind", "varchar"), ("open_interest_amount", "double"), ("open_interest_value", "double"),
          ("amount_unit", "varchar"), ("contract_size", "double")] + day,
      "raw_long_short_ratios": reading + [
          ("kind", "varchar"), ("period", "varchar"), ("long_short_ratio", "double"),
          ("long_share", "double"), ("short_share", "double")] + day,
      "raw_fund_flows": reading + [
          ("kind", "varchar"), ("period", "varchar"), ("whale_buy_volume", "double"),
          ("whale_sell_volume", "double"), ("dolphin_buy_volume", "double"),
          ("dolphin_sell_volume", "double"), ("fish_buy_volume", "double"),
          ("fish_sell_volume", "double"), ("net_flow", "double")] + day,
      "raw_contract_stats": reading + [
          ("interval", "varchar"), ("open_interest", "double"), ("open_interest_usd", "double"),
          ("mark_price", "double"), ("lsr_taker", "double"), ("lsr_account", "double"),
          ("top_lsr_account", "double"), ("top_lsr_size", "double"), ("long_liq_size", "double"),
          ("long_liq_usd", "double"), ("short_liq_size", "double"), ("short_liq_usd", "double"),
          ("contract_size", "double")] + day,
      "raw_ohlcv_1m": reading + [
          ("open", "double"), ("high", "double"), ("low", "double"), ("close", "double"),
          ("volume", "double"), ("amount_unit", "varchar"), ("contract_size", "double")] + day,
  } -%}
  {{ return(columns) }}
{%- endmacro -%}
