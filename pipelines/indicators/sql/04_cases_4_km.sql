-- Kaplan–Meier median delay of a cohort of filed cases (open cases censored).

-- Kaplan–Meier median delay, counting open cases as censored. Cohort: the cases filed in
-- [start, stop) (`month` = month of filing), followed up to stop (null: the latest timestamp of
-- the data). A decision (accepted/rejected/decided) before stop is an event at its delay; a case still
-- open at stop is censored at its age then; a case closed without decision is censored at its
-- closing. S(t) = Π (1 − d_i / r_i) over event times t_i ≤ t (r_i: cases whose time is ≥ t_i,
-- censored ones included on ties); the median is the smallest t with S(t) ≤ 0.5, null when the
-- curve never reaches 0.5 (« non atteinte »).
--
-- Each event weighs at least 1/n in the estimate, so S(t) ≤ 1 − (events up to t) / n: the median
-- comes no later than the hour in which half the cohort has been decided. Only the cases up to
-- that hour are sorted; the later ones only count among those at risk.
create or replace macro kpi_delay_km(start, stop, services := null, channels := null, communes := null, dims := []) as table
with

cases as (
    select * from mart_cases
),

bounds as (
    select max_at from mart_data_bounds where dataset = 'processing'
),

cohort as (
    select
        c.*,
        coalesce(stop::timestamp, (select max_at + interval 1 second from bounds)) as follow_up_end
    from cases as c
    where (start is null or submitted_at >= start::timestamp)
        and submitted_at < coalesce(stop::timestamp, (select max_at + interval 1 second from bounds))
        and kpi_in_scope(services, service)
        and kpi_in_scope(channels, channel)
        and kpi_in_scope(communes, commune)
),

followed as (
    select
        case when list_contains(dims, 'month') then date_trunc('month', submitted_at)::date end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        null::varchar as age_band,
        epoch(least(coalesce(decided_at, follow_up_end), follow_up_end) - submitted_at) / 86400.0 as time_days,
        status in ('accepted', 'rejected', 'decided') and decided_at < follow_up_end as is_event
    from cohort
),

hours as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        floor(time_days * 24) as hour,
        count(*) filter (where is_event) as events,
        count(*) as leaving
    from followed
    group by all
),

horizon as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        sum(leaving)::bigint as n_cohort,
        sum(events)::bigint as n_events,
        min(hour) filter (where 2 * events_so_far >= n_total) as last_hour
    from (
        select
            *,
            sum(events) over (
                partition by month, service, channel, commune, age_band
                order by hour
                rows between unbounded preceding and current row
            ) as events_so_far,
            sum(leaving) over (partition by month, service, channel, commune, age_band) as n_total
        from hours
    )
    group by all
),

kept as (
    select f.*, h.n_cohort
    from followed as f
    inner join horizon as h
        on kpi_same_group(h, f)
    where h.last_hour is null or floor(f.time_days * 24) <= h.last_hour
),

times as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        n_cohort,
        time_days,
        count(*) filter (where is_event) as events,
        count(*) as leaving
    from kept
    group by all
),

at_risk as (
    select
        *,
        n_cohort - sum(leaving) over (
            partition by month, service, channel, commune, age_band
            order by time_days
            rows between unbounded preceding and current row
        ) + leaving as at_risk
    from times
),

survival as (
    select
        *,
        product(1 - events / at_risk) over (
            partition by month, service, channel, commune, age_band
            order by time_days
            rows between unbounded preceding and current row
        ) as survival
    from at_risk
),

medians as (
    select
        month,
        service,
        channel,
        commune,
        min(time_days) filter (where events > 0 and survival <= 0.5 + 1e-12) as km_median
    from survival
    group by all
),

final as (
    select
        h.month,
        h.service,
        h.channel,
        h.commune,
        h.age_band,
        h.n_cohort,
        h.n_events,
        h.n_cohort - h.n_events as n_censored,
        m.km_median
    from horizon as h
    left join medians as m
        on kpi_same_group(m, h)
)

select * from final;
