"""The inventory of equipment and platforms through the one ingest (register CSV and XLSX, ANCT's
national lists), its rejected rows, the flags and counts of ``kpi_equipment`` at given dates against
values worked out by hand, idempotence, and personal data never stored.

Fixtures: ``tests/fixtures/equipment/`` (built by ``build_equipment.py`` there). The register CSV's
good rows (lines 2–9):

    line id       kind              commune status     since       until       RGAA  statement   FC
    2    WIFI-01  public_wifi       39901   operational 2022-03-15
    3    FIB-01   network_link      39902   operational 2021-09-01
    4    PLT-01   online_platform   –       operational 2024-06-01              0.62  2025-01-15  oui
    5    PLT-02   online_platform   39901   operational 2019-09-01              0.45  2021-05-10  non
    6    PLT-03   online_platform   –       planned     2027-01-01
    7    PLT-04   online_platform   39902   degraded    2018-01-01              0.80  –           non
    8    FS-01    france_services   39902   operational 2022-01-01
    9    TNI-01   school_equipment  39903   retired     2015-09-01  2024-06-30

and one bad row per reason on lines 10–16.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.diagnostic.inventory import equipment_at, equipment_summary
from pipelines.ingest.adapters.equipment import KIND_LABELS, kind_of, status_of
from pipelines.ingest.run import ingest
from schemas.diagnostic import EQUIPMENT_KINDS

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "equipment"
DEMO_PLAN = ROOT / "pipelines" / "demo" / "plan.toml"

REGISTER = "inventaire_equipements.csv"
XLSX = "inventaire_equipements.xlsx"
MEDIATION_V1 = "lieux-de-mediation-numerique_v1.csv"
MEDIATION = "lieux-de-mediation-numerique.csv"
FRANCE_SERVICES = "structures-france-services.csv"
ALL = (REGISTER, XLSX, MEDIATION_V1, MEDIATION, FRANCE_SERVICES)

# personal data written in the fixtures: none may reach the warehouse
PERSONAL = (
    "Jeanne Martin",
    "06 12 34 56 78",
    "jeanne.martin@example.org",
    "+33384000001",
    "fs-sorne@example.org",
    "mediatheque@example.org",
    "bus-fs@example.org",
    "atelier@example.org",
    "03 84 00 00 07",
    "franceservices.sorne@example.org",
    "2 rue de la Poste",
    "1 place du Marché",
)


class Zone:
    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.data.mkdir()
        self.warehouse = root / "warehouse.duckdb"

    def add(self, *names: str, sub: str = "") -> None:
        folder = self.data / sub if sub else self.data
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(FIXTURES / name, folder / name)

    def ingest(self, plan: Path | None = None):
        reports = ingest([self.data], self.warehouse, data_dir=self.data, plan_path=plan)
        return {Path(r.path).name: r for r in reports}

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.connect() as con:
            return con.execute(sql, params or []).fetchall()


@pytest.fixture
def zone(tmp_path) -> Zone:
    return Zone(tmp_path)


def _assets(zone: Zone, source: str = "inventaire") -> dict[str, tuple]:
    rows = zone.rows(
        "select asset_id, kind, commune, status, since, until, rgaa_rate, accessibility_statement_date, "
        "franceconnect from equipment where source = ?",
        [source],
    )
    return {r[0]: r[1:] for r in rows}


def test_register_csv_loaded_with_french_words(zone):
    zone.add(REGISTER)
    report = zone.ingest()[REGISTER]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (15, 8, 7)
    assert report.source == "inventaire" and report.dataset == "equipment"
    d = dt.date
    assert _assets(zone) == {
        "WIFI-01": ("public_wifi", "39901", "operational", d(2022, 3, 15), None, None, None, None),
        "FIB-01": ("network_link", "39902", "operational", d(2021, 9, 1), None, None, None, None),
        "PLT-01": ("online_platform", None, "operational", d(2024, 6, 1), None, 0.62, d(2025, 1, 15), True),
        "PLT-02": (
            "online_platform",
            "39901",
            "operational",
            d(2019, 9, 1),
            None,
            0.45,
            d(2021, 5, 10),
            False,
        ),
        "PLT-03": ("online_platform", None, "planned", d(2027, 1, 1), None, None, None, None),
        "PLT-04": ("online_platform", "39902", "degraded", d(2018, 1, 1), None, 0.8, None, False),
        "FS-01": ("france_services", "39902", "operational", d(2022, 1, 1), None, None, None, None),
        "TNI-01": ("school_equipment", "39903", "retired", d(2015, 9, 1), d(2024, 6, 30), None, None, None),
    }
    # the register's label is kept, its identifier is the row's key
    assert zone.rows("select label from equipment where asset_id = 'FIB-01'") == [("Fibre de la mairie",)]
    assert zone.rows("select source_id from equipment where asset_id = 'PLT-01'") == [("PLT-01",)]


def test_each_rejection_has_its_french_reason(zone):
    zone.add(REGISTER)
    zone.ingest()
    rejected = zone.rows('select line, "column", "check", value, message from rejected_rows order by line')
    assert [(line, c, check, v) for line, c, check, v, _ in rejected] == [
        (10, "kind", "kind_unknown", "Borne de recharge électrique"),
        (11, "status", "status_unknown", "Volé"),
        (12, "rgaa_rate", "rgaa_outside", "120 %"),
        (13, "accessibility_statement_date", "statement_in_future", "01/01/2099"),
        (14, "until", "until_before_since", "01/01/2022"),
        (15, "commune", "insee_malformed", "399081"),
        (16, "commune", "commune_name", "Sorne-le-Château"),
    ]
    messages = [m for *_, m in rejected]
    assert messages[0].startswith("Type d'équipement « Borne de recharge électrique » inconnu.")
    assert messages[1].startswith("État « Volé » inconnu.")
    assert messages[2] == "Taux de conformité RGAA « 120 % » hors de l'intervalle 0 à 100 %."
    assert messages[3].startswith("Déclaration d'accessibilité datée du 01/01/2099, dans le futur")
    assert messages[4] == (
        "Date de retrait (01/01/2022) antérieure à la mise en service (01/06/2023) : "
        "l'une des deux dates est fausse."
    )
    assert messages[5].startswith("Code INSEE « 399081 » mal formé : 5 caractères sont attendus")
    assert messages[6].startswith("Commune « Sorne-le-Château » : indiquez son code INSEE")


def test_register_xlsx(zone):
    zone.add(XLSX)
    report = zone.ingest()[XLSX]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 3, 0)
    d = dt.date
    assert _assets(zone) == {
        "ENI-01": ("school_equipment", "39909", "operational", d(2023, 9, 1), None, None, None, None),
        "PORT-01": ("online_platform", None, "operational", d(2022, 1, 10), None, 0.75, d(2022, 3, 1), True),
        "MED-01": ("mediation_place", "39910", "planned", d(2027, 3, 1), None, None, None, None),
    }


def test_flags_and_status_at_dates(zone):
    zone.add(REGISTER)
    zone.ingest()
    with zone.connect() as con:
        mid = {r["asset_id"]: r for r in equipment_at(con, dt.date(2026, 6, 30)).to_dicts()}
        early = {r["asset_id"]: r for r in equipment_at(con, dt.date(2024, 1, 1)).to_dicts()}
        edge = {
            day: {r["asset_id"]: r["flag"] for r in equipment_at(con, dt.date(2028, 1, day)).to_dicts()}
            for day in (15, 16)
        }
    assert len(mid) == 8
    # 30/06/2026: PLT-02's statement (10/05/2021) is older than 30/06/2023; PLT-04 has none;
    # PLT-01's (15/01/2025) is recent; PLT-03 is not open yet; other kinds are never flagged
    assert {k: r["flag"] for k, r in mid.items() if r["flag"]} == {
        "PLT-02": "statement_old",
        "PLT-04": "statement_missing",
    }
    assert mid["PLT-02"]["flag_reason"] == (
        "Déclaration d'accessibilité du 10/05/2021, vieille de plus de 3 ans au 30/06/2026 : "
        "à mettre à jour après un nouvel audit."
    )
    assert mid["PLT-04"]["flag_reason"].startswith(
        "Plateforme en ligne sans déclaration d'accessibilité au 30/06/2026"
    )
    assert mid["PLT-01"]["flag_reason"] is None
    assert (mid["PLT-03"]["status_at"], mid["TNI-01"]["status_at"]) == ("planned", "retired")
    # 01/01/2024: PLT-01 opens on 01/06/2024 (planned, no flag); PLT-02's statement is 2 years 8 months
    # old; TNI-01 is retired on 30/06/2024, in service before
    assert {k: r["flag"] for k, r in early.items() if r["flag"]} == {"PLT-04": "statement_missing"}
    assert early["PLT-01"]["status_at"] == "planned"
    assert early["TNI-01"]["status_at"] == "operational"
    # PLT-01's statement of 15/01/2025 turns 3 years old on 15/01/2028: flagged from the 16th
    assert (edge[15]["PLT-01"], edge[16]["PLT-01"]) == (None, "statement_old")


def test_summary_counts_per_commune_kind_status(zone):
    zone.add(REGISTER)
    zone.ingest()
    with zone.connect() as con:
        mid = equipment_summary(con, dt.date(2026, 6, 30)).rows()
        early = equipment_summary(con, dt.date(2024, 1, 1)).rows()
    assert mid == [
        ("39901", "online_platform", "operational", 1, 1),
        ("39901", "public_wifi", "operational", 1, 0),
        ("39902", "france_services", "operational", 1, 0),
        ("39902", "network_link", "operational", 1, 0),
        ("39902", "online_platform", "degraded", 1, 1),
        ("39903", "school_equipment", "retired", 1, 0),
        (None, "online_platform", "operational", 1, 0),
        (None, "online_platform", "planned", 1, 0),
    ]
    assert early == [
        ("39901", "online_platform", "operational", 1, 0),
        ("39901", "public_wifi", "operational", 1, 0),
        ("39902", "france_services", "operational", 1, 0),
        ("39902", "network_link", "operational", 1, 0),
        ("39902", "online_platform", "degraded", 1, 1),
        ("39903", "school_equipment", "operational", 1, 0),
        (None, "online_platform", "planned", 2, 0),
    ]


def test_national_lists_without_plan_keep_every_commune(zone):
    zone.add(MEDIATION_V1, MEDIATION, FRANCE_SERVICES)
    reports = zone.ingest()
    v1 = reports[MEDIATION_V1]
    assert (v1.rows_read, v1.rows_loaded, v1.rows_rejected) == (5, 4, 1)
    assert "4 ligne(s) gardée(s) (aucune liste de communes dans le plan)" in v1.message
    assert _assets(zone, "anct-lieux-mediation-numerique") == {
        # France Services by its national label (labels_nationaux, then dispositif_programmes_nationaux)
        "lieu-001": ("france_services", "39902", "operational", None, None, None, None, None),
        "lieu-002": ("mediation_place", "39901", "operational", None, None, None, None, None),
        "lieu-003": ("mediation_place", "75056", "operational", None, None, None, None, None),
        "lieu-004": ("mediation_place", "69123", "operational", None, None, None, None, None),
        "b5c1": ("france_services", "39903", "operational", None, None, None, None, None),
        "b5c2": ("mediation_place", "39904", "operational", None, None, None, None, None),
        "b5c3": ("mediation_place", "69123", "operational", None, None, None, None, None),
    }
    assert zone.rows('select line, "check", value from rejected_rows') == [(6, "insee_malformed", "399X0")]
    d = dt.date
    assert _assets(zone, "anct-france-services") == {
        "FS-3901": ("france_services", "39902", "operational", d(2022, 1, 1), None, None, None, None),
        "FS-3902": ("france_services", "39905", "operational", d(2023, 9, 15), None, None, None, None),
        "FS-7501": ("france_services", "75056", "operational", d(2020, 1, 1), None, None, None, None),
    }
    assert zone.rows("select label from equipment where asset_id = 'FS-3902'") == [
        ("France services de Villers",)
    ]


def test_national_lists_keep_the_plans_communes(zone):
    zone.add(MEDIATION_V1, MEDIATION, FRANCE_SERVICES)
    reports = zone.ingest(plan=DEMO_PLAN)
    assert "2 ligne(s) gardée(s) sur 4, celles des 12 communes du plan" in reports[MEDIATION_V1].message
    assert "2 ligne(s) gardée(s) sur 3, celles des 12 communes du plan" in reports[MEDIATION].message
    assert "2 ligne(s) gardée(s) sur 3, celles des 12 communes du plan" in reports[FRANCE_SERVICES].message
    assert (reports[MEDIATION].rows_read, reports[MEDIATION].rows_loaded) == (3, 2)
    kept = zone.rows("select asset_id, commune from equipment order by asset_id")
    assert kept == [
        ("FS-3901", "39902"),
        ("FS-3902", "39905"),
        ("b5c1", "39903"),
        ("b5c2", "39904"),
        ("lieu-001", "39902"),
        ("lieu-002", "39901"),
    ]


def test_same_files_twice_same_warehouse(zone):
    zone.add(*ALL)
    zone.ingest()
    before = zone.rows("select * exclude (file_id) from equipment order by all")
    rejected = zone.rows("select count(*) from rejected_rows")
    zone.add(*ALL, sub="copie")
    again = zone.ingest()
    assert all(r.status == "skipped" for r in again.values())
    assert zone.rows("select * exclude (file_id) from equipment order by all") == before
    assert zone.rows("select count(*) from rejected_rows") == rejected
    assert len(before) == 8 + 3 + 7 + 3


def test_a_later_register_updates_its_assets(zone):
    zone.add(REGISTER)
    zone.ingest()
    text = (FIXTURES / REGISTER).read_bytes().decode("cp1252")
    header = text.split("\r\n")[0]
    later = (
        header
        + "\r\nPLT-04;Site internet;Site de la commune;39902;En service;01/01/2018;;92 %;01/02/2026;Oui;;;\r\n"
    )
    (zone.data / "inventaire_2026.csv").write_bytes(later.encode("cp1252"))
    report = zone.ingest()["inventaire_2026.csv"]
    assert (report.rows_new, report.rows_updated) == (0, 1)
    assert _assets(zone)["PLT-04"] == (
        "online_platform",
        "39902",
        "operational",
        dt.date(2018, 1, 1),
        None,
        0.92,
        dt.date(2026, 2, 1),
        True,
    )
    assert zone.rows("select count(*) from equipment") == [(8,)]


def test_personal_data_never_stored(zone):
    zone.add(*ALL)
    zone.ingest()
    # the fixtures do hold them (the test can fail)
    raw = "".join(
        (FIXTURES / n).read_bytes().decode("cp1252" if n == REGISTER else "utf-8") for n in ALL if n != XLSX
    )
    assert all(p in raw for p in PERSONAL)
    with zone.connect() as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        found = []
        for table in tables:
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_name = ? "
                    "and data_type = 'VARCHAR'",
                    [table],
                ).fetchall()
            ]
            for c in cols:
                for p in PERSONAL:
                    n = con.execute(
                        f'select count(*) from "{table}" where contains("{c}", ?)', [p]
                    ).fetchone()[0]
                    if n:
                        found.append((table, c, p))
    assert "equipment" in tables and "rejected_rows" in tables
    assert found == []


def test_a_register_without_inventory_columns_is_recognised_by_its_kinds(zone):
    (zone.data / "parc.csv").write_text(
        "Identifiant;Nature;Libellé;Code INSEE;Statut\nA1;Wi-Fi public;Wi-Fi mairie;39901;En service\n"
        "A2;TNI;TNI école;39902;Prévu\n",
        encoding="utf-8",
    )
    (zone.data / "demandes.csv").write_text(
        "Identifiant;Type;Nom;Statut\n1;Acte de naissance;Dupont;Traité\n", encoding="utf-8"
    )
    reports = zone.ingest()
    assert reports["parc.csv"].source == "inventaire" and reports["parc.csv"].rows_loaded == 2
    assert reports["demandes.csv"].source != "inventaire"
    assert _assets(zone)["A2"][:3] == ("school_equipment", "39902", "planned")


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("Wi-Fi public", "public_wifi"),
        ("borne wifi", "public_wifi"),
        ("Borne Wi-Fi de la salle des fêtes", "public_wifi"),
        ("raccordement fibre", "network_link"),
        ("Réseau", "network_link"),
        ("portail citoyen", "online_platform"),
        ("Portail famille", "online_platform"),
        ("GNAU", "online_platform"),
        ("Site internet", "online_platform"),
        ("France Services", "france_services"),
        ("lieu de médiation numérique", "mediation_place"),
        ("tablettes école", "school_equipment"),
        ("ENI", "school_equipment"),
        ("TNI", "school_equipment"),
        ("Borne de recharge", None),
        ("Denis", None),
    ],
)
def test_kind_words(word, kind):
    assert kind_of(word) == kind


def test_status_words_and_kinds_cover_the_model():
    assert [status_of(w) for w in ("en service", "Prévu", "DÉGRADÉ", "retiré", "hors service", "volé")] == [
        "operational",
        "planned",
        "degraded",
        "retired",
        "retired",
        None,
    ]
    assert set(KIND_LABELS) == set(EQUIPMENT_KINDS)


def test_a_register_without_kinds_is_refused_with_the_closest_format(zone):
    (zone.data / "parc_sans_nature.csv").write_text(
        "Identifiant;Nom;Code INSEE;État;Date de mise en service;Taux de conformité RGAA\n"
        "A1;Wi-Fi mairie;39901;En service;01/01/2024;\n",
        encoding="utf-8",
    )
    report = zone.ingest()["parc_sans_nature.csv"]
    assert report.status == "refused"
    assert report.message.startswith("Format de fichier non reconnu.")
    assert (
        "Format connu le plus proche : inventaire des équipements et plateformes numériques" in report.message
    )


def test_a_phone_or_email_typed_in_a_name_is_masked(zone):
    (zone.data / "parc.csv").write_text(
        "Identifiant;Type;Nom;Code INSEE;État;Date de mise en service\n"
        "A1;Wi-Fi public;Wi-Fi mairie (panne : appeler le 06 11 22 33 44 ou wifi@example.org);39901;En service;01/01/2024\n",
        encoding="utf-8",
    )
    zone.ingest()
    (label,) = zone.rows("select label from equipment")[0]
    assert "06 11 22 33 44" not in label and "wifi@example.org" not in label
    assert label.startswith("Wi-Fi mairie (panne : appeler le ")


def test_a_warehouse_without_the_inventory_views_says_so_in_french(tmp_path):
    from pipelines.errors import ViewsMissing

    with duckdb.connect(str(tmp_path / "vide.duckdb")) as con, pytest.raises(ViewsMissing, match="relancez"):
        equipment_at(con, dt.date(2026, 1, 1))


def test_register_in_utf8_with_bom_and_empty_excel_lines(zone):
    text = (FIXTURES / REGISTER).read_bytes().decode("cp1252") + ";;;;;;;;;;;;\r\n;;;;;;;;;;;;\r\n"
    (zone.data / "inventaire_utf8.csv").write_bytes(text.encode("utf-8-sig"))
    report = zone.ingest()["inventaire_utf8.csv"]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (15, 8, 7)
    assert _assets(zone)["PLT-01"][5:] == (0.62, dt.date(2025, 1, 15), True)
    assert zone.rows("select value from rejected_rows where \"check\" = 'commune_name'") == [
        ("Sorne-le-Château",)
    ]


def test_french_labels_beside_the_codes(zone):
    from pipelines.diagnostic.inventory import with_labels

    zone.add(REGISTER)
    zone.ingest()
    with zone.connect() as con:
        assets = with_labels(equipment_at(con, dt.date(2026, 6, 30)))
        summary = with_labels(equipment_summary(con, dt.date(2026, 6, 30)))
    plt04 = assets.filter(asset_id="PLT-04").row(0, named=True)
    assert (plt04["kind_label"], plt04["status_label"], plt04["flag_label"]) == (
        "plateforme en ligne",
        "dégradé",
        "déclaration d'accessibilité absente",
    )
    assert set(summary["status_label"]) == {"en service", "dégradé", "retiré", "prévu"}
