-- The inventory of equipment and platforms (equipment), at a date as_of.
--
-- status_at, the asset's status at as_of:
--   'retired' when its retirement date (until) is on or before as_of;
--   'planned' when its commissioning date (since) is after as_of (not there yet at that date);
--   'operational' for an asset the register says retired on a date after as_of (still in service then);
--   otherwise the status the register gives (retired without a date: retired at any as_of). A planned asset whose commissioning date has passed
--   stays 'planned', as the register says: the register is the authority's word on whether it
--   actually opened, a date passing does not open it.
-- flag, for an online platform (kind = 'online_platform') in service at as_of (status_at
-- operational or degraded) only, since the accessibility statement is owed by a service open to
-- users:
--   'statement_missing' when it has no accessibility statement date, or one after as_of (no
--   statement yet at that date);
--   'statement_old' when the statement is older than 3 years at as_of (dated before as_of − 3 years);
--   null otherwise. flag_reason says it in a French sentence.
create or replace macro kpi_equipment(as_of) as table
with

assets as (
    select
        e.*,
        case
            when e.until is not null and e.until <= cast(as_of as date) then 'retired'
            when e.since is not null and e.since > cast(as_of as date) then 'planned'
            when e.status = 'retired' and e.until is not null then 'operational'
            else e.status
        end as status_at
    from equipment as e
),

flagged as (
    select
        a.*,
        case
            when a.kind <> 'online_platform' or a.status_at not in ('operational', 'degraded') then null
            when a.accessibility_statement_date is null
                or a.accessibility_statement_date > cast(as_of as date) then 'statement_missing'
            when a.accessibility_statement_date < cast(cast(as_of as date) - interval 3 year as date)
                then 'statement_old'
        end as flag
    from assets as a
)

select
    f.*,
    case f.flag
        when 'statement_missing' then
            'Plateforme en ligne sans déclaration d''accessibilité au ' || strftime(cast(as_of as date), '%d/%m/%Y')
            || ' : la déclaration est obligatoire pour un service en ligne public (RGAA).'
        when 'statement_old' then
            'Déclaration d''accessibilité du ' || strftime(f.accessibility_statement_date, '%d/%m/%Y')
            || ', vieille de plus de 3 ans au ' || strftime(cast(as_of as date), '%d/%m/%Y')
            || ' : à mettre à jour après un nouvel audit.'
    end as flag_reason
from flagged as f
order by f.commune nulls last, f.kind, f.label, f.source, f.source_id;

-- Counts per commune × kind × status at as_of (status_at of kpi_equipment), with the flagged
-- platforms among them; commune null: assets of the whole authority (an intercommunal platform).
create or replace macro kpi_equipment_summary(as_of) as table
select
    commune,
    kind,
    status_at as status,
    count(*) as assets,
    count(flag) as flagged
from kpi_equipment(as_of)
group by all
order by commune nulls last, kind, status;
