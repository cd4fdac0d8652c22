{#-
  Spec §3's breach episode rule, in one place for every model that needs it (fct_mm_breach_episodes
  builds the episodes; fct_book_levels keeps the snapshots where they start and end): a maximal run
  of consecutive non-compliant usable snapshots of one obligation, ended by the next compliant
  snapshot, by a gap of more than 120 s between consecutive usable snapshots, or by the end of the
  UTC day.
-#}

{#- Each judged snapshot's neighbours in its obligation's UTC day (an episode never crosses midnight),
    in the order of the rule: ts, ties by snapshot_id. Select breach_episode_neighbours() from a
    relation with obligation_id, day, ts, snapshot_id and compliant, ending the query with
    breach_episode_window(). -#}
{%- macro breach_episode_neighbours() -%}
  lag(ts) over by_time as previous_ts,
        lag(compliant) over by_time as previous_compliant,
        lead(ts) over by_time as next_ts
{%- endmacro -%}

{%- macro breach_episode_window() -%}
  window by_time as (partition by obligation_id, day order by ts, snapshot_id)
{%- endmacro -%}

{#- The gap (ms) between consecutive usable snapshots that ends an episode (more than this). -#}
{%- macro breach_gap_ms() -%}
  {{ return(120000) }}
{%- endmacro -%}

{#- True when a snapshot starts an episode: it is not compliant and the snapshot before it (of the
    obligation's day) is compliant, absent, or more than the gap earlier. -#}
{%- macro starts_breach_episode(compliant, ts, previous_ts, previous_compliant) -%}
  (not {{ compliant }}
            and ({{ previous_ts }} is null or {{ previous_compliant }} or {{ ts }} - {{ previous_ts }} > {{ breach_gap_ms() }}))
{%- endmacro -%}

{#- How a run whose last non-compliant snapshot is at `last_ts` ends, from the ts of the next usable
    snapshot: 'end_of_day' (none), 'gap' (more than the gap later), else 'compliant' (a next usable
    snapshot within the gap that is not in the run is compliant). -#}
{%- macro breach_episode_ended_by(next_ts, last_ts) -%}
  case
            when {{ next_ts }} is null then 'end_of_day'
            when {{ next_ts }} - {{ last_ts }} > {{ breach_gap_ms() }} then 'gap'
            else 'compliant'
        end
{%- endmacro -%}
