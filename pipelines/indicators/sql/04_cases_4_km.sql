-- Kaplan–Meier median delay of a cohort of filed cases (open cases censored), with its
-- Brookmeyer–Crowley 95 % interval.

-- The cohort of kpi_delay_km, one row per case filed in [start, stop): its filing instant, its time
-- in days (to its decision, or to stop while open) and its outcome as seen at stop (is_event: decided
-- before stop; is_closed: closed without decision before stop; neither: open, censored). The
-- bootstrap of a change of the cohort median (pipelines/indicators/delays.py) resamples these rows.
create or replace macro kpi_delay_km_cases(start, stop, services := null, channels := null, communes := null) as table
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

final as (
    select
        submitted_at,
        service,
        channel,
        commune,
        epoch(least(coalesce(decided_at, follow_up_end), follow_up_end) - submitted_at) / 86400.0 as time_days,
        status in ('accepted', 'rejected', 'decided') and decided_at < follow_up_end as is_event,
        status = 'closed_without_decision' and closed_at < follow_up_end as is_closed
    from cohort
)

select * from final;

-- Kaplan–Meier median delay of the cases FILED in [start, stop) (`month` = month of filing),
-- followed up to stop (null: the latest timestamp of the data). Three outcomes, as seen at stop:
--   * decided (accepted/rejected/decided) before stop: an event at its delay;
--   * still open at stop (not decided, not closed, or decided/closed after stop): censored at its
--     age then;
--   * closed without a decision before stop: a competing outcome, NOT censoring. Censoring it would
--     assume it would still have been decided later like the cases still waiting; it never will.
--     It leaves the cohort altogether (neither at risk nor censored, counted in
--     n_closed_without_decision): the curve estimates the delay of the cases that end in a
--     decision, the population of the decided-cases median. A case closed without decision with no
--     closing date is closed at its filing.
-- S(t) = Π (1 − d_i / r_i) over event times t_i ≤ t (r_i: cases whose time is ≥ t_i, censored ones
-- included on ties); the median is the smallest t with S(t) ≤ 0.5, null when the curve never
-- reaches 0.5 (« non atteinte »).
--
-- Interval (Brookmeyer & Crowley 1982, on the log(−log) scale): Greenwood's variance
-- G(t) = Σ d_i / (r_i (r_i − d_i)) (terms with r_i = d_i left out), the pointwise 95 % band
-- S(t)^exp(±z √G(t) / log S(t)) (z = 1.959963984540054; the band is 1 while S = 1 and 0 once S = 0),
-- and the interval of the median is [first t where the lower band ≤ 0.5, first t where the upper
-- band ≤ 0.5] (the lower curve reaches 0.5 first), its high end null when the upper band never
-- reaches 0.5. This is lifelines'
-- KaplanMeierFitter default band (« exponential Greenwood ») read by
-- median_survival_times(kmf.confidence_interval_); the tests check it against lifelines.
--
-- km_n = n_events + n_censored: the cases in the estimate (the headline n of a cohort-based indicator).
create or replace macro kpi_delay_km(start, stop, services := null, channels := null, communes := null, dims := []) as table
with

followed as (
    select
        case when list_contains(dims, 'month') then date_trunc('month', submitted_at)::date end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        null::varchar as age_band,
        time_days,
        is_event,
        is_closed
    from kpi_delay_km_cases(start, stop, services := services, channels := channels, communes := communes)
),

counts as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        count(*) as n_cohort,
        count(*) filter (where is_event) as n_events,
        count(*) filter (where is_closed) as n_closed_without_decision
    from followed
    group by all
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
    where not is_closed
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
        product(1 - events / at_risk) over by_time as survival,
        sum(case when at_risk > events then events / (at_risk * (at_risk - events)) else 0 end) over by_time as greenwood
    from at_risk
    window by_time as (
        partition by month, service, channel, commune, age_band
        order by time_days
        rows between unbounded preceding and current row
    )
),

banded as (
    select
        *,
        case
            when survival >= 1 then 1.0
            when survival <= 0 then 0.0
            else exp(-exp(ln(-ln(survival)) + kpi_z95() * sqrt(greenwood) / ln(survival)))
        end as band_high,
        case
            when survival >= 1 then 1.0
            when survival <= 0 then 0.0
            else exp(-exp(ln(-ln(survival)) - kpi_z95() * sqrt(greenwood) / ln(survival)))
        end as band_low
    from survival
),

medians as (
    select
        month,
        service,
        channel,
        commune,
        min(time_days) filter (where events > 0 and survival <= 0.5 + 1e-12) as km_median,
        min(time_days) filter (where events > 0 and band_low <= 0.5) as km_median_ci_low,
        min(time_days) filter (where events > 0 and band_high <= 0.5) as km_median_ci_high
    from banded
    group by all
),

final as (
    select
        c.month,
        c.service,
        c.channel,
        c.commune,
        c.age_band,
        c.n_cohort,
        c.n_events,
        c.n_cohort - c.n_events - c.n_closed_without_decision as n_censored,
        c.n_closed_without_decision,
        c.n_cohort - c.n_closed_without_decision as km_n,
        m.km_median,
        m.km_median_ci_low,
        m.km_median_ci_high
    from counts as c
    left join medians as m
        on kpi_same_group(m, c)
)

select * from final;
