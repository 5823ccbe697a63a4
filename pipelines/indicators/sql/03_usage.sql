-- Take-up of online services, from mart_usage_monthly.
--
-- Parameters (shared by every kpi_* table macro):
--   start, stop   first day of the first month, first day of the month after the last one
--                 (a half-open period [start, stop) of whole months); null = no bound;
--   services, channels, communes, age_bands
--                 lists of values to keep; null = no restriction, [] = nothing;
--   dims          the grouping: any of 'month', 'service', 'channel', 'commune', 'age_band';
--                 a column not grouped on is null in the result ([] = one row for the period).
--
-- take_up = (online + assisted) ÷ requests, abandoned requests excluded, with its Wilson 95 %
-- interval; assisted requests are also reported apart: assisted_rate = assisted ÷ requests (their
-- part of the take-up) and assisted_share = assisted ÷ (online + assisted).
--
--   select * from kpi_take_up(date '2025-11-01', date '2026-11-01', dims := ['service']);
create or replace macro kpi_take_up(
    start, stop, services := null, channels := null, communes := null, age_bands := null, dims := []
) as table
with

usage as (
    select * from mart_usage_monthly
),

scoped as (
    select
        case when list_contains(dims, 'month') then month end as month,
        case when list_contains(dims, 'service') then service end as service,
        case when list_contains(dims, 'channel') then channel end as channel,
        case when list_contains(dims, 'commune') then commune end as commune,
        case when list_contains(dims, 'age_band') then age_band end as age_band,
        channel as request_channel,
        requests
    from usage
    where (start is null or month >= start::date)
        and (stop is null or month < stop::date)
        and kpi_in_scope(services, service)
        and kpi_in_scope(channels, channel)
        and kpi_in_scope(communes, commune)
        and kpi_in_scope(age_bands, age_band)
),

counted as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        sum(requests)::bigint as n_requests,
        coalesce(sum(requests) filter (where request_channel = 'online'), 0)::bigint as n_online,
        coalesce(sum(requests) filter (where request_channel = 'assisted'), 0)::bigint as n_assisted
    from scoped
    group by all
    having sum(requests) > 0
),

final as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        n_requests,
        n_online,
        n_assisted,
        n_online + n_assisted as n_digital,
        (n_online + n_assisted) / n_requests as take_up,
        kpi_wilson_low(n_online + n_assisted, n_requests) as take_up_ci_low,
        kpi_wilson_high(n_online + n_assisted, n_requests) as take_up_ci_high,
        n_assisted / n_requests as assisted_rate,
        kpi_wilson_low(n_assisted, n_requests) as assisted_rate_ci_low,
        kpi_wilson_high(n_assisted, n_requests) as assisted_rate_ci_high,
        case when n_online + n_assisted > 0 then n_assisted / (n_online + n_assisted) end as assisted_share,
        kpi_wilson_low(n_assisted, n_online + n_assisted) as assisted_share_ci_low,
        kpi_wilson_high(n_assisted, n_online + n_assisted) as assisted_share_ci_high
    from counted
)

select * from final;
