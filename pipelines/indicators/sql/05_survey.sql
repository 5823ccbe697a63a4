-- Satisfaction, from mart_survey_monthly (complete responses only). Parameters as in 03_usage.sql,
-- plus `instruments` (questionnaire codes, null = all: an indicator's `instrument` key).
--
-- mean score_10 with its Student 95 % interval (sd from the sums of squares); share satisfied
-- (score_10 ≥ 7.5) with its Wilson interval; NPS where asked = % promoters (9–10) − % detractors
-- (0–6), i.e. the mean of a per-response score of +100 / 0 / −100, so its interval is the
-- Student interval of that mean (sd² = n/(n−1) · 100² · (p₊ + p₋ − (p₊ − p₋)²)).
create or replace macro kpi_satisfaction(
    start, stop, services := null, channels := null, communes := null, age_bands := null, dims := [],
    instruments := null
) as table
with

responses as (
    select * from mart_survey_monthly
),

t_quantiles as (
    select * from kpi_ref_t975
),

scoped as (
    select
        case when list_contains(dims, 'month') then month end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        case when list_contains(dims, 'age_band') then age_band end as age_band,
        * exclude (month, service, channel, commune, age_band)
    from responses
    where (start is null or month >= start::date)
        and (stop is null or month < stop::date)
        and kpi_in_scope(services, service)
        and kpi_in_scope(channels, channel)
        and kpi_in_scope(communes, commune)
        and kpi_in_scope(age_bands, age_band)
        and kpi_in_scope(instruments, instrument)
),

summed as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        sum(responses)::bigint as n_responses,
        sum(n_scored)::bigint as n,
        sum(sum_score) as sum_score,
        sum(sum_score_sq) as sum_score_sq,
        sum(n_satisfaction)::bigint as n_satisfaction,
        sum(n_satisfied)::bigint as n_satisfied,
        sum(n_nps)::bigint as n_nps,
        sum(n_promoters)::bigint as n_promoters,
        sum(n_detractors)::bigint as n_detractors
    from scoped
    group by all
),

moments as (
    select
        s.*,
        case when n > 0 then sum_score / n end as mean,
        case when n > 1 then sqrt(greatest(0.0, (sum_score_sq - sum_score * sum_score / n) / (n - 1))) end as sd,
        coalesce(t.t, kpi_t975_approx(n - 1)) as t975,
        case when n_nps > 0 then 100.0 * (n_promoters - n_detractors) / n_nps end as nps,
        case when n_nps > 1 then 100.0 * sqrt(greatest(0.0,
            n_nps / (n_nps - 1.0) * ((n_promoters + n_detractors) / n_nps - ((n_promoters - n_detractors) / n_nps) ^ 2)
        )) end as nps_sd
    from summed as s
    left join t_quantiles as t on t.df = s.n - 1
),

final as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        n_responses,
        n,
        mean,
        sd,
        mean - t975 * sd / sqrt(n) as mean_ci_low,
        mean + t975 * sd / sqrt(n) as mean_ci_high,
        n_satisfaction,
        n_satisfied,
        case when n_satisfaction > 0 then n_satisfied / n_satisfaction end as satisfied_share,
        kpi_wilson_low(n_satisfied, n_satisfaction) as satisfied_share_ci_low,
        kpi_wilson_high(n_satisfied, n_satisfaction) as satisfied_share_ci_high,
        n_nps,
        n_promoters,
        n_detractors,
        nps,
        nps_sd,
        greatest(-100.0, nps - coalesce(tn.t, kpi_t975_approx(n_nps - 1)) * nps_sd / sqrt(n_nps)) as nps_ci_low,
        least(100.0, nps + coalesce(tn.t, kpi_t975_approx(n_nps - 1)) * nps_sd / sqrt(n_nps)) as nps_ci_high
    from moments as m
    left join t_quantiles as tn on tn.df = m.n_nps - 1
)

select * from final;
