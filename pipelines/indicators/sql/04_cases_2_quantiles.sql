-- Delay quantiles: median and 90th percentile with their distribution-free intervals, and the
-- monthly mart that stores them for the app's series.

-- Filled after these macros exist (views.py); created empty here so that they bind.
create table if not exists mart_delay_quantiles_monthly (
    month date,
    service varchar,
    n bigint,
    median double,
    median_ci_low double,
    median_ci_high double,
    median_ci_level double,
    p90 double,
    p90_ci_low double,
    p90_ci_high double,
    p90_ci_level double
);

-- Whether kpi_delay_quantiles reads mart_delay_quantiles_monthly: a monthly series of one service
-- or of every service (no channel or commune filter) over whole months.
create or replace macro kpi_delay_quantiles_stored(start, stop, services, channels, communes, dims, precomputed) as
    precomputed
    and dims::varchar[] = ['month']
    and channels is null
    and communes is null
    and (services is null or len(services::varchar[]) = 1)
    and kpi_whole_months(start, stop);

-- Median and 90th percentile of the delays of the cases decided in the period (linear
-- interpolation, quantile_cont), each with its distribution-free 95 % interval [x(lo), x(hi)]
-- between two order statistics (exact binomial ranks up to n = 20 000; *_ci_level is the coverage
-- the ranks actually give, below 95 % only when n is too small for any pair).
--
-- The monthly series of one service or of every service over whole months (the app's charts) are
-- read from mart_delay_quantiles_monthly, which the ingest fills with this very macro
-- (`precomputed := false`); any other query is computed here from the cases.
--
-- Grouped on at most one dimension (the headline, a monthly series, a breakdown), the groups are
-- large: the order statistics are then found without sorting every delay. The delays are counted
-- by hour of delay, the running counts tell which hour holds each wanted rank, and only the delays
-- of those few hours are sorted. Grouped finer (many small groups), each group's delays are sorted.
create or replace macro kpi_delay_quantiles(
    start, stop, services := null, channels := null, communes := null, dims := [], precomputed := true
) as table
with

stored as (
    select
        month,
        null::varchar as service,
        null::varchar as channel,
        null::varchar as commune,
        null::varchar as age_band,
        n,
        median,
        median_ci_low,
        median_ci_high,
        median_ci_level,
        p90,
        p90_ci_low,
        p90_ci_high,
        p90_ci_level
    from mart_delay_quantiles_monthly
    where kpi_delay_quantiles_stored(start, stop, services, channels, communes, dims, precomputed)
        and service is not distinct from services[1]
        and (start is null or month >= start::date)
        and (stop is null or month < stop::date)
),

decided as (
    select * from kpi_decided_cases(start, stop, services := services, channels := channels, communes := communes)
    where not kpi_delay_quantiles_stored(start, stop, services, channels, communes, dims, precomputed)
),

ranks as (
    select * from kpi_ref_order_ranks
),

keyed as (
    select
        case when list_contains(dims, 'month') then month end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        delay_days,
        floor(delay_days * 24) as hour
    from decided
),

hours as (
    select
        month,
        service,
        channel,
        commune,
        hour,
        count(*) as k
    from keyed
    where len(dims) <= 1
    group by all
),

cumulated as (
    select
        *,
        sum(k) over (
            partition by month, service, channel, commune
            order by hour
            rows between unbounded preceding and current row
        ) - k as before
    from hours
),

counted as (
    select
        month,
        service,
        channel,
        commune,
        count(*) as n,
        quantile_cont(delay_days, 0.5) as median,
        quantile_cont(delay_days, 0.9) as p90
    from keyed
    group by all
),

with_ranks as (
    select
        c.*,
        coalesce(r50.lo, kpi_rank_low(c.n, 0.5)) as median_lo,
        coalesce(r50.hi, kpi_rank_high(c.n, 0.5)) as median_hi,
        coalesce(r50.coverage, 0.95) as median_ci_level,
        coalesce(r90.lo, kpi_rank_low(c.n, 0.9)) as p90_lo,
        coalesce(r90.hi, kpi_rank_high(c.n, 0.9)) as p90_hi,
        coalesce(r90.coverage, 0.95) as p90_ci_level
    from counted as c
    left join ranks as r50 on r50.pct = 50 and r50.n = c.n
    left join ranks as r90 on r90.pct = 90 and r90.n = c.n
),

located as (
    select c.month, c.service, c.channel, c.commune, c.hour, w.rank, w.rank - c.before as rank_in_hour
    from cumulated as c
    inner join (
        select month, service, channel, commune, median_lo as rank from with_ranks
        union
        select month, service, channel, commune, median_hi from with_ranks
        union
        select month, service, channel, commune, p90_lo from with_ranks
        union
        select month, service, channel, commune, p90_hi from with_ranks
    ) as w
        on kpi_same_group(w, c)
    where w.rank > c.before and w.rank <= c.before + c.k
),

needed_hours as (
    select distinct month, service, channel, commune, hour from located
),

in_hours as (
    select
        k.month,
        k.service,
        k.channel,
        k.commune,
        k.hour,
        k.delay_days,
        row_number() over (
            partition by k.month, k.service, k.channel, k.commune, k.hour
            order by k.delay_days
        ) as rank_in_hour
    from keyed as k
    semi join needed_hours as h
        on kpi_same_group(h, k)
        and h.hour = k.hour
),

order_statistics as (
    select
        l.month,
        l.service,
        l.channel,
        l.commune,
        l.rank,
        i.delay_days
    from located as l
    inner join in_hours as i
        on kpi_same_group(i, l)
        and i.hour = l.hour
        and i.rank_in_hour = l.rank_in_hour
),

sorted_groups as (
    select
        month,
        service,
        channel,
        commune,
        list(delay_days order by delay_days) as sorted_days
    from keyed
    where len(dims) > 1
    group by all
),

with_values as (
    select
        r.month,
        r.service,
        r.channel,
        r.commune,
        r.n,
        r.median,
        r.median_ci_level,
        r.p90,
        r.p90_ci_level,
        coalesce(max(o.delay_days) filter (where o.rank = r.median_lo), max(g.sorted_days[r.median_lo])) as median_ci_low,
        coalesce(max(o.delay_days) filter (where o.rank = r.median_hi), max(g.sorted_days[r.median_hi])) as median_ci_high,
        coalesce(max(o.delay_days) filter (where o.rank = r.p90_lo), max(g.sorted_days[r.p90_lo])) as p90_ci_low,
        coalesce(max(o.delay_days) filter (where o.rank = r.p90_hi), max(g.sorted_days[r.p90_hi])) as p90_ci_high
    from with_ranks as r
    left join order_statistics as o
        on kpi_same_group(o, r)
    left join sorted_groups as g
        on kpi_same_group(g, r)
    group by r.month, r.service, r.channel, r.commune, r.n, r.median, r.median_ci_level, r.p90, r.p90_ci_level
),

final as (
    select
        month,
        service,
        channel,
        commune,
        null::varchar as age_band,
        n,
        median,
        median_ci_low,
        median_ci_high,
        median_ci_level,
        p90,
        p90_ci_low,
        p90_ci_high,
        p90_ci_level
    from with_values
    union all
    select * from stored
)

select * from final;

-- Median and 90th percentile of the delays (with their intervals) by month of decision, for each
-- service (`service`) and for every service together (`service` null): the monthly series the app
-- draws. Not additive: views.py recomputes the months that new or replaced cases touch. Computed by kpi_delay_quantiles itself, from mart_cases (refreshed first); defined
-- here rather than in 02_marts.sql since a macro must exist before another one calls it.
create or replace macro mart_delay_quantiles_monthly_rows(start, stop) as table
with

by_service as (
    select month, service, * exclude (month, service, channel, commune, age_band)
    from kpi_delay_quantiles(start, stop, dims := ['month', 'service'], precomputed := false)
),

all_services as (
    select month, null::varchar as service, * exclude (month, service, channel, commune, age_band)
    from kpi_delay_quantiles(start, stop, dims := ['month'], precomputed := false)
),

final as (
    select * from by_service
    union all
    select * from all_services
)

select * from final;
