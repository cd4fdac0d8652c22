{#-
  Intraday refreshes that cost what is new (issue 13; docs/marts.md, "Refreshes").

  Every day-partitioned table of the project writes, in the same transaction as its rows, one line
  into the refresh log `_mart_refreshes` (model, day, refreshed_at = dbt's run_started_at, from_ts =
  the earliest ts it rewrote, NULL for the whole day, fingerprint = its code and inputs). The
  staging view of each lake table registers the table's files first (register_lake_files: the file
  list `_lake_files`) and writes one line named after the table (raw_orderbooks, ...) when its files
  changed, from_ts = the earliest ts of a new or removed row.

  In an appending run (MMWATCH_DBT_APPEND=1, a built day, the model's table and its log line for
  the day present, the same fingerprint), a model compares the log lines of its inputs (the lake
  tables and tables it reads, through ephemeral models and views) written after its own last line:
    none of them             -> kind 'none': nothing to do (no row deleted, none inserted);
    one with from_ts NULL    -> kind 'day': the whole day, as in a day build;
    else                     -> kind 'from', from_ts = the earliest: the model deletes and inserts
                                its rows at or after from_ts (floored to its grain: the minute of a
                                minute mart) and keeps the rest.
  Every other run is kind 'day'. A model only ever rewrites a time range that its inputs rewrote,
  so the rows it keeps are the rows a whole-day rebuild would give (each model's yml says why its
  rows before from_ts cannot change).
-#}

{%- macro refresh_log() -%}
  {{ this.database }}.main._mart_refreshes
{%- endmacro -%}

