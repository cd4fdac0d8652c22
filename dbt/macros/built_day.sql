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
  pre_hook of the day-partitioned incremental models: delete exactly the built day (all
  rows when `day` is unset) before inserting it again, so a day whose lake data shrank or
  vanished keeps no stale rows. delete+insert alone would only delete the days that still
  have rows in the new batch.
-#}
{%- macro delete_built_day(appendable=false) -%}
  {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) if execute else none -%}
  {%- if appendable and appending_new_snapshots(this.identifier) -%}
    select 1 as kept_for_appending
  {%- elif existing is not none and not flags.FULL_REFRESH -%}
    delete from {{ this }} where {{ day_filter() }}
  {%- else -%}
    select 1 as nothing_to_delete
  {%- endif -%}
{%- endmacro -%}

{#-
  The configuration of every day-partitioned incremental model: rebuilding a day deletes
  exactly that day first (delete_built_day) and inserts it again. An `appendable` model may
  instead keep the day's rows in intraday runs (appending_new_snapshots).
-#}
{%- macro day_partitioned_incremental(appendable=false) -%}
  {{ config(
      materialized='incremental',
      incremental_strategy='delete+insert',
      unique_key='day',
      on_schema_change='sync_all_columns',
      pre_hook="{{ delete_built_day(appendable=" ~ appendable ~ ") }}"
  ) }}
{%- endmacro -%}

{#-
  True in an intraday run (MMWATCH_DBT_APPEND=1 in the environment, read only when models
  execute) of a built day whose model table `identifier` already exists: the day's rows are
  kept and only snapshots not yet in it are computed, so the run costs what is new, not the
  whole day so far. The day-close build (daily_marts_job) recomputes the whole day, so what a
  kept row could not know when it was built (a USD reference snapshot that landed later) is
  settled there. Never for a full refresh or a build of every day.
-#}
{%- macro appending_new_snapshots(identifier) -%}
  {%- if not execute or built_day() is none or flags.FULL_REFRESH
        or env_var('MMWATCH_DBT_APPEND', '') != '1' -%}
    {{ return(false) }}
  {%- endif -%}
  {{ return(adapter.get_relation(this.database, this.schema, identifier) is not none) }}
{%- endmacro -%}

{#-
  In an appending run, a predicate (`and ...`) keeping the snapshots of the built day that the
  model table `identifier` does not hold yet; empty otherwise. The earliest ts among them is
  looked up first on the narrow columns (~0.3 s for 1.7 M snapshots) and added as a constant,
  which the lake scan can use to skip the row groups before it (their level lists are what
  costs); the anti-join alone would be applied only after every row's lists were read.
-#}
{%- macro not_yet_in(identifier) -%}
  {%- if appending_new_snapshots(identifier) -%}
    {%- set held -%}
      snapshot_id not in (select snapshot_id from {{ adapter.get_relation(this.database, this.schema, identifier) }}
                          where {{ day_filter() }})
    {%- endset -%}
    {%- set first_new_ts = run_query("select min(ts) from " ~ ref('stg_lake__orderbook_snapshots')
          ~ " where is_valid and " ~ day_filter() ~ " and " ~ held).columns[0].values()[0] -%}
    {%- if first_new_ts is none -%}
      and false
    {%- else -%}
      and ts >= {{ first_new_ts }} and {{ held }}
    {%- endif -%}
  {%- endif -%}
{%- endmacro -%}
