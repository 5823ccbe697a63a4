-- One measure of the plan, in one shape: (keys, measure, value, ci_low, ci_high, n, sd).
-- This is the single definition of an indicator's value, interval and sample size: the kpi
-- command, the app, the reports and the views below all read it.
--
--   take_up, assisted_share           Wilson 95 %                 n = requests / online requests
--   delay_median, delay_p90           order statistics (binomial) n = cases decided
--   delay_median_cohort               Brookmeyer–Crowley          n = cases filed, closures without
--     (a delay_median with delay_basis = "cohort": Kaplan–Meier)    decision left out (kpi_delay_km)
--   delay_mean                        Student                     n = cases decided
--   within_deadline                   Wilson 95 %                 n = cases decided with a deadline
--   backlog                           none (exhaustive count)     n = cases filed in the period
--   satisfaction_mean                 Student                     n = complete scored responses
--   satisfied_share                   Wilson 95 %                 n = complete responses
--   nps                               Student on ±100 scores      n = responses to the NPS question
--   completion_rate                   Wilson 95 %                 n = requests completed or abandoned
--   cost_per_transaction              none (unit costs assumed)   n = requests whose channel has a cost
--
-- sd is the standard deviation of the individual values for the means (delay_mean,
-- satisfaction_mean, nps), used by Welch's test; null otherwise.
--
-- Defined per dataset (kpi_measure_usage, kpi_measure_cases, kpi_measure_survey) and for any
-- measure (kpi_measure):
--   select * from kpi_measure('take_up', date '2025-11-01', date '2026-11-01', services := ['urbanisme']);
create or replace macro kpi_measure_usage(
    measure_name, start, stop, services := null, channels := null, communes := null, age_bands := null, dims := []
) as table
with

take_up as (
    select * from kpi_take_up(start, stop, services := services, channels := channels, communes := communes, age_bands := age_bands, dims := dims)
    where measure_name in ('take_up', 'assisted_share')
),

completion as (
    select * from kpi_completion(start, stop, services := services, channels := channels, communes := communes, age_bands := age_bands, dims := dims)
    where measure_name = 'completion_rate'
),

cost as (
    select * from kpi_cost(start, stop, services := services, channels := channels, communes := communes, age_bands := age_bands, dims := dims)
    where measure_name = 'cost_per_transaction'
),

measured as (
    select month, service, channel, commune, age_band, 'take_up' as measure,
        take_up as value, take_up_ci_low as ci_low, take_up_ci_high as ci_high, n_requests as n, null::double as sd
    from take_up
    union all
    select month, service, channel, commune, age_band, 'assisted_share',
        assisted_share, assisted_share_ci_low, assisted_share_ci_high, n_digital, null
    from take_up
    union all
    select month, service, channel, commune, age_band, 'completion_rate',
        completion_rate, completion_rate_ci_low, completion_rate_ci_high, n_started, null
    from completion
    union all
    select month, service, channel, commune, age_band, 'cost_per_transaction',
        cost_per_transaction, null, null, n_requests_costed, null
    from cost
),

final as (
    select * from measured
    where measure = measure_name and n > 0
)

select * from final;

create or replace macro kpi_measure_cases(
    measure_name, start, stop, services := null, channels := null, communes := null, age_bands := null, dims := []
) as table
with

delay_quantiles as (
    select * from kpi_delay_quantiles(start, stop, services := services, channels := channels, communes := communes, dims := dims)
    where measure_name in ('delay_median', 'delay_p90')
),

delay_moments as (
    select * from kpi_delay_moments(start, stop, services := services, channels := channels, communes := communes, dims := dims)
    where measure_name in ('delay_mean', 'within_deadline')
),

backlog as (
    select * from kpi_backlog(start, stop, services := services, channels := channels, communes := communes, dims := dims)
    where measure_name = 'backlog'
),

delay_cohort as (
    select * from kpi_delay_km(start, stop, services := services, channels := channels, communes := communes, dims := dims)
    where measure_name = 'delay_median_cohort'
),