{#- on-run-start: the refresh log and the lake's file list, created once. -#}
{%- macro create_refresh_log() -%}
  create table if not exists {{ target.database }}.main._mart_refreshes (
      model varchar not null,
      day date,
      refreshed_at timestamp not null,
      from_ts bigint,
      fingerprint varchar
  );
  create table if not exists {{ target.database }}.main._lake_files (
      lake_table varchar not null,
      day date not null,
      exchange varchar not null,
      file varchar not null,
      file_size bigint not null,
      modified_at timestamptz not null,
      row_count bigint,
      min_ts bigint,
      max_ts bigint,
      max_received_ts bigint,
      registered_at timestamp not null
  )
{%- endmacro -%}

{#- on-run-end: log lines of days a week before the built day are of no use (a refresh compares
    only the lines written after its own last one for its day). -#}
{%- macro prune_refresh_log() -%}
  {%- if built_day() is not none -%}
    delete from {{ target.database }}.main._mart_refreshes
    where day < date '{{ built_day() }}' - interval 7 day
  {%- else -%}
    select 1 as nothing_to_prune
  {%- endif -%}
{%- endmacro -%}

{#- The log names of what `unique_id` reads: lake tables (sources) and tables, through views and
    ephemeral models; seeds are not inputs (they are in the fingerprint). -#}
{%- macro refresh_inputs(unique_id, found=none) -%}
  {%- set found = {} if found is none else found -%}
  {%- set node = graph.nodes.get(unique_id) -%}
  {%- for parent in node.depends_on.get('nodes', []) -%}
    {%- if parent.startswith('source.') -%}
      {%- do found.update({graph.sources[parent].name: true}) -%}
    {%- elif parent.startswith('model.') -%}
      {%- set upstream = graph.nodes[parent] -%}
      {%- if upstream.config.materialized in ('view', 'ephemeral') -%}
        {%- do refresh_inputs(parent, found) -%}
      {%- else -%}
        {%- do found.update({upstream.name: true}) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(found.keys() | sort) }}
{%- endmacro -%}

{#- The checksums of `unique_id` and of every model and seed upstream of it. -#}
{%- macro upstream_checksums(unique_id, found) -%}
  {%- if unique_id not in found -%}
    {%- set node = graph.nodes.get(unique_id) -%}
    {%- if node is not none -%}
      {%- do found.update({unique_id: node.checksum.checksum}) -%}
      {%- for parent in node.depends_on.get('nodes', []) -%}
        {%- do upstream_checksums(parent, found) -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
{%- endmacro -%}

{#- What a model's rows depend on besides the data: its code, the code of every model and seed it
    reads (checksums), and the obligations file. A different fingerprint means a kept row may be
    stale, so the day is rebuilt. -#}
{%- macro refresh_fingerprint(unique_id) -%}
  {%- set found = {} -%}
  {%- do upstream_checksums(unique_id, found) -%}
  {%- set parts = [] -%}
  {%- for key in found.keys() | sort -%}{%- do parts.append(key ~ '=' ~ found[key]) -%}{%- endfor -%}
  {%- do parts.append('obligations=' ~ (var('obligations_csv', '') or env_var('MMWATCH_OBLIGATIONS_CSV', ''))) -%}
  {{ return(local_md5(parts | join(';'))) }}
{%- endmacro -%}

{#-
  The refresh of the model `of` (default: the current one; an ephemeral model names the table it
  is compiled into): {'kind': 'day' | 'none' | 'from', 'from_ts': ms or none}.
-#}
{%- macro refresh_window(of=none) -%}
  {%- set whole_day = {'kind': 'day', 'from_ts': none} -%}
  {%- if not execute or built_day() is none or flags.FULL_REFRESH or env_var('MMWATCH_DBT_APPEND', '') != '1' -%}
    {{ return(whole_day) }}
  {%- endif -%}
  {%- set identifier = of or this.identifier -%}
  {#- a model asks for its window several times (its SQL, its ephemeral inputs, both hooks), always
      before its own log line is written: the answer is kept for the invocation (in the graph
      dict, the one object every node of an invocation shares) -#}
  {%- set cache = graph.setdefault('mmwatch_refresh_windows', {}) -%}
  {%- set key = identifier ~ '|' ~ built_day() ~ '|' ~ run_started_at -%}
  {%- if key not in cache -%}
    {%- do cache.update({key: refresh_window_now(identifier)}) -%}
  {%- endif -%}
  {{ return(cache[key]) }}
{%- endmacro -%}

{%- macro refresh_window_now(identifier) -%}
  {%- set whole_day = {'kind': 'day', 'from_ts': none} -%}
  {%- set unique_id = 'model.' ~ project_name ~ '.' ~ identifier -%}
  {%- if adapter.get_relation(this.database, this.schema, identifier) is none -%}
    {{ return(whole_day) }}
  {%- endif -%}
  {%- set day_lines = "(day = date '" ~ built_day() ~ "' or day is null)" -%}
  {#- its own last line, and its inputs' lines written after it -#}
  {%- set found = run_query(
        "with own as (select max(refreshed_at) as at, arg_max(fingerprint, refreshed_at) as fingerprint from "
        ~ refresh_log() ~ " where model = '" ~ identifier ~ "' and " ~ day_lines ~ ") "
        ~ "select own.at::varchar, own.fingerprint, count(line.model), "
        ~ "count(line.model) filter (where line.from_ts is null), min(line.from_ts) "
        ~ "from own left join " ~ refresh_log() ~ " as line on line.model in ('"
        ~ refresh_inputs(unique_id) | join("', '") ~ "') and (line.day = date '" ~ built_day()
        ~ "' or line.day is null) and line.refreshed_at > own.at group by all").rows[0] -%}
  {%- if found[0] is none or found[1] != refresh_fingerprint(unique_id) -%}
    {{ return(whole_day) }}
  {%- elif found[2] == 0 -%}
    {{ return({'kind': 'none', 'from_ts': none}) }}
  {%- elif found[3] > 0 -%}
    {{ return(whole_day) }}
  {%- endif -%}
  {{ return({'kind': 'from', 'from_ts': found[4] | int}) }}
{%- endmacro -%}

{#- The start of the refresh in ms, floored to `grain` ('ms', 'minute', 'hour'), or none (whole day). -#}
{%- macro refresh_from_ms(grain='ms', window=none) -%}
  {%- set window = refresh_window() if window is none else window -%}
  {%- if window.kind != 'from' -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set unit = {'ms': 1, 'minute': 60000, 'hour': 3600000}[grain] -%}
  {{ return(window.from_ts - window.from_ts % unit) }}
{%- endmacro -%}

{#-
  A predicate (`and ...`) keeping the rows the refresh of the current model (or of `of`) recomputes,
  on `column` (bigint ms, or a timestamp when `timestamp`): nothing added for a whole day; `and
  false` when nothing changed; `and column >= from` (minus `lookback_ms` for rows read only as
  context, e.g. the USD reference books of the 60 s before) otherwise. A day-level rollup passes
  column none: `and false` when nothing changed, nothing added (its whole day) otherwise.
-#}
{%- macro in_refresh(column='ts', grain='ms', timestamp=false, lookback_ms=0, of=none) -%}
  {%- set window = refresh_window(of) -%}
  {%- if window.kind == 'none' -%}
    and false
  {%- elif window.kind == 'from' and column -%}
    {%- set start = refresh_from_ms(grain, window) - lookback_ms -%}
    and {{ column }} >= {{ 'epoch_ms(' ~ start ~ ')' if timestamp else start }}
  {%- endif -%}
{%- endmacro -%}

{#-
  pre_hook of the day-partitioned models: delete the rows the refresh rewrites. A whole day (a day
  build; all rows when `day` is unset) is deleted exactly, so a day whose lake data shrank keeps no
  stale rows; in an appending run only the rows at or after the refresh start (on `column`,
  floored to `grain`, less `lookback_ms`), or nothing. `and_later_days`: a day build deletes the later days too (a
  model whose rows depend on every earlier row, fct_indicators_hourly, then rebuilds them).
-#}
{%- macro delete_refresh_window(column='ts', grain='ms', timestamp=false, and_later_days=false, lookback_ms=0) -%}
  {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) if execute else none -%}
  {%- set window = refresh_window() -%}
  {%- if existing is none or flags.FULL_REFRESH or window.kind == 'none' -%}
    select 1 as nothing_to_delete
  {%- elif window.kind == 'from' and column -%}
    delete from {{ this }} where {{ day_filter() }} {{ in_refresh(column, grain, timestamp, lookback_ms) }}
  {%- elif and_later_days and built_day() is not none -%}
    delete from {{ this }} where day >= date '{{ built_day() }}'
  {%- else -%}
    delete from {{ this }} where {{ day_filter() }}
  {%- endif -%}
{%- endmacro -%}

{#-
  Where an appending refresh of fct_mm_breach_episodes from ts T resumes each obligation, as a SQL
  relation (obligation_id, day, kept_episodes, resume_ts, carry_start_ts, carry_snapshots), read
  from the table before the pre_hook deletes anything (inlined as constants, so the model's SQL,
  which runs after the deletion, sees the same). Per obligation of the day:
    - its last episode ran to the end of the day and its last breach is before T: every earlier
      episode ended before it, so they are kept; that episode is recomputed from its last breach
      (which then starts a run) and the run is merged with what it had (start, snapshots): an
      obligation in breach all day costs the new snapshots only;
    - else its last episode that a compliant snapshot before T ended, and every one before it,
      are kept (their snapshots are all before T and no run crosses a compliant snapshot); the
      obligation is recomputed from that compliant snapshot;
    - else (no row) the obligation's day is recomputed.
  Empty in any other run (a day build recomputes every obligation's day).
-#}
{%- macro breach_episode_resumes() -%}
  {%- set window = refresh_window() -%}
  {%- set rows = [] -%}
  {%- if execute and window.kind == 'from'
        and adapter.get_relation(this.database, this.schema, this.identifier) is not none -%}
    {%- set cache = graph.setdefault('mmwatch_breach_resumes', {}) -%}
    {%- set key = built_day() ~ '|' ~ run_started_at -%}
    {%- if key not in cache -%}
      {%- do cache.update({key: run_query(
          "with episodes as (select * from " ~ this ~ " where " ~ day_filter() ~ "), "
          ~ "closed as (select obligation_id, day, max(episode_number) as episode_number, "
          ~ "arg_max(end_ts, episode_number) as end_ts from episodes "
          ~ "where ended_by = 'compliant' and end_ts < " ~ window.from_ts ~ " group by all), "
          ~ "open as (select obligation_id, day, episode_number, start_ts, last_breach_ts, snapshots from episodes "
          ~ "where ended_by = 'end_of_day' and last_breach_ts < " ~ window.from_ts ~ ") "
          ~ "select obligation_id, day::varchar, "
          ~ "coalesce(open.episode_number - 1, closed.episode_number)::bigint, "
          ~ "coalesce(open.last_breach_ts, closed.end_ts), open.start_ts, open.snapshots "
          ~ "from closed full join open using (obligation_id, day) order by all").rows}) -%}
    {%- endif -%}
    {%- set rows = cache[key] -%}
  {%- endif -%}
  {%- if rows | length > 0 -%}
    (values {% for row in rows -%}
      ('{{ row[0] | replace("'", "''") }}', date '{{ row[1] }}', {{ row[2] }}, {{ row[3] }},
       {{ row[4] if row[4] is not none else 'null' }}, {{ row[5] if row[5] is not none else 'null' }})
      {{- ', ' if not loop.last }}
    {%- endfor %}) as resumes(obligation_id, day, kept_episodes, resume_ts, carry_start_ts, carry_snapshots)
  {%- else -%}
    (select null::varchar as obligation_id, null::date as day, null::bigint as kept_episodes,
        null::bigint as resume_ts, null::bigint as carry_start_ts, null::bigint as carry_snapshots
     where false) as resumes
  {%- endif -%}
{%- endmacro -%}

{#- pre_hook of fct_mm_breach_episodes: a day build deletes the day; an appending refresh deletes
    the episodes after those each obligation keeps (breach_episode_resumes). (`column` is unused:
    the arguments of every refresh pre_hook.) -#}
{%- macro delete_open_breach_episodes(column=none) -%}
  {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) if execute else none -%}
  {%- set window = refresh_window() -%}
  {%- if existing is none or flags.FULL_REFRESH or window.kind == 'none' -%}
    select 1 as nothing_to_delete
  {%- elif window.kind == 'from' -%}
    delete from {{ this }} as episode
    where {{ day_filter('episode.day') }} and episode.episode_number > coalesce((
        select resumes.kept_episodes from {{ breach_episode_resumes() }}
        where resumes.obligation_id = episode.obligation_id and resumes.day = episode.day), 0)
  {%- else -%}
    delete from {{ this }} where {{ day_filter() }}
  {%- endif -%}
{%- endmacro -%}

{#- post_hook of the day-partitioned models: the refresh's log line (none when nothing changed). -#}
{%- macro log_refresh(column='ts', grain='ms', lookback_ms=0) -%}
  {%- set window = refresh_window() -%}
  {%- if not execute or window.kind == 'none' -%}
    select 1 as nothing_refreshed
  {%- else -%}
    {%- set start = refresh_from_ms(grain, window) if column else none -%}
    {%- set start = start - lookback_ms if start is not none else none -%}
    insert into {{ refresh_log() }} values ('{{ this.identifier }}',
        {{ "date '" ~ built_day() ~ "'" if built_day() is not none else 'null' }},
        timestamp '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}',
        {{ start if start is not none else 'null' }}, '{{ refresh_fingerprint(model.unique_id) }}')
  {%- endif -%}
{%- endmacro -%}

{#- post_hook of an incremental Python model: dbt-duckdb writes its rows into a plain table named
    <model>__dbt_tmp<time> that it never drops (its temporary-table flag does not reach the Python
    writer); drop it. -#}
{%- macro drop_python_temp_tables() -%}
  {%- if execute -%}
    {%- for name in run_query("select table_name from information_schema.tables where table_schema = '"
          ~ this.schema ~ "' and starts_with(table_name, '" ~ this.identifier ~ "__dbt_tmp')").columns[0].values() -%}
      {%- do run_query("drop table if exists " ~ this.database ~ "." ~ this.schema ~ '."' ~ name ~ '"') -%}
    {%- endfor -%}
  {%- endif -%}
  select 1 as temp_tables_dropped
{%- endmacro -%}

{#-
  pre_hook of the staging view of lake table `table_name`: register the table's Parquet files of the
  built day (every day when `day` is unset) in `_lake_files`, and log in the refresh log, under the
  table's name, the earliest ts that changed since the last registration. Listing costs a stat per
  file (read_blob's size and time: no file is read); only new files are read (their ts and
  received_ts). A file written again under the same name counts as removed and new.
    raw_orderbooks, raw_trades, raw_fetch_errors (batch files holding only rows the partition did not
    have): a new file changes from its first row; a removed one (a partition rebuilt) too.
    the data-set tables (merged: the market-data assets write a partition's every reading again as
    one new file): a new file changes from its first row received after the newest row of the
    partition's previous files; a removed file counts only when nothing replaced it.
  Every write is one statement list, run in the view's transaction; fetch errors' ts is received_ts.
-#}
{%- macro register_lake_files(table_name) -%}
  {%- if not execute -%}
    {{ return('select 1 as lake_files_registered') }}
  {%- endif -%}
  {%- set files = target.database ~ '.main._lake_files' -%}
  {%- set appended = table_name in ('raw_orderbooks', 'raw_trades', 'raw_fetch_errors') -%}
  {%- set ts = 'received_ts' if table_name == 'raw_fetch_errors' else 'ts' -%}
  {%- set day = built_day() -%}
  {%- set now = "timestamp '" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "'" -%}
  {%- set in_scope = "lake_table = '" ~ table_name ~ "'" ~ (" and day = date '" ~ day ~ "'" if day is not none else "") -%}
  {%- set listing = "(select filename as file, size as file_size, last_modified as modified_at from read_blob('"
        ~ lake_folder(table_name) ~ "/" ~ ("day=" ~ day if day is not none else "*") ~ "/*/*.parquet'))" -%}
  {%- set known = "(select * from " ~ files ~ " where " ~ in_scope ~ ")" -%}
  {%- set new_files = run_query("select file, file_size, modified_at::varchar from " ~ listing
        ~ " anti join " ~ known ~ " using (file, file_size, modified_at) order by file").rows -%}
  {%- set vanished = run_query("select file, file_size, modified_at::varchar, day::varchar, exchange, min_ts from "
        ~ known ~ " anti join " ~ listing ~ " using (file, file_size, modified_at)").rows -%}
  {%- set changes = [] -%}
  {%- set statements = [] -%}
  {%- set new_partitions = [] -%}
  {%- if new_files | length > 0 -%}
    {%- set quoted = [] -%}
    {%- for row in new_files -%}{%- do quoted.append("'" ~ row[0] | replace("'", "''") ~ "'") -%}{%- endfor -%}
    {%- set stats = run_query(
        "with new_rows as (select filename as file, cast(regexp_extract(filename, 'day=([0-9-]+)', 1) as date) as day, "
        ~ "regexp_extract(filename, 'exchange=([^/]+)', 1) as exchange, " ~ ts ~ " as ts, received_ts "
        ~ "from read_parquet([" ~ quoted | join(', ') ~ "], "
        ~ "filename = true, hive_partitioning = false, union_by_name = true)), "
        ~ "previous as (select day, exchange, max(max_received_ts) as newest from " ~ known ~ " group by all) "
        ~ "select file, day::varchar, exchange, count(*), min(ts), max(ts), max(received_ts), "
        ~ ("min(ts)" if appended else "min(ts) filter (where received_ts > coalesce(previous.newest, -1))")
        ~ " from new_rows left join previous using (day, exchange) group by all order by file").rows -%}
    {%- set listed = {} -%}
    {%- for row in new_files -%}{%- do listed.update({row[0]: row}) -%}{%- endfor -%}
    {%- set values = [] -%}
    {%- for row in stats -%}
      {%- do values.append("('" ~ table_name ~ "', date '" ~ row[1] ~ "', '" ~ row[2] ~ "', '" ~ row[0] | replace("'", "''")
            ~ "', " ~ listed[row[0]][1] ~ ", timestamptz '" ~ listed[row[0]][2] ~ "', " ~ row[3] ~ ", " ~ row[4]
            ~ ", " ~ row[5] ~ ", " ~ row[6] ~ ", " ~ now ~ ")") -%}
      {%- do new_partitions.append(row[1] ~ '|' ~ row[2]) -%}
      {%- if row[7] is not none -%}{%- do changes.append((row[1], row[7])) -%}{%- endif -%}
    {%- endfor -%}
    {%- do statements.append("insert into " ~ files ~ " values " ~ values | join(', ')) -%}
  {%- endif -%}
  {%- for row in vanished -%}
    {%- if (appended or (row[3] ~ '|' ~ row[4]) not in new_partitions) and row[5] is not none -%}
      {%- do changes.append((row[3], row[5])) -%}
    {%- endif -%}
    {%- do statements.append("delete from " ~ files ~ " where lake_table = '" ~ table_name ~ "' and file = '"
          ~ row[0] | replace("'", "''") ~ "' and file_size = " ~ row[1] ~ " and modified_at = timestamptz '" ~ row[2] ~ "'") -%}
  {%- endfor -%}
  {%- set starts = {} -%}
  {%- for changed_day, from_ts in changes -%}
    {%- do starts.update({changed_day: [from_ts, starts.get(changed_day, from_ts)] | min}) -%}
  {%- endfor -%}
  {%- for changed_day, from_ts in starts.items() -%}
    {%- do statements.append("insert into " ~ refresh_log() ~ " values ('" ~ table_name ~ "', date '" ~ changed_day
          ~ "', " ~ now ~ ", " ~ from_ts ~ ", null)") -%}
  {%- endfor -%}
  {%- if day is not none -%}
    {%- do statements.append("delete from " ~ files ~ " where lake_table = '" ~ table_name
          ~ "' and day < date '" ~ day ~ "' - interval 7 day") -%}
  {%- endif -%}
  {{ return((statements + ['select 1 as lake_files_registered']) | join(';\n')) }}
{%- endmacro -%}
