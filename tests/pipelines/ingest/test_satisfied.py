"""``satisfied`` is derived from the score for every source; a contradicting flag is a rejected row."""

from __future__ import annotations

HEADER = "source,source_id,responded_at,service,channel,score_raw,scale_min,scale_max,score_10,satisfied,complete\n"


def test_canonical_csv_satisfied_follows_the_score_and_a_contradiction_is_refused(zone):
    path = zone.write(
        "survey_responses.csv",
        HEADER
        + "demo,r1,2025-03-01 10:00:00,etat-civil,online,,,,8,,true\n"  # derived: satisfied
        + "demo,r2,2025-03-01 10:00:00,etat-civil,online,,,,7.5,,true\n"  # 7.5 is satisfied
        + "demo,r3,2025-03-01 10:00:00,etat-civil,online,,,,7,true,true\n"  # contradicts: refused
        + "demo,r4,2025-03-01 10:00:00,etat-civil,online,,,,9,false,true\n"  # contradicts: refused
        + "demo,r5,2025-03-01 10:00:00,etat-civil,online,,,,2,false,true\n"  # agrees
        + "demo,r6,2025-03-01 10:00:00,etat-civil,online,,,,,true,true\n",  # no score: flag kept
    )
    (report,) = zone.ingest(path)
    assert (report.rows_loaded, report.rows_rejected) == (4, 2)
    assert zone.rows("select source_id, satisfied from survey_responses order by source_id") == [
        ("r1", True),
        ("r2", True),
        ("r5", False),
        ("r6", True),
    ]
    rejected = zone.rows('select line, "column", "check", message from rejected_rows order by line')
    assert [r[:3] for r in rejected] == [
        (4, "satisfied", "satisfied_contradicts_score"),
        (5, "satisfied", "satisfied_contradicts_score"),
    ]
    assert rejected[0][3] == (
        "Indicateur « satisfait » (oui) contraire à la note (7 sur 10) : est satisfait qui donne au moins "
        "7,5 sur 10 ; corrigez l'un ou l'autre."
    )
    # the mean and the share count the same scored responses
    n_scored, n_share = zone.one(
        "select count(score_10), count(satisfied) from survey_responses where score_10 is not null"
    )
    assert n_scored == n_share == 3


def test_a_mapping_flag_that_contradicts_the_score_is_refused(zone):
    zone.mapping(
        "enquete.toml",
        """
[match]
columns = ["id", "note", "content"]

[target]
dataset = "survey"
source = "enquete-test"

[columns]
source_id = "id"
score_raw = "note"
satisfied = "content"

[scale]
min = 1
max = 5

[values.satisfied]
"oui" = "true"
"non" = "false"

[constants]
channel = "online"
service = "etat-civil"
""",
    )
    path = zone.write("enquete.csv", "id,note,content\n1,5,oui\n2,4,non\n3,2,oui\n4,1,non\n")
    reports = zone.ingest(path)
    assert len(reports) == 1, [(r.path, r.status, r.message) for r in reports]
    (report,) = reports
    assert (report.rows_loaded, report.rows_rejected) == (2, 2)
    assert zone.rows("select source_id, score_10, satisfied from survey_responses order by source_id") == [
        ("1", 10.0, True),
        ("4", 0.0, False),
    ]


def test_the_survey_mart_tells_the_questionnaires_apart(zone):
    from tests.pipelines.ingest.conftest import EXAMPLE_MAPPING

    zone.mapping("enquete.toml", EXAMPLE_MAPPING.read_text(encoding="utf-8"))
    zone.add(
        "Avis_Inscription_scolaire_2026-05-10_08-00-00.csv",
        "results-survey456789_default-full-text_comma.csv",
    )
    zone.ingest()
    jdma = zone.one(
        "select count(*) from survey_responses where source = 'jdma' and complete and responded_at is not null"
    )
    lime = zone.one(
        "select count(*) from survey_responses where source like 'limesurvey%' and complete and responded_at is not null"
    )
    assert jdma and lime
    # « Je donne mon avis »: 3 points (Très bien / Moyen / Pas bien); the LimeSurvey questionnaire: 1 to 5
    assert zone.rows("select instrument, sum(responses) from mart_survey_monthly group by 1 order by 1") == [
        ("1-5", lime),
        ("3pts", jdma),
    ]
