-- Pre-aggregated marts, rebuilt by the ingest writer after every load. The take-up and
-- satisfaction views read them, never the event tables, so a dashboard query scans at most
-- (months × services × channels × communes × age bands) rows whatever the number of events.

-- Requests by month × service × channel × commune × age band. `requests` excludes abandoned
-- requests (the take-up denominator); `abandoned` is kept for completeness.
create or replace table mart_usage_monthly as
with

events as (
    select * from usage_events
),

final as (
    select
        date_trunc('month', submitted_at)::date as month,
        service,
        channel,
        commune,
        age_band,
        count(*) filter (where outcome is distinct from 'abandoned') as requests,
        count(*) filter (where outcome = 'abandoned') as abandoned
    from events
    group by all
    order by month, service, channel
)

select * from final;

comment on table mart_usage_monthly is 'Demandes par mois, service, canal, commune et tranche d''âge (abandons à part) ; reconstruit à chaque import.';

-- Complete survey responses by month × service × channel × commune × age band, with the sums a
-- mean, a variance, a share and an NPS need. Responses without a date cannot be placed in a
-- period and are left out.
create or replace table mart_survey_monthly as
with

responses as (
    select * from survey_responses
    where complete and responded_at is not null
),

final as (
    select
        date_trunc('month', responded_at)::date as month,
        service,
        channel,
        commune,
        age_band,
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
    order by month, service, channel
)

select * from final;

comment on table mart_survey_monthly is 'Réponses complètes par mois, service, canal, commune et tranche d''âge : effectifs, sommes et sommes des carrés des notes, satisfaits, promoteurs et détracteurs.';

-- First and last timestamp of each dataset (freshness, default period, series bounds).
create or replace table mart_data_bounds as
with

usage as (
    select 'usage' as dataset, 'usage_events' as table_name, min(submitted_at) as min_at, max(submitted_at) as max_at, count(*) as n_rows
    from usage_events
),

cases as (
    select 'processing' as dataset, 'processing_cases' as table_name, min(submitted_at) as min_at,
        greatest(max(submitted_at), max(decided_at)) as max_at, count(*) as n_rows
    from processing_cases
),

responses as (
    select 'survey' as dataset, 'survey_responses' as table_name, min(responded_at) as min_at, max(responded_at) as max_at, count(*) as n_rows
    from survey_responses
),

final as (
    select * from usage
    union all
    select * from cases
    union all
    select * from responses
)

select * from final;

comment on table mart_data_bounds is 'Premier et dernier horodatage de chaque jeu de données.';

-- Values present in the data for each filter dimension, with the label found in the exports.
create or replace table mart_dimension_values as
with

services as (
    select service as value, min(service_label) as label from usage_events group by all
    union all
    select service, min(service_label) from processing_cases group by all
    union all
    select service, min(service_label) from survey_responses where service is not null group by all
),

channels as (
    select distinct channel as value from mart_usage_monthly
    union
    select distinct channel from processing_cases where channel is not null
    union
    select distinct channel from mart_survey_monthly where channel is not null
),

communes as (
    select distinct commune as value from mart_usage_monthly where commune is not null
    union
    select distinct commune from processing_cases where commune is not null
    union
    select distinct commune from mart_survey_monthly where commune is not null
),

age_bands as (
    select distinct age_band as value from mart_usage_monthly where age_band is not null
    union
    select distinct age_band from mart_survey_monthly where age_band is not null
),

final as (
    select 'service' as dimension, value, max(label) as label from services group by all
    union all
    select 'channel', c.value, r.label from channels as c left join kpi_ref_channels as r on r.channel = c.value
    union all
    select 'commune', value, value from communes
    union all
    select 'age_band', value, value from age_bands
)

select * from final order by dimension, value;

comment on table mart_dimension_values is 'Valeurs présentes dans les données pour chaque filtre (service, canal, commune, tranche d''âge), avec leur libellé.';
