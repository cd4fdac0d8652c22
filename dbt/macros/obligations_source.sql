{#-
  The obligations table: the seed mm_obligations, or the CSV named by the dbt var
  `obligations_csv` when it is set (tests), else, when models execute, by the environment
  variable MMWATCH_OBLIGATIONS_CSV (how Dagster passes it: see built_day for why not a var).
  The seed is referenced either way so the DAG, and so the manifest Dagster loads, do not
  depend on either.

  Every Dagster build (mmwatch build, the demo, schedules, sensors) passes the copy that
  mmwatch.obligations wrote after checking the analyst's file (or the seed): every column of
  spec §3 plus alert_after_s, defaults filled. The columns are still read BY HEADER NAME
  (`types` maps names, not positions), not by a fixed positional list: a CSV given straight to
  dbt by the var or the environment variable is then never misread when its columns come in
  another order, and one lacking a column stops with DuckDB's error naming that column.
  Check such a file first with `mmwatch obligations check FILE`.
-#}
{%- macro obligations_source() -%}
  {%- set seed_relation = ref('mm_obligations') -%}
  {%- set csv_path = var('obligations_csv', '') -%}
  {%- if not csv_path and execute -%}
    {%- set csv_path = env_var('MMWATCH_OBLIGATIONS_CSV', '') -%}
  {%- endif -%}
  {%- if not csv_path -%}
    {{ seed_relation }}
  {%- else -%}
    {%- if execute -%}
      {%- set found = run_query("select count(*) from glob('" ~ csv_path ~ "')").columns[0].values()[0] -%}
      {%- if found == 0 -%}
        {{ exceptions.raise_compiler_error(
            "dbt var obligations_csv (or MMWATCH_OBLIGATIONS_CSV)=" ~ csv_path ~ " names no file (paths are relative to the dbt/ "
            ~ "directory): give an existing CSV with the columns of seeds/mm_obligations.csv, or unset the var") }}
      {%- endif -%}
    {%- endif -%}
    read_csv('{{ csv_path }}', header = true, delim = ',', quote = '"', escape = '"',
      types = {
        'obligation_id': 'VARCHAR', 'mm_name': 'VARCHAR', 'exchange': 'VARCHAR',
        'market_type': 'VARCHAR', 'symbol': 'VARCHAR', 'valid_from': 'DATE', 'valid_to': 'DATE',
        'max_spread_bps': 'DOUBLE', 'depth_band_bps': 'DOUBLE', 'min_depth_usd': 'DOUBLE',
        'min_uptime_pct': 'DOUBLE', 'min_coverage_pct': 'DOUBLE', 'min_days_pct': 'DOUBLE',
        'alert_after_s': 'DOUBLE'})
  {%- endif -%}
{%- endmacro -%}
