{#-
  The UTC day being built ('YYYY-MM-DD'): the dbt var `day`, else (when models execute) the
  environment variable MMWATCH_DBT_DAY, else none (build every day). Dagster passes the day in
  the environment: a var that changes from run to run makes dbt re-parse the whole project
  (seconds of CPU per run), and an env var read only at execution is not part of the saved
  parse state.
-#}
{%- macro built_day() -%}
  {%- set day = (var('day', '') or '') | string | trim -%}
  {%- if (not day or day == 'None') and execute -%}
    {%- set day = env_var('MMWATCH_DBT_DAY', '') | trim -%}
  {%- endif -%}
  {%- if not day or day == 'None' -%}
    {{ return(none) }}
  {%- endif -%}
  {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', day) -%}
    {{ exceptions.raise_compiler_error(
        "dbt var day (or MMWATCH_DBT_DAY)=" ~ day ~ " is not a UTC day: pass it as YYYY-MM-DD (e.g. --vars '{day: 2025-11-21}') or leave it unset to build every day") }}
  {%- endif -%}
  {{ return(day) }}
{%- endmacro -%}

{#-
  A predicate keeping the rows of the built day (true when `day` is unset). Written on
  the hive `day` column so DuckDB prunes the other days' files. With lookback_ms, rows of
  the previous day whose `ts_column` is at most that long before midnight are kept too
  (the USD-rate lookup reads the last 60 s of the previous day).
-#}
{%- macro day_filter(day_column='day', lookback_ms=0, ts_column='ts') -%}
  {%- set day = built_day() -%}
  {%- if day is none -%}
    true
  {%- elif lookback_ms -%}
    ({{ day_column }} between date '{{ day }}' - interval 1 day and date '{{ day }}'
     and {{ ts_column }} >= epoch_ms(date '{{ day }}') - {{ lookback_ms }})
  {%- else -%}
    {{ day_column }} = date '{{ day }}'
  {%- endif -%}
{%- endmacro -%}

{#-
  The configuration of every day-partitioned table: a refresh deletes the rows it rewrites
  (delete_refresh_window: the whole built day in a day build, only the rows at or after the
  refresh start in an appending run) and inserts them again (incremental strategy `append`: the
  pre_hook already deleted exactly what is rewritten, including rows whose input vanished, which a
  delete+insert on a key would miss), then logs the refresh (log_refresh); both in one transaction
  (macros/refresh_window.sql). `column` (bigint ms, or a timestamp when `timestamp`) and `grain`
  ('ms', 'minute', 'hour') say which rows a refresh from a given ts rewrites; a day-level rollup
  (column none) rewrites its whole day whenever an input changed. `deletes` names another pre_hook
  macro (same arguments) for a model whose kept rows are not a time range (fct_mm_breach_episodes).
  `lookback_ms`: an appending refresh rewrites the rows from that long before its (floored) start,
  for a model whose rows near the start depend on the rows after them (fct_book_levels: where a
  breach episode ends).
-#}
{%- macro day_partitioned_incremental(column='ts', grain='ms', timestamp=false, deletes='delete_refresh_window',
                                      lookback_ms=0) -%}
  {%- set extra = (", lookback_ms=" ~ lookback_ms) if lookback_ms else "" -%}
  {%- set arguments = "'" ~ column ~ "', '" ~ grain ~ "', " ~ timestamp ~ extra if column else "none" -%}
  {{ config(
      materialized='incremental',
      incremental_strategy='append',
      on_schema_change='sync_all_columns',
      pre_hook="{{ " ~ deletes ~ "(" ~ arguments ~ ") }}",
      post_hook="{{ log_refresh(" ~ ("'" ~ column ~ "', '" ~ grain ~ "'" ~ extra if column else "none") ~ ") }}"
  ) }}
{%- endmacro -%}
