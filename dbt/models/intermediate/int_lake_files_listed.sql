{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['lake_table', 'file'],
    on_schema_change='sync_all_columns',
    post_hook=["{{ log_lake_changes() }}", "{{ forget_lake_files() }}"]
) }}
-- The lake's Parquet files of the built day (every day when `day` is unset), one row per file with
-- its size, modification time and the range of ts it holds. Each run lists the files (read_blob's
-- size and time: no file is read), reads only the new ones (their ts and received_ts; a file written
-- again under the same name is new), marks the vanished ones, and logs per lake table the earliest ts
-- that changed (post_hook log_lake_changes; macros/refresh_window.sql): what every model reading the
-- lake then recomputes in an appending run. raw_orderbooks, raw_trades and raw_fetch_errors only
-- ever gain files (a batch file holds only rows the partition did not have; a partition rebuild
-- replaces every file, and then the removed files' rows count as changed too). The data-set tables
-- are merged: each run writes the whole partition again as one new file, so only its rows received
-- after the newest row of the partition's previous files count as changed.
{%- set lake_tables = [] %}
{%- for source in graph.sources.values() | sort(attribute='name') if source.source_name == 'lake' %}
  {%- do lake_tables.append(source.name) %}
{%- endfor %}
{%- set appended_tables = ['raw_orderbooks', 'raw_trades', 'raw_fetch_errors'] %}
{%- set day = built_day() %}
{%- set now = "timestamp '" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "'" %}
{%- set folder = "day=" ~ day if day is not none else "*" %}
{%- set new_files = {} %}
{%- set listing %}
    select
        regexp_extract(filename, '/([^/]+)/day=[^/]+/exchange=[^/]+/[^/]+$', 1) as lake_table,
        filename as file,
        size as file_size,
        last_modified as modified_at
    from read_blob([
        {%- for table in lake_tables %}'{{ lake_folder(table) }}/{{ folder }}/*/*.parquet'{{ ', ' if not loop.last }}{% endfor -%}
    ])
{%- endset %}
{%- if execute %}
  {%- set registered = "(select lake_table, file, file_size, modified_at from " ~ this ~ ")" if is_incremental()
        else "(select null::varchar as lake_table, null::varchar as file, null::bigint as file_size, "
             ~ "null::timestamptz as modified_at where false)" %}
  {%- for row in run_query("select lake_table, file from (" ~ listing ~ ") anti join " ~ registered
        ~ " using (lake_table, file, file_size, modified_at) order by all").rows %}
    {%- do new_files.setdefault(row[0], []).append(row[1]) %}
  {%- endfor %}
{%- endif %}
with

listed as (
    {{ listing }}
),

{%- for table in lake_tables if table in new_files %}
{%- set ts = 'received_ts' if table == 'raw_fetch_errors' else 'ts' %}

new_{{ table }} as (

    select
        '{{ table }}' as lake_table,
        filename as file,
        count(*) as row_count,
        min({{ ts }}) as min_ts,
        max({{ ts }}) as max_ts,
        max(received_ts) as max_received_ts,
        {%- if table in appended_tables %}
        min({{ ts }}) as change_from_ts
        {%- else %}
        -- a merged file: the rows received after the newest row of the partition's previous files
        min({{ ts }}) filter (where received_ts > coalesce((
            {%- if is_incremental() %}
            select max(previous.max_received_ts) from {{ this }} as previous
            where previous.lake_table = '{{ table }}'
                and previous.day = cast(regexp_extract(filename, 'day=([0-9-]+)', 1) as date)
                and previous.exchange = regexp_extract(filename, 'exchange=([^/]+)', 1)
            {%- else %}
            select null::bigint
            {%- endif %}
        ), -1)) as change_from_ts
        {%- endif %}

    from read_parquet([{% for file in new_files[table] %}'{{ file }}'{{ ', ' if not loop.last }}{% endfor %}],
                      filename = true, hive_partitioning = false, union_by_name = true)
    group by filename

),
{%- endfor %}

new_files as (

    {%- for table in lake_tables if table in new_files %}
    select * from new_{{ table }}
    union all
    {%- endfor %}
    select null::varchar as lake_table, null::varchar as file, null::bigint as row_count, null::bigint as min_ts,
        null::bigint as max_ts, null::bigint as max_received_ts, null::bigint as change_from_ts
    where false

),

registered as (

    select
        new_files.lake_table,
        cast(regexp_extract(new_files.file, 'day=([0-9-]+)', 1) as date) as day,
        regexp_extract(new_files.file, 'exchange=([^/]+)', 1) as exchange,
        new_files.file,
        listed.file_size,
        listed.modified_at,
        row_count,
        min_ts,
        max_ts,
        max_received_ts,
        {{ now }} as changed_at,
        change_from_ts,
        false as removed

    from new_files
    inner join listed using (lake_table, file)

),

{%- if is_incremental() %}

-- files of the listed days that are gone: an appended table's rows are gone with them; a merged
-- table's file was replaced by a new one (whose new rows count), unless none replaced it
vanished as (

    select
        previous.lake_table,
        previous.day,
        previous.exchange,
        previous.file,
        previous.file_size,
        previous.modified_at,
        previous.row_count,
        previous.min_ts,
        previous.max_ts,
        previous.max_received_ts,
        {{ now }} as changed_at,
        case when previous.lake_table in ('{{ appended_tables | join("', '") }}')
                or not exists (select 1 from registered
                               where registered.lake_table = previous.lake_table
                                   and registered.day = previous.day and registered.exchange = previous.exchange)
            then previous.min_ts end as change_from_ts,
        true as removed

    from {{ this }} as previous
    anti join listed using (lake_table, file, file_size, modified_at)
    where previous.day {{ "= date '" ~ day ~ "'" if day is not none else 'is not null' }}
        and not previous.removed

),

{%- endif %}

final as (

    select * from registered
    {%- if is_incremental() %}
    union all
    select * from vanished
    {%- endif %}

)

select * from final
