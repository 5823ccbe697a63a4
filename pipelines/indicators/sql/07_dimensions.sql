-- Values present in the data for each filter dimension, with the label found in the exports.
-- Rebuilt after every refresh of the marts, from the marts alone.
create or replace table mart_dimension_values as
with

labels as (
    select * from mart_service_labels
),

usage as (
    select * from mart_usage_monthly
),

cases as (
    select * from mart_cases
),

responses as (
    select * from mart_survey_monthly
),

services as (
    select service as value, max(label) as label from labels group by all
),

channels as (
    select distinct channel as value from usage
    union
    select distinct channel from cases where channel is not null
    union
    select distinct channel from responses where channel is not null
),

communes as (
    select distinct commune as value from usage where commune is not null
    union
    select distinct commune from cases where commune is not null
    union
    select distinct commune from responses where commune is not null
),

age_bands as (
    select distinct age_band as value from usage where age_band is not null
    union
    select distinct age_band from responses where age_band is not null
),

final as (
    select 'service' as dimension, value, label from services
    union all
    select 'channel', c.value, r.label from channels as c left join kpi_ref_channels as r on r.channel = c.value
    union all
    select 'commune', value, value from communes
    union all
    select 'age_band', value, value from age_bands
)

select * from final order by dimension, value;

comment on table mart_dimension_values is 'Valeurs présentes dans les données pour chaque filtre (service, canal, commune, tranche d''âge), avec leur libellé.';
