{#-
  The lake table `table_name` as a relation to select from. DuckDB's read_parquet
  fails when its glob matches no file, so when the table has no file yet (a fresh
  data dir, or the raw asset for trades has not run) this returns an empty relation
  with the lake's column types instead. The check runs when the model is built; the
  source() call keeps the lineage either way.
-#}
{%- macro lake_table(table_name) -%}
  {%- set relation = source('lake', table_name) -%}
  {%- set has_files = true -%}
  {%- if execute -%}
    {%- set glob = modules.re.search("read_parquet\('([^']+)'", relation | string).group(1) -%}
    {%- set found = run_query("select count(*) from glob('" ~ glob ~ "')").columns[0].values()[0] -%}
    {%- set has_files = found > 0 -%}
  {%- endif -%}
  {%- if has_files -%}
    {{ relation }}
  {%- else -%}
    (select {% for name, type in lake_columns(table_name) -%}
       cast(null as {{ type }}) as {{ name }}{{ ", " if not loop.last }}
     {%- endfor %} where false)
  {%- endif -%}
{%- endmacro -%}

{#- The folder of the lake table `table_name` (<data dir>/lake/<table>), whose day=D/exchange=X/
    folders hold its Parquet files. -#}
{%- macro lake_folder(table_name) -%}
  {%- set found = modules.re.search("read_parquet\('([^']+)'", source('lake', table_name) | string) -%}
  {%- if found is none -%}  {#- parsing: the source is not rendered yet -#}
    {{ return('') }}
  {%- endif -%}
  {{ return(found.group(1)[:found.group(1).rindex('/*/*/*.parquet')]) }}
{%- endmacro -%}
