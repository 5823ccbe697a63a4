-- The rows of mart_usage_monthly in a period and scope, keyed by the grouping asked for: the one
-- definition of the scope of the usage measures (take-up, completion, cost). A key not grouped on
-- is null; request_channel keeps each row's own channel whatever the grouping.
create or replace macro kpi_usage_scoped(start, stop, services, channels, communes, age_bands, dims) as table
select
    case when list_contains(dims, 'month') then month end as month,
    case when list_contains(dims, 'service') then service end as service,
    case when list_contains(dims, 'channel') then channel end as channel,
    case when list_contains(dims, 'commune') then commune end as commune,
    case when list_contains(dims, 'age_band') then age_band end as age_band,
    channel as request_channel,
    requests,
    abandoned,
    completed
from mart_usage_monthly
where (start is null or month >= start::date)
    and (stop is null or month < stop::date)
    and kpi_in_scope(services, service)
    and kpi_in_scope(channels, channel)
    and kpi_in_scope(communes, commune)
    and kpi_in_scope(age_bands, age_band);

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

scoped as (
    select * from kpi_usage_scoped(start, stop, services, channels, communes, age_bands, dims)
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

-- Completion of the requests started, from mart_usage_monthly (usage_events.outcome):
-- completion_rate = completed ÷ (completed + abandoned), with its Wilson 95 % interval. Requests
-- still pending, rejected by the service or of unknown outcome are left out: they were neither
-- completed nor given up by the user (n_other counts them). n_started = completed + abandoned.
--
--   select * from kpi_completion(date '2025-11-01', date '2026-11-01', dims := ['channel']);
create or replace macro kpi_completion(
    start, stop, services := null, channels := null, communes := null, age_bands := null, dims := []
) as table
with

scoped as (
    select * from kpi_usage_scoped(start, stop, services, channels, communes, age_bands, dims)
),

counted as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        sum(completed)::bigint as n_completed,
        sum(abandoned)::bigint as n_abandoned,
        (sum(requests) - sum(completed))::bigint as n_other
    from scoped
    group by all
    having sum(completed) + sum(abandoned) > 0
),

final as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        n_completed,
        n_abandoned,
        n_other,
        n_completed + n_abandoned as n_started,
        n_completed / (n_completed + n_abandoned) as completion_rate,
        kpi_wilson_low(n_completed, n_completed + n_abandoned) as completion_rate_ci_low,
        kpi_wilson_high(n_completed, n_completed + n_abandoned) as completion_rate_ci_high
    from counted
)

select * from final;

-- Cost per transaction, from mart_usage_monthly and the plan's unit costs (plan_costs):
-- cost_per_transaction = Σ (requests of a channel × its unit cost) ÷ Σ requests, over the requests
-- (abandoned ones excluded, as for the take-up) whose channel has a unit cost in the plan;
-- n_requests_costed counts them, n_requests_uncosted the requests left out (channel without a
-- cost). No interval: the volumes are exhaustive counts and the unit costs are assumptions, not
-- samples (the gains view shows them as such).
--
--   select * from kpi_cost(date '2025-11-01', date '2026-11-01');
create or replace macro kpi_cost(
    start, stop, services := null, channels := null, communes := null, age_bands := null, dims := []
) as table
with

costs as (
    select channel, euros from plan_costs
),

scoped as (
    select u.*, c.euros
    from kpi_usage_scoped(start, stop, services, channels, communes, age_bands, dims) as u
    left join costs as c on c.channel = u.request_channel
),

counted as (
    select
        month,
        service,
        channel,
        commune,
        age_band,
        coalesce(sum(requests) filter (where euros is not null), 0)::bigint as n_requests_costed,
        coalesce(sum(requests) filter (where euros is null), 0)::bigint as n_requests_uncosted,
        sum(requests * euros)::double as total_cost
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
        n_requests_costed,
        n_requests_uncosted,
        total_cost,
        case when n_requests_costed > 0 then total_cost / n_requests_costed end as cost_per_transaction
    from counted
)

select * from final;
