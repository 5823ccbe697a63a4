-- Processing delays, from processing_cases (far fewer rows than requests: read directly).
-- Parameters as in 03_usage.sql, without age_bands (a case has no age band). Delays are calendar
-- days, fractional, from submitted_at to decided_at.

-- The cases decided (accepted or rejected) in [start, stop), one row each, with their delay.
-- `month` is the month of the decision.
create or replace macro kpi_decided_cases(start, stop, services := null, channels := null, communes := null) as table
with

cases as (
    select * from processing_cases
),

final as (
    select
        date_trunc('month', decided_at)::date as month,
        service,
        channel,
        commune,
        null::varchar as age_band,
        source,
        source_id,
        submitted_at,
        decided_at,
        epoch(decided_at - submitted_at) / 86400.0 as delay_days,
        deadline_days
    from cases
    where status in ('accepted', 'rejected')
        and decided_at is not null
        and (start is null or decided_at >= start::timestamp)
        and (stop is null or decided_at < stop::timestamp)
        and (services is null or list_contains(services::varchar[], service))
        and (channels is null or list_contains(channels::varchar[], channel))
        and (communes is null or list_contains(communes::varchar[], commune))
)

select * from final;

-- Delays of the cases decided in the period: median and 90th percentile (linear interpolation,
-- quantile_cont) each with its distribution-free 95 % interval [x(lo), x(hi)] between two order
-- statistics (exact binomial ranks up to n = 20 000; *_ci_level is the coverage the ranks
-- actually give, below 95 % only when n is too small for any pair), the mean with its Student
-- interval, and the share decided within deadline_days with its Wilson interval.
create or replace macro kpi_delay(start, stop, services := null, channels := null, communes := null, dims := []) as table
with

decided as (
    select * from kpi_decided_cases(start, stop, services := services, channels := channels, communes := communes)
),

ranks as (
    select * from kpi_ref_order_ranks
),

t_quantiles as (
    select * from kpi_ref_t975
),

keyed as (
    select
        case when list_contains(dims, 'month') then month end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        null::varchar as age_band,
        delay_days,
        deadline_days
    from decided
),

summarised as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        count(*) as n,
        list(delay_days order by delay_days) as sorted_days,
        quantile_cont(delay_days, 0.5) as median,
        quantile_cont(delay_days, 0.9) as p90,
        avg(delay_days) as mean,
        stddev_samp(delay_days) as sd,
        count(deadline_days) as n_with_deadline,
        count(*) filter (where delay_days <= deadline_days) as n_within_deadline
    from keyed
    group by all
),

with_ranks as (
    select
        s.*,
        coalesce(r50.lo, kpi_rank_low(s.n, 0.5)) as median_lo,
        coalesce(r50.hi, kpi_rank_high(s.n, 0.5)) as median_hi,
        coalesce(r50.coverage, 0.95) as median_ci_level,
        coalesce(r90.lo, kpi_rank_low(s.n, 0.9)) as p90_lo,
        coalesce(r90.hi, kpi_rank_high(s.n, 0.9)) as p90_hi,
        coalesce(r90.coverage, 0.95) as p90_ci_level,
        coalesce(t.t, kpi_t975_approx(s.n - 1)) as t975
    from summarised as s
    left join ranks as r50 on r50.pct = 50 and r50.n = s.n
    left join ranks as r90 on r90.pct = 90 and r90.n = s.n
    left join t_quantiles as t on t.df = s.n - 1
),

final as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        n,
        median,
        sorted_days[median_lo] as median_ci_low,
        sorted_days[median_hi] as median_ci_high,
        median_ci_level,
        p90,
        sorted_days[p90_lo] as p90_ci_low,
        sorted_days[p90_hi] as p90_ci_high,
        p90_ci_level,
        mean,
        sd,
        case when n > 1 then mean - t975 * sd / sqrt(n) end as mean_ci_low,
        case when n > 1 then mean + t975 * sd / sqrt(n) end as mean_ci_high,
        n_with_deadline,
        n_within_deadline,
        case when n_with_deadline > 0 then n_within_deadline / n_with_deadline end as within_deadline,
        kpi_wilson_low(n_within_deadline, n_with_deadline) as within_deadline_ci_low,
        kpi_wilson_high(n_within_deadline, n_with_deadline) as within_deadline_ci_high
    from with_ranks
)

select * from final;

-- Kaplan–Meier median delay, counting open cases as censored. Cohort: the cases filed in
-- [start, stop) (`month` = month of filing), followed up to stop (null: the latest timestamp of
-- the data). A decision (accepted/rejected) before stop is an event at its delay; a case still
-- open at stop is censored at its age then; a case closed without decision is censored at its
-- closing. S(t) = Π (1 − d_i / r_i) over event times t_i ≤ t (r_i: cases whose time is ≥ t_i,
-- censored ones included on ties); the median is the smallest t with S(t) ≤ 0.5, null when the
-- curve never reaches 0.5 (« non atteinte »).
create or replace macro kpi_delay_km(start, stop, services := null, channels := null, communes := null, dims := []) as table
with

cases as (
    select * from processing_cases
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
        and (services is null or list_contains(services::varchar[], service))
        and (channels is null or list_contains(channels::varchar[], channel))
        and (communes is null or list_contains(communes::varchar[], commune))
),

followed as (
    select
        case when list_contains(dims, 'month') then date_trunc('month', submitted_at)::date end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        null::varchar as age_band,
        epoch(least(coalesce(decided_at, follow_up_end), follow_up_end) - submitted_at) / 86400.0 as time_days,
        status in ('accepted', 'rejected') and decided_at < follow_up_end as is_event
    from cohort
),

times as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        time_days,
        count(*) filter (where is_event) as events,
        count(*) as leaving
    from followed
    group by all
),

at_risk as (
    select
        *,
        sum(leaving) over (
            partition by month, service, channel, commune, age_band
            order by time_days desc
            rows between unbounded preceding and current row
        ) as at_risk
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

final as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        sum(leaving)::bigint as n_cohort,
        sum(events)::bigint as n_events,
        (sum(leaving) - sum(events))::bigint as n_censored,
        min(time_days) filter (where events > 0 and survival <= 0.5 + 1e-12) as km_median
    from survival
    group by all
)

select * from final;

-- Open backlog at the end of the period (at the end of each month when grouping by month): cases
-- filed before that instant and neither decided nor closed by then, with their median age in
-- days. n_filed counts the cases filed in the period (the month when grouping by month): the
-- backlog is an exhaustive count, not a sample, so it has no interval.
create or replace macro kpi_backlog(start, stop, services := null, channels := null, communes := null, dims := []) as table
with

cases as (
    select * from processing_cases
    where (services is null or list_contains(services::varchar[], service))
        and (channels is null or list_contains(channels::varchar[], channel))
        and (communes is null or list_contains(communes::varchar[], commune))
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
        and coalesce(
            c.decided_at,
            case when c.status in ('submitted', 'in_review') then 'infinity'::timestamp else c.submitted_at end
        ) >= s.at_ts
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
