"""Decidim proposals exports (the published variants of its ``ProposalSerializer``) and the canonical
CSV of ``consultation_items``, through the one ingest path; then the demand per service of
``kpi_consultation_demand()`` against sums and Wilson intervals made by hand.

``decidim-budget-participatif-2026-proposals.csv`` (Decidim 0.27: ``;``, ``title/fr``, ``votes``,
``endorsements/total_count``, ``withdrawn``, ``author/name``): proposals 101 (42 votes, category
« État civil »), 102 « Permis de construire » (17), 103 (5, no service), 104 withdrawn (refused),
105 with −3 votes (refused). ``decidim-ancienne-version-proposals.csv`` (earlier versions: ``,``,
plain ``title``/``body``, ``supports``, ``endorsements`` as a count): 7 « Acte de naissance » (30),
8 (12).
"""

from __future__ import annotations

import shutil

import pytest

from tests.pipelines.diagnostic.test_consultation_limesurvey import FIXTURES, MAPPING, wilson
from tests.pipelines.ingest.conftest import DropZone

BUDGET = "decidim-budget-participatif-2026"


def add(zone: DropZone, *names: str) -> None:
    for name in names:
        shutil.copy(FIXTURES / name, zone.data / name)


@pytest.fixture
def zone(tmp_path) -> DropZone:
    return DropZone(tmp_path)


def test_decidim_027_export(zone):
    add(zone, "decidim-budget-participatif-2026-proposals.csv")
    (report,) = zone.ingest()
    assert report.status == "partial", report.message
    assert (report.rows_loaded, report.rows_rejected) == (3, 2)
    rows = {
        r[0]: r[1:]
        for r in zone.rows(
            "select source_id, item, service, supports, participants, comment, consultation_label "
            "from consultation_items"
        )
    }
    assert rows[f"{BUDGET}/101"][:4] == (
        "Demander un acte de naissance sans se déplacer",
        "etat-civil",
        42,
        None,
    )
    assert rows[f"{BUDGET}/101"][4] == "Ce serait pratique. Contact : [e-mail masqué]"  # HTML and e-mail gone
    assert rows[f"{BUDGET}/102"][1:3] == ("urbanisme", 17)
    assert rows[f"{BUDGET}/102"][4] == "Déposer le permis en ligne, appelez le [téléphone masqué]"
    assert rows[f"{BUDGET}/103"][1:4] == (None, 5, None)
    assert rows[f"{BUDGET}/103"][5] == "Espace participatif budget-participatif-2026 (Decidim)"
    refused = dict(zone.rows("select line, message from rejected_rows"))
    assert "retirée par son auteur" in refused[5]
    assert "« -3 »" in refused[6]
    # authors' names and profiles are never stored
    dump = " ".join(str(r) for r in zone.rows("select * from consultation_items"))
    dump += " ".join(str(r) for r in zone.rows("select * from rejected_rows"))
    assert "Paul Martin" not in dump and "pmartin" not in dump and "paul.martin@" not in dump


def test_decidim_earlier_version(zone):
    add(zone, "decidim-ancienne-version-proposals.csv")
    (report,) = zone.ingest()
    assert report.status == "loaded", report.message
    assert sorted(
        zone.rows("select consultation, item, service, supports, comment from consultation_items")
    ) == [
        ("decidim-conseil-citoyen", "Acte de naissance", "etat-civil", 30, "Pouvoir le demander en ligne"),
        ("decidim-conseil-citoyen", "Un marché bio", None, 12, None),
    ]


def test_decidim_open_data_without_votes_takes_likes(zone):
    zone.write(
        "open-data-proposals.csv",
        "id;taxonomies;participatory_space/id;participatory_space/url;component/id;title/en;title/machine_translations/fr;"
        "body/en;state;reference;answer/en;likes/total_count;comments;attachments;follows_count;published_at;url;"
        "is_amend;withdrawn\n"
        "31;[];2;https://x.example/processes/ville-numerique;5;Passport online;Passeport en ligne;Please;;"
        "X-PROP-31;;9;0;0;1;2026-01-01;https://x.example/p/31;false;false\n",
    )
    (report,) = zone.ingest()
    assert report.status == "loaded", report.message
    assert zone.one("select item || '|' || supports from consultation_items") == "Passport online|9"
    assert "likes/total_count" in report.message


def test_canonical_csv_refuses_supports_above_participants(zone):
    zone.write(
        "consultation_items.csv",
        "source_id,consultation,consultation_label,closed_on,item,service,supports,participants,comment\n"
        "a1,atelier-2026,Atelier citoyen,2026-02-10,Acte de naissance,,7,10,Appeler le 0612345678\n"
        "a2,atelier-2026,Atelier citoyen,2026-02-10,Cantine,,12,10,\n"
        "a3,atelier-2026,Atelier citoyen,2026-02-10,Bancs,,-1,10,\n",
    )
    (report,) = zone.ingest()
    assert report.rows_loaded == 1 and report.rows_rejected == 2, report.message
    assert (
        zone.one("select service || '|' || comment from consultation_items")
        == "etat-civil|Appeler le [téléphone masqué]"
    )
    messages = dict(zone.rows("select line, message from rejected_rows"))
    assert "plus de participants" in messages[3]
    assert "« -1 »" in messages[4]


