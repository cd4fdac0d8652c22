{#-
  Generic data tests written here because `dbt deps` cannot fetch dbt_utils offline.
  Each returns the failing rows.
-#}

{#- Values outside [min_value, max_value] (bounds inclusive; NULL passes). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (
      false
      {%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
      {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
  )
{% endtest %}

{#- Combinations of `columns` that occur more than once. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Rows where `expression` is false (NULL passes). -#}
{% test expression_holds(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}

{#-
  The column checks of one model in one test and one scan: every column of `not_null` is not
  NULL, every column of `ranges` ({column: {min_value, max_value}}, bounds inclusive, NULL passes)
  lies in its range. Returns the failing rows, `failures` naming each broken check. One test per
  model instead of one per column: a full build ran ~450 dbt tests, each a dbt node costing more
  than its query.
-#}
{% test columns_valid(model, not_null=[], ranges={}) %}
with checked as (

    select
        *,
        list_filter([
            {%- for column in not_null %}
            case when {{ column }} is null then '{{ column }} is null' end,
            {%- endfor %}
            {%- for column, bounds in ranges.items() %}
            case when {{ column }} is not null and (false
                {%- if bounds.get('min_value') is not none %} or {{ column }} < {{ bounds.get('min_value') }}{% endif %}
                {%- if bounds.get('max_value') is not none %} or {{ column }} > {{ bounds.get('max_value') }}{% endif %})
                then '{{ column }} outside [{{ bounds.get("min_value") }}, {{ bounds.get("max_value") }}]' end,
            {%- endfor %}
            null::varchar
        ], lambda failure: failure is not null) as failures

    from {{ model }}

)

select * from checked where len(failures) > 0
{% endtest %}
