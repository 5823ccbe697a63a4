-- The territory's communes, one row each, from the producers' files loaded in `territory`
-- (one row per commune × year × producer file, each file filling the columns it knows).
--
-- For each column, the newest non-empty value: the highest `year`, then the file loaded last
-- (`file_id`), so that a newer file of one producer updates only what that producer says.
-- `year` is the newest year of any row of the commune; `sources` lists the producers that said
-- something about it (insee-cog, insee-populations, insee-densite, mednum-ifn, arcep…).
create or replace view territory_communes as
with

rows as (
    select *, year::bigint * 1000000000 + file_id as recency from territory
),

final as (
    select
        commune,
        arg_max(name, recency) filter (where name is not null) as name,
        arg_max(population, recency) filter (where population is not null) as population,
        arg_max(density_class, recency) filter (where density_class is not null) as density_class,
        arg_max(fragility_index, recency) filter (where fragility_index is not null) as fragility_index,
        arg_max(thd_coverage, recency) filter (where thd_coverage is not null) as thd_coverage,
        max(year) as year,
        string_agg(distinct source, ', ' order by source) as sources
    from rows
    group by commune
)

select * from final;

comment on view territory_communes is 'Communes du territoire : pour chaque colonne, la valeur la plus récente connue (année, puis dernier fichier chargé) ; sources = producteurs des fichiers.';
