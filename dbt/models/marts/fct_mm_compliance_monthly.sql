-- One row per obligation per calendar month (UTC) with at least one day in
-- fct_mm_compliance_daily (spec §3): days_passed_pct = 100 × pass / (pass + fail) days,
-- month verdict pass ⇔ days_passed_pct >= min_days_pct. Rebuilt whole from the daily mart
-- (a month spans many day partitions).
with

daily as (

    select * from {{ ref('fct_mm_compliance_daily') }}

),

monthly as (

    select
        obligation_id,
        cast(date_trunc('month', day) as date) as month,
        any_value(mm_name) as mm_name,
        any_value(exchange) as exchange,
        any_value(market_type) as market_type,
        any_value(symbol) as symbol,
        -- obligation terms are per obligation_id (seed), identical on every day
        any_value(min_days_pct) as min_days_pct,
        count(*) as reported_days,
        count(*) filter (where verdict = 'pass') as pass_days,
        count(*) filter (where verdict = 'fail') as fail_days,
        count(*) filter (where verdict = 'insufficient_data') as insufficient_data_days,
        sum(breach_episodes) as breach_episodes,
        max(longest_breach_s) as longest_breach_s,
        avg(uptime_pct order by day) as mean_daily_uptime_pct,
        avg(coverage_pct order by day) as mean_daily_coverage_pct

    from daily
    group by obligation_id, month

),

final as (

    select
        *,
        100.0 * pass_days / nullif(pass_days + fail_days, 0) as days_passed_pct,
        case
            when pass_days + fail_days = 0 then 'insufficient_data'
            when 100.0 * pass_days / (pass_days + fail_days) >= min_days_pct then 'pass'
            else 'fail'
        end as verdict

    from monthly

)

select * from final
