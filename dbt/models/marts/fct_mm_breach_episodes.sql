{{ day_partitioned_incremental(none, deletes='delete_open_breach_episodes') }}
-- Breach episodes (spec §3): maximal runs of consecutive non-compliant usable snapshots
-- of one obligation within one UTC day. A run ends at the next compliant snapshot, at a
-- gap > 120 s to the next usable snapshot, or at the end of the day. An appending refresh
-- resumes each obligation where breach_episode_resumes says (the pre_hook deleted the episodes
-- after it): numbering on from its kept episodes, and an episode that ran to the end of the day
-- carried on from its last breach.
with

resumes as (

    select * from {{ breach_episode_resumes() }}

),

evaluated as (

    select
        evaluated.*,
        coalesce(resumes.kept_episodes, 0) as kept_episodes,
        resumes.carry_start_ts,
        resumes.carry_snapshots

    from {{ ref('int_obligation_snapshots_evaluated') }} as evaluated
    left join resumes using (obligation_id, day)
    where {{ day_filter('evaluated.day') }} {{ in_refresh(none) }}
        and (resumes.resume_ts is null or evaluated.ts >= resumes.resume_ts)

),

obligations as (

    select * from {{ ref('stg_seeds__mm_obligations') }}

),

sequenced as (

    select
        obligation_id,
        day,
        ts,
        compliant,
        kept_episodes,
        carry_start_ts,
        carry_snapshots,
        row_number() over by_time as position,
        {{ breach_episode_neighbours() }}

    from evaluated
    {{ breach_episode_window() }}

),

flagged as (

    select
        *,
        {{ starts_breach_episode('compliant', 'ts', 'previous_ts', 'previous_compliant') }} as starts_episode

    from sequenced

),

numbered as (

    select
        *,
        kept_episodes + sum(starts_episode::integer) over (
            partition by obligation_id, day order by position rows unbounded preceding
        ) as episode_number

    from flagged

),

runs as (

    select
        obligation_id,
        day,
        episode_number,
        -- the first run of a resumed obligation carries on the episode that ran to the end of the day
        case when episode_number = any_value(kept_episodes) + 1 and any_value(carry_start_ts) is not null
            then any_value(carry_start_ts) else min(ts) end as start_ts,
        max(ts) as last_ts,
        count(*) + case when episode_number = any_value(kept_episodes) + 1
            then coalesce(any_value(carry_snapshots) - 1, 0) else 0 end as snapshots,
        -- arg_max would skip the NULL next_ts of a run that reaches the end of the day
        arg_max_null(next_ts, position) as next_ts

    from numbered
    where not compliant
    group by obligation_id, day, episode_number

),

ended as (

    select
        *,
        {{ breach_episode_ended_by('next_ts', 'last_ts') }} as ended_by

    from runs

),

timed as (

    select
        *,
        case when ended_by = 'compliant' then next_ts else last_ts end as end_ts,
        (case when ended_by = 'compliant' then next_ts else last_ts end - start_ts) / 1000.0
            as duration_s

    from ended

),

final as (

    select
        timed.obligation_id || '|' || strftime(timed.day, '%Y-%m-%d') || '|' || timed.episode_number
            as breach_episode_id,
        timed.obligation_id,
        obligations.mm_name,
        obligations.exchange,
        obligations.market_type,
        obligations.symbol,
        timed.day,
        timed.episode_number,
        timed.start_ts,
        timed.end_ts,
        timed.last_ts as last_breach_ts,
        timed.duration_s,
        timed.ended_by,
        timed.snapshots,
        obligations.alert_after_s,
        timed.duration_s > obligations.alert_after_s as exceeds_alert_after

    from timed
    inner join obligations on obligations.obligation_id = timed.obligation_id

)

select * from final
