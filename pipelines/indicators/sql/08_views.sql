-- Views for any SQL client (DBeaver, duckdb CLI, a BI tool): the default period, the plan's
-- indicators with their baselines, monthly series per service and channel.

-- The default evaluation period: the 12 months ending with the latest complete month of data. The
-- data clock is the latest request (usage_events), or the latest timestamp of any dataset when
-- there are no requests, or today when the warehouse is empty; a month is complete when the data
-- reaches its last calendar day.
create or replace view kpi_default_period as
with

bounds as (
    select * from mart_data_bounds
),

latest as (
    select coalesce(
        (select max_at from bounds where dataset = 'usage'),
        (select max(max_at) from bounds),
        current_date::timestamp - interval 1 day
    ) as latest_at
),

final as (
    select
        latest_at,
        (kpi_complete_month_end(latest_at) + 1 - interval 12 month)::date as period_start,
        kpi_complete_month_end(latest_at) as period_end,
        (kpi_complete_month_end(latest_at) + 1)::date as period_stop
    from latest
)

select * from final;

comment on view kpi_default_period is 'Période par défaut : les 12 mois se terminant au dernier mois complet de données.';

-- Each indicator over its baseline period (whole months), and the baseline value retained: the
-- one typed in the plan, else the computed one (a cohort-based delay median: Kaplan–Meier, as in
-- kpi_indicator_at).
create or replace view kpi_indicator_baselines as
with

indicators as (
    select
        p.*,
        date_trunc('month', p.baseline_start)::date as baseline_period_start,
        (date_trunc('month', p.baseline_end) + interval 1 month)::date as baseline_period_stop,
        case when p.measure = 'delay_median' and b.delay_basis = 'cohort' then 'delay_median_cohort' else p.measure end
            as measure_key
    from plan_indicators as p
    left join plan_delay_bases as b on b.indicator_id = p.indicator_id
),

final as (
    select
        i.indicator_id,
        i.baseline_period_start,
        (i.baseline_period_stop - 1)::date as baseline_period_end,
        m.value as computed_value,
        m.ci_low,
        m.ci_high,
        coalesce(m.n, 0) as n,
        coalesce(i.baseline_value, m.value) as baseline_value,
        case when i.baseline_value is null then 'computed' else 'manual' end as baseline_source
    from indicators as i
    left join lateral (
        select * from kpi_measure(
            i.measure_key, i.baseline_period_start, i.baseline_period_stop,
            services := case when len(i.scope_services) > 0 then i.scope_services end,
            channels := case when len(i.scope_channels) > 0 then i.scope_channels end,
            communes := case when len(i.scope_communes) > 0 then i.scope_communes end,
            age_bands := case when len(i.scope_age_bands) > 0 then i.scope_age_bands end
        )
    ) as m on true
)

select * from final;

comment on view kpi_indicator_baselines is 'Valeur de référence de chaque indicateur du plan (saisie, sinon calculée sur sa période de référence).';

-- The plan's indicators over the default period, beside their baseline and target.
create or replace view kpi_indicators as
with

period as (
    select * from kpi_default_period
),

current_period as (
    select * from kpi_indicator_at((select period_start from period), (select period_stop from period))
),

baselines as (
    select * from kpi_indicator_baselines
),

indicators as (
    select * from plan_indicators
),

final as (
    select
        c.*,
        b.baseline_value,
        b.baseline_source,
        i.target_value,
        i.target_date,
        i.min_sample
    from current_period as c
    inner join baselines as b on b.indicator_id = c.indicator_id
    inner join indicators as i on i.indicator_id = c.indicator_id
)

select * from final;

comment on view kpi_indicators is 'Indicateurs du plan sur les 12 derniers mois complets : valeur, intervalle à 95 %, effectif, référence et cible.';

-- Monthly series per service and channel. Totals over services or channels are not sums of
-- these rows for medians and means: ask the table macros with fewer dims, e.g.
--   select * from kpi_take_up(null, null, dims := ['month']).
create or replace view kpi_take_up_monthly as
select * from kpi_take_up(null, null, dims := ['month', 'service', 'channel']);

comment on view kpi_take_up_monthly is 'Taux de démarches en ligne par mois, service et canal (intervalle de Wilson).';

create or replace view kpi_delay_monthly as
with

delays as (
    select * from kpi_delay(null, null, dims := ['month', 'service', 'channel'])
),

censored as (
    select * from kpi_delay_km(null, null, dims := ['month', 'service', 'channel'])
),

final as (
    select d.*, k.km_median, k.n_cohort, k.n_censored
    from delays as d
    left join censored as k
        on k.month = d.month and k.service = d.service and k.channel is not distinct from d.channel
)

select * from final;

comment on view kpi_delay_monthly is 'Délais par mois de décision, service et canal : médiane et 9e décile (intervalles par statistiques d''ordre), moyenne, part dans le délai ; médiane de Kaplan-Meier de la cohorte déposée ce mois-là.';

create or replace view kpi_backlog_monthly as
select * from kpi_backlog(null, null, dims := ['month', 'service', 'channel']);

comment on view kpi_backlog_monthly is 'Dossiers en attente à la fin de chaque mois, par service et canal, et leur âge médian.';

create or replace view kpi_satisfaction_monthly as
select * from kpi_satisfaction(null, null, dims := ['month', 'service', 'channel']);

comment on view kpi_satisfaction_monthly is 'Satisfaction par mois, service et canal : note moyenne (Student), part de satisfaits (Wilson), NPS.';

-- Filter values with their labels: the plan's service catalogue wins over the exports' labels;
-- a commune reads « Nom (code) » when the territory files name it (newest name: year, then file),
-- its code otherwise.
create or replace view kpi_dimension_values as
with

seen as (
    select * from mart_dimension_values
),

catalogue as (
    select slug, label from plan_services
),

commune_names as (
    select commune, arg_max(name, year::bigint * 1000000000 + file_id) as name
    from territory
    where name is not null
    group by commune
),

final as (
    select
        s.dimension,
        s.value,
        coalesce(c.label, n.name || ' (' || s.value || ')', s.label, s.value) as label
    from seen as s
    left join catalogue as c on s.dimension = 'service' and c.slug = s.value
    left join commune_names as n on s.dimension = 'commune' and n.commune = s.value
)

select * from final;
