-- Delay moments (mean, share within deadline) and kpi_delay, every delay statistic together.

-- Cases decided (accepted, rejected or decided) in [start, stop) by month of decision × service × channel ×
-- commune, with the sums the mean delay, its variance and the share within deadline need: the
-- rows of mart_decided_monthly, which views.py computes from mart_cases for the months that new
-- or replaced cases touch (created empty here so that the macros below bind).
--
-- The sums are exact integers, in microseconds (hugeint): a sum of doubles depends on the order of
-- its terms, which a parallel aggregate or a rebuilt table does not keep, and the same data must give
-- the same mean to the last digit (rebuilds, published reviews). Converted to days only at the end.
create table if not exists mart_decided_monthly (
    month date,
    service varchar,
    channel varchar,
    commune varchar,
    n bigint,
    sum_delay_us hugeint,
    sum_delay_sq_us hugeint,
    n_with_deadline bigint,
    n_within_deadline bigint
);

create or replace macro mart_decided_monthly_rows(start, stop) as table
with

decided as (
    select *, (epoch_us(decided_at) - epoch_us(submitted_at))::hugeint as delay_us
    from kpi_decided_cases(start, stop)
),

final as (
    select
        month,
        service,
        channel,
        commune,
        count(*) as n,
        sum(delay_us) as sum_delay_us,
        sum(delay_us * delay_us) as sum_delay_sq_us,
        count(deadline_days) as n_with_deadline,
        count(*) filter (where delay_days <= deadline_days) as n_within_deadline
    from decided
    group by all
)

select * from final;

-- Mean delay of the cases decided in the period with its Student interval (sd from the sums of
-- squares), and the share decided within deadline_days with its Wilson interval. Over whole months
-- (the app's periods) the sums come from mart_decided_monthly; over any other span, from the cases.
create or replace macro kpi_delay_moments(start, stop, services := null, channels := null, communes := null, dims := []) as table
with

monthly as (
    select * from mart_decided_monthly
    where kpi_whole_months(start, stop)
        and (start is null or month >= start::date)
        and (stop is null or month < stop::date)
        and kpi_in_scope(services, service)
        and kpi_in_scope(channels, channel)
        and kpi_in_scope(communes, commune)
),

decided as (
    select
        month,
        service,
        channel,
        commune,
        1 as n,
        (epoch_us(decided_at) - epoch_us(submitted_at))::hugeint as sum_delay_us,
        (epoch_us(decided_at) - epoch_us(submitted_at))::hugeint
            * (epoch_us(decided_at) - epoch_us(submitted_at))::hugeint as sum_delay_sq_us,
        case when deadline_days is not null then 1 else 0 end as n_with_deadline,
        case when delay_days <= deadline_days then 1 else 0 end as n_within_deadline
    from kpi_decided_cases(start, stop, services := services, channels := channels, communes := communes)
    where not kpi_whole_months(start, stop)
),

t_quantiles as (
    select * from kpi_ref_t975
),

summed as (
    select
        case when list_contains(dims, 'month') then month end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        null::varchar as age_band,
        sum(n)::bigint as n,
        sum(sum_delay_us) as sum_delay_us,
        sum(sum_delay_sq_us) as sum_delay_sq_us,
        sum(n_with_deadline)::bigint as n_with_deadline,
        sum(n_within_deadline)::bigint as n_within_deadline
    from (
        select * from monthly
        union all
        select * from decided
    )
    group by all
),

moments as (
    select
        *,
        sum_delay_us::double / n / 86400e6 as mean,
        case when n > 1 then
            sqrt(greatest(0.0, (sum_delay_sq_us::double - sum_delay_us::double * sum_delay_us::double / n) / (n - 1)))
            / 86400e6
        end as sd
    from summed
),

final as (
    select
        m.month,
        m.service,
        m.channel,
        m.commune,
        m.age_band,
        m.n,
        m.mean,
        m.sd,
        case when m.n > 1 then m.mean - coalesce(t.t, kpi_t975_approx(m.n - 1)) * m.sd / sqrt(m.n) end as mean_ci_low,
        case when m.n > 1 then m.mean + coalesce(t.t, kpi_t975_approx(m.n - 1)) * m.sd / sqrt(m.n) end as mean_ci_high,
        m.n_with_deadline,
        m.n_within_deadline,
        case when m.n_with_deadline > 0 then m.n_within_deadline / m.n_with_deadline end as within_deadline,
        kpi_wilson_low(m.n_within_deadline, m.n_with_deadline) as within_deadline_ci_low,
        kpi_wilson_high(m.n_within_deadline, m.n_with_deadline) as within_deadline_ci_high
    from moments as m
    left join t_quantiles as t on t.df = m.n - 1
)

select * from final;

-- Every delay statistic of the cases decided in the period: kpi_delay_quantiles beside
-- kpi_delay_moments, one row per group.
create or replace macro kpi_delay(start, stop, services := null, channels := null, communes := null, dims := []) as table
with

quantiles as (
    select * from kpi_delay_quantiles(start, stop, services := services, channels := channels, communes := communes, dims := dims)
),

moments as (
    select * from kpi_delay_moments(start, stop, services := services, channels := channels, communes := communes, dims := dims)
),

final as (
    select
        q.month,
        q.service,
        q.channel,
        q.commune,
        q.age_band,
        q.n,
        q.median,
        q.median_ci_low,
        q.median_ci_high,
        q.median_ci_level,
        q.p90,
        q.p90_ci_low,
        q.p90_ci_high,
        q.p90_ci_level,
        m.mean,
        m.sd,
        m.mean_ci_low,
        m.mean_ci_high,
        m.n_with_deadline,
        m.n_within_deadline,
        m.within_deadline,
        m.within_deadline_ci_low,
        m.within_deadline_ci_high
    from quantiles as q
    inner join moments as m
        on kpi_same_group(m, q)
)

select * from final;