measured as (
    select month, service, channel, commune, age_band, 'delay_median' as measure,
        median as value, median_ci_low as ci_low, median_ci_high as ci_high, n, null::double as sd
    from delay_quantiles
    union all
    select month, service, channel, commune, age_band, 'delay_p90', p90, p90_ci_low, p90_ci_high, n, null
    from delay_quantiles
    union all
    select month, service, channel, commune, age_band, 'delay_mean', mean, mean_ci_low, mean_ci_high, n, sd
    from delay_moments
    union all
    select month, service, channel, commune, age_band, 'within_deadline',
        within_deadline, within_deadline_ci_low, within_deadline_ci_high, n_with_deadline, null
    from delay_moments
    union all
    select month, service, channel, commune, age_band, 'backlog', backlog::double, null, null, n_filed, null
    from backlog
    union all
    select month, service, channel, commune, age_band, 'delay_median_cohort',
        km_median, km_median_ci_low, km_median_ci_high, km_n, null
    from delay_cohort
),

final as (
    select * from measured
    where measure = measure_name and n > 0
)

select * from final;

create or replace macro kpi_measure_survey(
    measure_name, start, stop, services := null, channels := null, communes := null, age_bands := null, dims := [],
    instruments := null
) as table
with

satisfaction as (
    select * from kpi_satisfaction(start, stop, services := services, channels := channels, communes := communes, age_bands := age_bands, dims := dims, instruments := instruments)
    where measure_name in ('satisfaction_mean', 'satisfied_share', 'nps')
),

measured as (
    select month, service, channel, commune, age_band, 'satisfaction_mean' as measure,
        mean as value, mean_ci_low as ci_low, mean_ci_high as ci_high, n, sd
    from satisfaction
    union all
    select month, service, channel, commune, age_band, 'satisfied_share',
        satisfied_share, satisfied_share_ci_low, satisfied_share_ci_high, n_satisfaction, null
    from satisfaction
    union all
    select month, service, channel, commune, age_band, 'nps', nps, nps_ci_low, nps_ci_high, n_nps, nps_sd
    from satisfaction
),

final as (
    select * from measured
    where measure = measure_name and n > 0
)

select * from final;

-- Any measure: the three macros above side by side (the app calls the one of the measure's
-- dataset, which has less to bind).
create or replace macro kpi_measure(
    measure_name, start, stop, services := null, channels := null, communes := null, age_bands := null, dims := []
) as table
select * from kpi_measure_usage(measure_name, start, stop, services := services, channels := channels, communes := communes, age_bands := age_bands, dims := dims)
union all
select * from kpi_measure_cases(measure_name, start, stop, services := services, channels := channels, communes := communes, age_bands := age_bands, dims := dims)
union all
select * from kpi_measure_survey(measure_name, start, stop, services := services, channels := channels, communes := communes, age_bands := age_bands, dims := dims);

-- The plan's indicators measured over [start, stop) on their own scope, one row each (n = 0
-- and null value when no data falls in the period). A delay_median whose plan sets
-- delay_basis = "cohort" (plan_delay_bases) is measured as delay_median_cohort (Kaplan–Meier).
--   select * from kpi_indicator_at(date '2025-11-01', date '2026-11-01');
create or replace macro kpi_indicator_at(start, stop) as table
with

indicators as (
    select
        p.*,
        case when p.measure = 'delay_median' and b.delay_basis = 'cohort' then 'delay_median_cohort' else p.measure end
            as measure_key
    from plan_indicators as p
    left join plan_delay_bases as b on b.indicator_id = p.indicator_id
),

final as (
    select
        i.indicator_id,
        i.label,
        i.measure,
        i.unit,
        i.direction,
        start::date as period_start,
        (stop::date - 1)::date as period_end,
        m.value,
        m.ci_low,
        m.ci_high,
        coalesce(m.n, 0) as n
    from indicators as i
    left join lateral (
        select * from kpi_measure(
            i.measure_key, start, stop,
            services := case when len(i.scope_services) > 0 then i.scope_services end,
            channels := case when len(i.scope_channels) > 0 then i.scope_channels end,
            communes := case when len(i.scope_communes) > 0 then i.scope_communes end,
            age_bands := case when len(i.scope_age_bands) > 0 then i.scope_age_bands end
        )
    ) as m on true
)

select * from final;
