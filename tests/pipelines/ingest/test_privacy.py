"""Personal data never reaches the warehouse, whatever the format; comments keep their words."""

from __future__ import annotations

import duckdb

from tests.pipelines.ingest.conftest import EXAMPLE_MAPPING

# planted in the fixtures: names, e-mails (users, instructors, experts), phones, an address
PERSONAL = [
    "camille.durand@example.org",
    "Durand",
    "Camille",
    "Lefebvre",
    "j.lefebvre@example.net",
    "a.mercier@mairie-exemple.example",
    "Mercier",
    "t.nguyen@mairie-exemple.example",
    "Roussel",
    "inspecteur.logement@mairie-exemple.example",
    "expert.hygiene@example.net",
    "Garnier",
    "Louise",
    "12 rue des Lilas",
    "06 11 22 33 44",
    "tresorier@example.org",
    "Lefort",
    "Agnès",
    "04 95 00 00 00",
    "06 12 34 56 78",
    "c.rousseau@mairie-exemple.example",
    "paul.roux@example.com",
    "agent.decheterie@mairie-exemple.example",
    "jean.dupont@example.org",
    "contact@mairie-exemple.example",
    "Ana Pereira",
    "Tom Weber",
    "parent.eleve@example.com",
    "01 23 45 67 89",
    "Martin Dubois",
    "Josette Perrin",
    "06 98 76 54 32",
    "03 84 00 00 00",
    "P. Marchand",
    "C. Rousseau",
    "Traoré",
    "Justificatif de domicile de plus de 3 mois",
]

FILES = [
    "dossiers_carte-stationnement-residentiel_2025-06-02_09-41.csv",
    "dossiers_permis-de-louer_2025-06-02_10-15.xlsx",
    "dossiers_subvention-associations_2025-05-20_08-00.csv",
    "dossiers_badge-decheterie_2025-06-01_12-00.csv",
    "Avis_Demande_d_acte_de_naissance_2026-06-15_07-12-03.csv",
    "Avis_Demande_d_acte_de_naissance_2025-04-01_09-30-12_legacy-python-exporter.csv",
    "Avis_Inscription_scolaire_2026-05-10_08-00-00.csv",
    "results-survey456789_default-full-text_comma.csv",
    "results-survey778899_tab.csv",
    "suivi_demandes_etat-civil_2025_excel-fr_csv-utf8_bom.csv",
    "registre_accueil_mairie_2025-T1.csv",
    "suivi_urbanisme_2025.xlsx",
]

TAB_MAPPING = """
[match]
columns = ["Overall, how satisfied are you (0 to 10)?"]
[target]
dataset = "survey"
[columns]
responded_at = "Date submitted"
score_raw = "Overall, how satisfied are you (0 to 10)?"
channel = "Which channel did you use?"
comment = "Comments"
[scale]
min = 0
max = 10
[values.channel]
"Counter" = "counter"
"Phone" = "phone"
"Online" = "online"
"""


def _all_text(warehouse) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cols = con.execute(
            "select table_name, column_name from information_schema.columns where data_type = 'VARCHAR' and table_schema = 'main'"
        ).fetchall()
        chunks = []
        for table, column in cols:
            chunks += [
                v
                for (v,) in con.execute(
                    f'select distinct "{column}" from "{table}" where "{column}" is not null'
                ).fetchall()
            ]
        return "\n".join(chunks)
    finally:
        con.close()


def test_no_personal_data_in_any_table(zone):
    zone.add(*FILES)
    first = zone.ingest()  # LimeSurvey files refused (no mapping yet): their messages are stored too
    assert sum(r.status == "refused" for r in first) == 2
    refusals = _all_text(zone.warehouse)
    assert "Questions trouvées" in refusals
    assert [p for p in PERSONAL if p.lower() in refusals.lower()] == []
    full_text = EXAMPLE_MAPPING.read_text(encoding="utf-8").replace(
        '# comment = "Avez-vous des remarques ou des suggestions ?"',
        'comment = "Avez-vous des remarques ou des suggestions ?"',
    )
    zone.mapping("enquete-accueil.toml", full_text)
    zone.mapping("enquete-778899.toml", TAB_MAPPING)
    second = zone.ingest()
    assert all(r.status in ("loaded", "partial", "skipped") for r in second), [r.message for r in second]
    text = _all_text(zone.warehouse)
    assert "Agent très aimable." in text  # the check does read the free text
    leaked = [p for p in PERSONAL if p.lower() in text.lower()]
    assert leaked == []


def test_comments_keep_their_words_with_e_mails_and_phones_masked(zone):
    zone.add(
        "results-survey456789_default-full-text_comma.csv",
        "Avis_Inscription_scolaire_2026-05-10_08-00-00.csv",
    )
    zone.mapping(
        "enquete.toml",
        EXAMPLE_MAPPING.read_text(encoding="utf-8").replace(
            '# comment = "Avez-vous des remarques ou des suggestions ?"',
            'comment = "Avez-vous des remarques ou des suggestions ?"',
        ),
    )
    zone.ingest()
    comments = dict(zone.rows("select source_id, comment from survey_responses where comment is not null"))
    assert comments["2"] == "Rappelez-moi au [téléphone masqué] svp"
    assert comments["5"] == "Écrire à [e-mail masqué], réponse en 2 jours."
    assert comments["4"] == "Trois semaines pour une attestation,\nc'est beaucoup trop long."
    assert comments["7f3a2b2-20260502T223000Z"] == "Écrivez-moi : [e-mail masqué]"
    assert "9" not in comments  # « Sans réponse » is no comment


def test_a_personal_value_in_the_wrong_column_is_masked_in_rejections(zone):
    zone.write(
        "suivi.csv",
        "N° demande;Type de démarche;Canal de dépôt;Date de dépôt;Statut\r\n"
        "A-1;Acte de naissance;marie.curie@example.org;06/01/2025;En cours\r\n"
        "A-2;Acte de naissance;Guichet;06 45 67 89 01;En cours\r\n",
    )
    (report,) = zone.ingest()
    assert report.rows_rejected == 2
    text = _all_text(zone.warehouse)
    assert "marie.curie@example.org" not in text and "06 45 67 89 01" not in text
    assert "[e-mail masqué]" in text
