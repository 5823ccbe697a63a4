-- Statistical helpers shared by every indicator view: one definition of each interval.
-- The reference tables kpi_ref_order_ranks and kpi_ref_t975 are computed with scipy and shipped as
-- Parquet (views.py loads them).

-- The scope filter of every indicator macro: a null list keeps every value, else the value must be in it.
create or replace macro kpi_in_scope(chosen, v) as (chosen is null or list_contains(chosen::varchar[], v));

-- Whether rows a and b (two table aliases) belong to the same group of a grouped indicator: the
-- groups are keyed on month × service × channel × commune, a key left null when the query does not
-- group on it, so nulls must match (`is not distinct from`). DuckDB expands the macro back into the
-- four join conditions, so a join on it stays a hash join.
create or replace macro kpi_same_group(a, b) as
    a.month is not distinct from b.month
    and a.service is not distinct from b.service
    and a.channel is not distinct from b.channel
    and a.commune is not distinct from b.commune;

-- z such that P(|Z| <= z) = 0.95.
create or replace macro kpi_z95() as 1.959963984540054;

-- Wilson score interval (95 %) for x successes out of n; null when n = 0.
create or replace macro kpi_wilson_low(x, n) as
    case when n > 0 then
        greatest(0.0, (x::double / n + kpi_z95() ^ 2 / (2 * n)
            - kpi_z95() * sqrt(x::double / n * (1 - x::double / n) / n + kpi_z95() ^ 2 / (4 * n::double * n)))
            / (1 + kpi_z95() ^ 2 / n))
    end;

create or replace macro kpi_wilson_high(x, n) as
    case when n > 0 then
        least(1.0, (x::double / n + kpi_z95() ^ 2 / (2 * n)
            + kpi_z95() * sqrt(x::double / n * (1 - x::double / n) / n + kpi_z95() ^ 2 / (4 * n::double * n)))
            / (1 + kpi_z95() ^ 2 / n))
    end;

-- Order-statistic ranks of the distribution-free 95 % interval of the q-quantile for n > 20 000
-- (below, kpi_ref_order_ranks holds the exact binomial ranks): normal approximation of
-- Binomial(n, q), off by at most one rank from the exact one at that size.
create or replace macro kpi_rank_low(n, q) as
    greatest(1, floor(n * q - kpi_z95() * sqrt(n * q * (1 - q)) + 0.5))::bigint;

create or replace macro kpi_rank_high(n, q) as
    least(n, ceil(n * q + kpi_z95() * sqrt(n * q * (1 - q)) + 0.5))::bigint;

-- Student quantile t(0.975, df) beyond the exact table (df > 10 000): Cornish–Fisher, error < 1e-7.
create or replace macro kpi_t975_approx(df) as
    kpi_z95() + (kpi_z95() ^ 3 + kpi_z95()) / (4 * df);

-- Last day of the latest complete month on or before d: d itself when d is a month's last day,
-- else the last day of the previous month.
create or replace macro kpi_complete_month_end(d) as
    (date_trunc('month', d::date + 1) - interval 1 day)::date;

-- Whether [start, stop) is made of whole calendar months (a null bound: unbounded), i.e. whether
-- the monthly marts answer exactly for that period.
create or replace macro kpi_whole_months(start, stop) as
    (start is null or start::timestamp = date_trunc('month', start::timestamp))
    and (stop is null or stop::timestamp = date_trunc('month', stop::timestamp));
