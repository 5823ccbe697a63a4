-- Open backlog and its age.

-- Open backlog at the end of the period (at the end of each month when grouping by month): cases
-- filed before that instant and neither decided nor closed by then, with their median age in
-- days. n_filed counts the cases filed in the period (the month when grouping by month): the
-- backlog is an exhaustive count, not a sample, so it has no interval.
create or replace macro kpi_backlog(start, stop, services := null, channels := null, communes := null, dims := []) as table
with

cases as (
    select * from mart_cases
    where kpi_in_scope(services, service)
        and kpi_in_scope(channels, channel)
        and kpi_in_scope(communes, commune)
),

bounds as (
    select min_at, max_at from mart_data_bounds where dataset = 'processing'
),

span as (
    select
        coalesce(start::date, date_trunc('month', (select min_at from bounds))::date) as first_month,
        coalesce(stop::date, (date_trunc('month', (select max_at from bounds)) + interval 1 month)::date) as stop_month
),

snapshots as (
    select
        case when list_contains(dims, 'month') then m::date end as month,
        m + interval 1 month as at_ts
    from span,
        unnest(
            case
                when list_contains(dims, 'month') then range(first_month::timestamp, stop_month::timestamp, interval 1 month)
                else [stop_month::timestamp - interval 1 month]
            end
        ) as t(m)
),

open_cases as (
    select
        s.month,
        c.service,
        c.channel,
        c.commune,
        epoch(s.at_ts - c.submitted_at) / 86400.0 as age_days
    from snapshots as s
    inner join cases as c
        on c.submitted_at < s.at_ts
        and c.closed_at >= s.at_ts
),

filed as (
    select
        date_trunc('month', c.submitted_at)::date as month,
        c.service,
        c.channel,
        c.commune
    from cases as c, span
    where c.submitted_at >= first_month and c.submitted_at < stop_month
),

both_kinds as (
    select month, service, channel, commune, age_days, true as is_open from open_cases
    union all
    select month, service, channel, commune, null, false from filed
),

final as (
    select
        case when list_contains(dims, 'month') then month end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        null::varchar as age_band,
        count(*) filter (where is_open) as backlog,
        quantile_cont(age_days, 0.5) filter (where is_open) as backlog_median_age,
        count(*) filter (where not is_open) as n_filed
    from both_kinds
    group by all
)

select * from final;
