-- Mann–Whitney rank sum for a change of delays between two periods.

-- Rank sum for the Mann–Whitney test of a change of delays between two periods, without sending
-- the delays anywhere: the delays decided in [start1, stop1) (sample 1) and in [start2, stop2)
-- (sample 2) are ranked together, ties taking their average rank. n1, n2, u1 = R1 − n1 (n1 + 1) / 2
-- (R1: the sum of sample 1's ranks) and tie_term = Σ (t³ − t) over the groups of t equal delays.
--
-- Exact, and in one sort: delays are fractional days (to the second), so nearly all of them are
-- distinct and a count per distinct delay is about as long as the delays themselves (counting
-- them first, then ranking the counts, cost a hash aggregate on top of the sort). Instead the
-- delays are sorted once, and two functions of that one window give each delay its tie group: rank() is the position of the group's first delay (number below
-- + 1) and cume_dist() × n the position of its last (number at or below). Then
--   average rank = (first + last) / 2,     group size t = last − first + 1,
-- and Σ (t³ − t) over the groups is Σ (t² − 1) over the delays (each of the t delays of a group
-- adds t² − 1). cume_dist() is that count divided by n: multiplied back and rounded, it is the
-- exact integer. About 60 ms for 0.8 M delays (a 30 M-event warehouse, one service) against 95 ms
-- for the grouped form; the numbers are identical (tests compare them to scipy's ranks).
create or replace macro kpi_delay_rank_sum(
    start1, stop1, start2, stop2, services := null, channels := null, communes := null
) as table
with

delays as (
    select delay_days, true as first_sample
    from kpi_decided_cases(start1, stop1, services := services, channels := channels, communes := communes)
    union all
    select delay_days, false
    from kpi_decided_cases(start2, stop2, services := services, channels := channels, communes := communes)
),

total as (
    select count(*) as n from delays
),

positions as (
    select
        first_sample,
        rank() over by_delay as first_position,
        cume_dist() over by_delay as share_at_or_below
    from delays
    window by_delay as (order by delay_days)
),

ranked as (
    select
        first_sample,
        first_position,
        round(share_at_or_below * total.n)::bigint as last_position,
        last_position - first_position + 1 as tie_size
    from positions, total
),

final as (
    select
        count(*) filter (where first_sample) as n1,
        count(*) filter (where not first_sample) as n2,
        -- null without any delay, as a sum over no row
        sum(case when first_sample then first_position + last_position else 0 end) / 2.0 - n1 * (n1 + 1) / 2.0 as u1,
        coalesce(sum(tie_size * tie_size - 1), 0)::double as tie_term
    from ranked
)

select n1::bigint as n1, n2::bigint as n2, u1::double as u1, tie_term from final;
