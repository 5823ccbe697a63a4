-- Pre-aggregated and compacted marts, maintained by the ingest writer (views.py, refresh_marts).
-- The indicator macros read them, never the event tables: a dashboard query scans at most
-- (months × services × channels × communes × age bands) rows for requests and responses, and a
-- narrow copy of the cases sorted by filing date for delays.
--
-- Each mart is defined once here, as a table macro over the rows loaded after a given file
-- (`after_file`; null = every row). views.py builds a mart from `<mart>_rows(null)` the first
-- time, then after each ingest folds in only `<mart>_rows(last file seen)`: the rows of the new
-- files (file_id increases with every file and stays on the rows it brought). When rows were
-- replaced (an upsert) or removed since, an additive mart is rebuilt whole; the case mart replaces
-- the rows by their key instead.

-- Requests by month × service × channel × commune × age band. `requests` excludes abandoned
-- requests (the take-up denominator); `abandoned` and `completed` are counted apart (the
-- completion rate: completed ÷ (completed + abandoned)). Additive: two rows of the same keys add up.
create or replace macro mart_usage_monthly_rows(after_file) as table
with

events as (
    select * from usage_events
    where after_file is null or file_id > after_file
),

final as (
    select
        date_trunc('month', submitted_at)::date as month,
        service,
        channel,
        commune,
        age_band,
        count(*) filter (where outcome is distinct from 'abandoned') as requests,
        count(*) filter (where outcome = 'abandoned') as abandoned,
        count(*) filter (where outcome = 'completed') as completed
    from events
    group by all
)

select * from final;

-- Complete survey responses by month × service × channel × commune × age band × instrument, with
-- the sums a mean, a variance, a share and an NPS need. Responses without a date cannot be placed
-- in a period and are left out. Additive. `instrument` is the questionnaire's scale, a code
-- (pipelines/indicators/instruments.py names it): '3pts' for « Je donne mon avis » (Très bien /
-- Moyen / Pas bien = 10 / 5 / 0), '<min>-<max>' for a declared scale (1-5, 0-10), 'sur10' for a
-- score given on 10 without a declared scale.
create or replace macro mart_survey_monthly_rows(after_file) as table
with

responses as (
    select * from survey_responses
    where complete and responded_at is not null
        and (after_file is null or file_id > after_file)
),

final as (
    select
        date_trunc('month', responded_at)::date as month,
        service,
        channel,
        commune,
        age_band,
        case
            when source = 'jdma' then '3pts'
            when scale_min is null or scale_max is null then 'sur10'
            else concat(cast(cast(scale_min as bigint) as varchar), '-', cast(cast(scale_max as bigint) as varchar))
        end as instrument,
        count(*) as responses,
        count(score_10) as n_scored,
        sum(score_10) as sum_score,
        sum(score_10 * score_10) as sum_score_sq,
        count(satisfied) as n_satisfaction,
        count(*) filter (where satisfied) as n_satisfied,
        count(nps) as n_nps,
        count(*) filter (where nps >= 9) as n_promoters,
        count(*) filter (where nps <= 6) as n_detractors
    from responses
    group by all
)

select * from final;

-- Every case, narrowed to what the delay, Kaplan–Meier and backlog macros read (no identifiers,
-- labels or free text), with its delay in calendar days and the instant it left the backlog
-- (`closed_at`: its decision or closing, infinity while open, its filing when closed without a
-- date) precomputed. Each service's cases together, sorted by closed_at, which follows the decision
-- date and, a few weeks later, the filing date: a filter on services or on a period of filing or
-- decision skips most of the table. `case_key` (a 64-bit hash of source and source_id) lets an updated case
-- replace its previous version.
create or replace macro mart_cases_rows(after_file) as table
with

cases as (
    select * from processing_cases
    where after_file is null or file_id > after_file
),

final as (
    select
        hash(source, source_id) as case_key,
        submitted_at,
        decided_at,
        status,
        service,
        channel,
        commune,
        deadline_days,
        -- whole microseconds over a constant: one correctly rounded division, the same double in
        -- DuckDB and Spark (the consolidation runs this definition on both, pipelines/consolidate)
        date_diff('microsecond', submitted_at, decided_at)::double / 86400000000 as delay_days,
        coalesce(
            decided_at,
            case when status in ('submitted', 'in_review') then 'infinity'::timestamp else submitted_at end
        ) as closed_at
    from cases
)

select * from final;

-- First and last timestamp and row count of each dataset (freshness, default period, series
-- bounds), one macro per dataset. Combined with min, max and sum.
create or replace macro mart_data_bounds_usage(after_file) as table
select 'usage' as dataset, 'usage_events' as table_name, min(submitted_at) as min_at, max(submitted_at) as max_at, count(*) as n_rows
from usage_events
where after_file is null or file_id > after_file;

create or replace macro mart_data_bounds_processing(after_file) as table
select 'processing' as dataset, 'processing_cases' as table_name, min(submitted_at) as min_at,
    greatest(max(submitted_at), max(decided_at)) as max_at, count(*) as n_rows
from processing_cases
where after_file is null or file_id > after_file;

create or replace macro mart_data_bounds_survey(after_file) as table
select 'survey' as dataset, 'survey_responses' as table_name, min(responded_at) as min_at, max(responded_at) as max_at, count(*) as n_rows
from survey_responses
where after_file is null or file_id > after_file;

-- The label of each service as found in each dataset's exports (the smallest one). Combined with min.
create or replace macro mart_service_labels_usage(after_file) as table
select 'usage_events' as table_name, service, min(service_label) as label
from usage_events
where after_file is null or file_id > after_file
group by all;

create or replace macro mart_service_labels_processing(after_file) as table
select 'processing_cases' as table_name, service, min(service_label) as label
from processing_cases
where after_file is null or file_id > after_file
group by all;

create or replace macro mart_service_labels_survey(after_file) as table
select 'survey_responses' as table_name, service, min(service_label) as label
from survey_responses
where service is not null and (after_file is null or file_id > after_file)
group by all;
