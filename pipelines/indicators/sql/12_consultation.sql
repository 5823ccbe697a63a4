-- Citizen consultations, from consultation_items (one row per consultation × item).
--
-- kpi_consultation(): per consultation × item, the item's share of the consultation's participants
-- (share = supports ÷ participants) with its Wilson 95 % interval (kpi_wilson_low/high, n =
-- participants), and its rank within the consultation by supports (1 = most supported; ties share
-- a rank). A consultation whose participants are unknown (Decidim: votes on proposals) has no share
-- nor interval, only supports and rank.
--
-- kpi_consultation_demand(): per catalogue service named by at least one item, pooled over the
-- consultations:
--   * within one consultation, a service named by several items (« Acte de naissance », « Acte de
--     mariage » → etat-civil) counts the largest supports of its items — a participant who ticked
--     both is then counted once (a lower bound of the participants asking for the service, never
--     above the participants) — when the consultation's participants are known; the votes of its
--     items are summed when they are not (votes on distinct proposals);
--   * supports = Σ of those supports over the consultations whose participants are known,
--     participants = Σ of their participants, share = supports ÷ participants, Wilson 95 %
--     interval on that pooled proportion (each participant of each consultation one trial);
--   * votes = Σ supports of the consultations without participants (reported, not in the share);
--   * consultations = consultations whose items name the service (both kinds).
create or replace macro kpi_consultation() as table
select
    consultation,
    consultation_label,
    closed_on,
    item,
    service,
    supports,
    participants,
    case when participants > 0 then supports::double / participants end as share,
    kpi_wilson_low(supports, participants) as ci_low,
    kpi_wilson_high(supports, participants) as ci_high,
    rank() over (partition by consultation order by supports desc) as rank
from consultation_items
order by consultation, rank, item;

create or replace macro kpi_consultation_demand() as table
with

per_consultation as (
    select
        service,
        consultation,
        max(participants) as participants,
        case when max(participants) is not null then max(supports) else sum(supports) end as supports
    from consultation_items
    where service is not null
    group by service, consultation
),

pooled as (
    select
        service,
        count(*) as consultations,
        coalesce(sum(supports) filter (where participants is not null), 0)::bigint as supports,
        sum(participants) filter (where participants is not null)::bigint as participants,
        coalesce(sum(supports) filter (where participants is null), 0)::bigint as votes
    from per_consultation
    group by service
)

select
    service,
    consultations,
    supports,
    participants,
    case when participants > 0 then supports::double / participants end as share,
    kpi_wilson_low(supports, participants) as ci_low,
    kpi_wilson_high(supports, participants) as ci_high,
    votes
from pooled
order by share desc nulls last, votes desc, service;
