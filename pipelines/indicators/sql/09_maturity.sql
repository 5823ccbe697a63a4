-- Digital maturity, from maturity_answers and the referential in use (maturity_items, maturity_themes).
--
-- Per theme × wave × respondent group, and pooled over the groups (group = 'all'):
-- each respondent (one respondent_key, within its group) gets as theme score the mean of the levels
-- they gave to the theme's items, « ne sait pas » (null level) excluded; a respondent who answered
-- « ne sait pas » to every item of a theme has no score for it and is not counted. The theme score is
-- the mean of the respondents' scores, with its Student 95 % interval over respondents
-- (mean ± t(0.975, n − 1) · sd / √n), n = respondents, cut to the scale (0 to 5, as the NPS interval
-- is cut to −100…100); a single respondent has no interval.
-- below_min: fewer respondents than the referential's min_respondents (flagged, never hidden).
-- Score and interval are rounded to 9 decimals: a float sum depends on the order DuckDB's threads
-- add the respondents in, and the same warehouse must give the same numbers (and charts) every time.
create or replace macro kpi_maturity() as table
with

answers as (
    select a.wave, a.respondent_group, a.respondent_key, i.theme, a.level
    from maturity_answers as a
    join maturity_items as i using (item)
    where a.level is not null
),

respondents as (
    select wave, theme, respondent_group, respondent_key, avg(level) as respondent_score
    from answers
    group by all
),

grouped as (
    select wave, theme, respondent_group as "group", respondent_score from respondents
    union all
    select wave, theme, 'all' as "group", respondent_score from respondents
),

summed as (
    select
        wave,
        theme,
        "group",
        count(*) as n,
        avg(respondent_score) as score,
        stddev_samp(respondent_score) as sd
    from grouped
    group by all
)

select
    s.theme,
    th.label,
    s.wave,
    s."group",
    round(s.score, 9) as score,
    case when s.n > 1 then round(greatest(0.0, s.score - coalesce(t.t, kpi_t975_approx(s.n - 1)) * s.sd / sqrt(s.n)), 9) end as ci_low,
    case when s.n > 1 then round(least(5.0, s.score + coalesce(t.t, kpi_t975_approx(s.n - 1)) * s.sd / sqrt(s.n)), 9) end as ci_high,
    s.n,
    th.min_respondents,
    s.n < th.min_respondents as below_min
from summed as s
join maturity_themes as th using (theme)
left join kpi_ref_t975 as t on t.df = s.n - 1
order by s.theme, s.wave, s."group";

create or replace view kpi_maturity_scores as select * from kpi_maturity();
comment on view kpi_maturity_scores is 'Maturité numérique par thème, vague et groupe de répondants (« all » : tous groupes) : score moyen 0–5, intervalle de Student à 95 %, nombre de répondants, vague sous le minimum du référentiel.';