def test_demand_per_service_pooled(zone):
    """Consultations loaded: « demarches-en-ligne-2026 » (8 participants: Acte de naissance 3, Acte de
    mariage 2 — both etat-civil —, Inscription scolaire 2), limesurvey-135790 (4 participants: Acte
    de naissance 3, Permis de construire 1) and the two Decidim spaces (votes, no participants:
    etat-civil 42 + 30, urbanisme 17).

    etat-civil: within the first consultation max(3, 2) = 3 (not 5); pooled supports 3 + 3 = 6 over
    8 + 4 = 12 participants, share 0.5; votes 42 + 30 = 72; 4 consultations.
    urbanisme: 1 / 4 = 0.25, votes 17, 2 consultations. inscription-scolaire: 2 / 8, 1 consultation.
    """
    zone.mapping("consultation.toml", MAPPING)
    add(
        zone,
        "results-survey246810.csv",
        "results-survey135790.csv",
        "decidim-budget-participatif-2026-proposals.csv",
        "decidim-ancienne-version-proposals.csv",
    )
    zone.ingest()
    from pipelines.diagnostic.consultation import consultation_demand, consultation_ranking
    from pipelines.warehouse import read_connection

    with read_connection(zone.warehouse) as con:
        demand = {r["service"]: r for r in consultation_demand(con).to_dicts()}
        ranking = consultation_ranking(con, "demarches-en-ligne-2026")
    civil = demand["etat-civil"]
    assert (civil["consultations"], civil["supports"], civil["participants"], civil["votes"]) == (
        4,
        6,
        12,
        72,
    )
    assert civil["share"] == pytest.approx(0.5)
    assert (civil["ci_low"], civil["ci_high"]) == pytest.approx(wilson(6, 12), abs=1e-12)
    urba = demand["urbanisme"]
    assert (urba["consultations"], urba["supports"], urba["participants"], urba["votes"]) == (2, 1, 4, 17)
    assert (urba["ci_low"], urba["ci_high"]) == pytest.approx(wilson(1, 4), abs=1e-12)
    school = demand["inscription-scolaire"]
    assert (school["supports"], school["participants"], school["votes"]) == (2, 8, 0)
    assert school["share"] == pytest.approx(0.25)
    assert next(iter(demand)) == "etat-civil"  # highest share first
    # the ranking of one consultation: « Autre » (4) first, then Acte de naissance (3), then the ties at 2
    assert ranking["item"].to_list()[:2] == ["Autre", "Acte de naissance"]
    assert ranking["rank"].to_list() == [1, 2, 3, 3, 3]
    low, high = ranking.filter(ranking["item"] == "Acte de naissance").select("ci_low", "ci_high").row(0)
    assert (low, high) == pytest.approx(wilson(3, 8), abs=1e-12)


def test_decidim_with_a_mapping_stating_participants(zone):
    """``[target] format = "decidim"``: the export through the built-in adapter, with the title,
    closing date and participants the export does not hold; shares then exist (42 / 120)."""
    zone.mapping(
        "budget.toml",
        '[match]\nfilename = "decidim-budget-*"\n[target]\nformat = "decidim"\n[constants]\n'
        'consultation_label = "Budget participatif 2026"\nclosed_on = "2026-03-31"\nparticipants = 120\n',
    )
    add(zone, "decidim-budget-participatif-2026-proposals.csv")
    (report,) = zone.ingest()
    assert report.status == "partial", report.message
    label, closed, share, low, high = zone.one(
        "select consultation_label, closed_on, share, ci_low, ci_high from kpi_consultation() where rank = 1"
    )
    assert (label, str(closed)) == ("Budget participatif 2026", "2026-03-31")
    assert share == pytest.approx(42 / 120)
    assert (low, high) == pytest.approx(wilson(42, 120), abs=1e-12)


def test_decidim_json_export(zone):
    """Decidim's JSON export (nested objects, flattened like its CSV): same items as the CSV would give;
    the endorsers' and authors' names are not stored."""
    add(zone, "decidim-ville-numerique-proposals.json")
    (report,) = zone.ingest()
    assert report.status == "loaded", report.message
    assert sorted(
        zone.rows("select source_id, item, service, supports, comment from consultation_items")
    ) == [
        (
            "decidim-ville-numerique/301",
            "Tout faire en ligne pour les naissances",
            "etat-civil",  # through the category « État civil »
            23,
            "Écrire à [e-mail masqué] pour en parler.",
        ),
        ("decidim-ville-numerique/302", "Un composteur par quartier", None, 11, "Pour réduire les déchets."),
    ]
    dump = str(zone.rows("select * from consultation_items"))
    assert "Léa Blanc" not in dump and "Omar" not in dump


def test_json_that_is_not_a_list_of_records_is_refused(zone):
    zone.write("reglages.json", '{"theme": "sombre"}')
    (report,) = zone.ingest()
    assert report.status == "refused"
    assert "liste d'enregistrements" in report.message


def test_decidim_same_file_twice_then_new_votes(zone):
    """Same export twice: skipped, same rows. A later export (more votes on 101): updated in place."""
    add(zone, "decidim-ancienne-version-proposals.csv")
    zone.ingest()
    before = zone.rows("select * exclude (file_id) from consultation_items order by source_id")
    (again,) = zone.ingest()
    assert again.status == "skipped"
    assert zone.rows("select * exclude (file_id) from consultation_items order by source_id") == before
    path = zone.data / "decidim-ancienne-version-proposals.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",30,", ",31,"), encoding="utf-8")
    (later,) = zone.ingest()
    assert (later.rows_new, later.rows_updated) == (0, 1), later.message
    assert zone.rows("select source_id, supports from consultation_items order by source_id") == [
        ("decidim-conseil-citoyen/7", 31),
        ("decidim-conseil-citoyen/8", 12),
    ]
