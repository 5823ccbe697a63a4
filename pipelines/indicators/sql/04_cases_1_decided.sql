-- Processing delays, from mart_cases (every case, narrowed, sorted by the date it left the backlog).
-- Parameters as in 03_usage.sql, without age_bands (a case has no age band). Delays are calendar
-- days, fractional, from submitted_at to decided_at. Groups are joined with kpi_same_group (01_stats.sql).
--
-- This file: the decided cases every delay measure starts from.

-- The cases decided (accepted, rejected, or decided with the outcome unknown: 'decided') in [start, stop), one row each, with their delay.
-- `month` is the month of the decision. (The cases' identifiers stay in processing_cases.)
create or replace macro kpi_decided_cases(start, stop, services := null, channels := null, communes := null) as table
with

cases as (
    select * from mart_cases
),

final as (
    select
        date_trunc('month', decided_at)::date as month,
        service,
        channel,
        commune,
        null::varchar as age_band,
        submitted_at,
        decided_at,
        delay_days,
        deadline_days
    from cases
    where status in ('accepted', 'rejected', 'decided')
        and decided_at is not null
        and (start is null or decided_at >= start::timestamp)
        and (stop is null or decided_at < stop::timestamp)
        and kpi_in_scope(services, service)
        and kpi_in_scope(channels, channel)
        and kpi_in_scope(communes, commune)
)

select * from final;
