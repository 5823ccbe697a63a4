"""The territory's open-data files through the one ingest path, and the view ``territory_communes``,
checked against values read by hand in the fixtures (tests/fixtures/territory/build_territory.py).

By hand:
- COG: 9 rows; COMA 01080 and COMD 01015 « Arbignieu » skipped; 7 kept, ARM 75101 among them;
- populations: « 1 » + « 4 » → 01004 (14 514); 971 + 101 → 97101 (53 491); 2A + 004 → 2A004
  (73 299); 01999 is not in the COG → rejected once the COG is loaded;
- IFN: « 134,07185342 » → 134.07185342; « 1004 » → 01004 (92.5); the header repeated on line 4
  skipped; « 123 » (line 7) rejected;
- Arcep: 01001 has 450 premises, 25 + 100 + 200 = 325 of them ≥ 30 Mbit/s → 325 / 450 = 0.722222;
  2A004: (2 000 + 4 000 + 40 000) / 48 000; 97101: (5 000 + 5 000 + 15 000) / 30 000; header on
  line 2 under the disclaimer; « 123 » (line 6) rejected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.run import ingest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "territory"
COG, POPS, DENSITY = "v_commune_2024.csv", "donnees_communes_2021.csv", "grille_densite_7_niveaux_2024.xlsx"
IFN, ARCEP = "ifn_communes_2020.csv", "arcep_ma_connexion_internet_communes.csv"


class Zone:
    def __init__(self, root: Path, plan: Path | None = None) -> None:
        self.data = root / "data"
        self.data.mkdir()
        self.warehouse = root / "warehouse.duckdb"
        self.plan = plan

    def add(self, *names: str, sub: str = "") -> list[Path]:
        folder = self.data / sub if sub else self.data
        folder.mkdir(parents=True, exist_ok=True)
        return [Path(shutil.copy(FIXTURES / n, folder / n)) for n in names]

    def ingest(self, *paths: Path) -> dict:
        reports = ingest(list(paths) or [self.data], self.warehouse, data_dir=self.data, plan_path=self.plan)
        return {Path(r.path).name: r for r in reports}

    def rows(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def territory(self, source: str) -> dict:
        rows = self.rows(
            "select commune, name, year, population, density_class, fragility_index, thd_coverage "
            f"from territory where source = '{source}'"
        )
        return {r[0]: r[1:] for r in rows}

    def rejected(self, name: str) -> list[tuple]:
        return self.rows(
            'select r.line, r."column", r.value, r.message from rejected_rows as r join ingest_files as f '
            f"using (file_id) where f.path like '%{name}' order by r.line"
        )


@pytest.fixture
def zone(tmp_path) -> Zone:
    return Zone(tmp_path)


@pytest.fixture
def loaded(zone) -> tuple[Zone, dict]:
    """The COG first (so that the other files' codes are checked against it), then the rest."""
    (cog,) = zone.add(COG)
    reports = zone.ingest(cog)
    zone.add(POPS, DENSITY, IFN, ARCEP)
    reports = zone.ingest() | reports  # the COG skipped the second time: its first report kept
    return zone, reports


def test_cog_keeps_communes_and_districts_not_associated_or_delegated(loaded):
    zone, reports = loaded
    r = reports[COG]
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (9, 7, 0)
    assert "2 commune(s) associée(s) ou déléguée(s) écartée(s) (COMA : 1, COMD : 1)" in r.message
    cog = zone.territory("insee-cog")
    assert sorted(cog) == ["01001", "01004", "01015", "2A004", "75056", "75101", "97101"]
    assert cog["01015"][0] == "Arboys en Bugey"  # the COM row, not its delegated commune Arbignieu
    assert cog["01001"][:2] == (
        "L'Abergement-Clémenciat",
        2024,
    )  # LIBELLE, with its article; year of the name
    assert cog["75101"][0] == "Paris 1er Arrondissement"
    ids = {i for (i,) in zone.rows("select source_id from territory where source = 'insee-cog'")}
    assert "insee-cog/2A004/2024" in ids


def test_populations_codes_joined_repaired_and_checked_against_the_cog(loaded):
    zone, reports = loaded
    pops = zone.territory("insee-populations")
    assert {c: v[2] for c, v in pops.items()} == {
        "01001": 859,
        "01004": 14514,
        "2A004": 73299,
        "97101": 53491,
    }
    assert pops["97101"][:2] == ("Les Abymes", 2021)
    r = reports[POPS]
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 4, 1)
    assert "1 code(s) INSEE réparé(s)" in r.message
    ((line, column, value, message),) = zone.rejected(POPS)
    assert (line, column, value) == (4, "commune", "01999")
    assert "inconnu du Code officiel géographique" in message


def test_density_grid_xlsx_with_title_rows_and_line_broken_headers(loaded):
    zone, reports = loaded
    r = reports[DENSITY]
    assert r.headers == [{"sheet": "Grille 7 niveaux", "line": 4}]
    density = zone.territory("insee-densite")
    assert {c: v[3] for c, v in density.items()} == {
        "01001": "Rural à habitat dispersé",
        "01004": "Ceintures urbaines",
        "2A004": "Centres urbains intermédiaires",
        "97101": "Centres urbains intermédiaires",
    }


def test_ifn_decimal_comma_repeated_header_lost_zero_and_malformed_code(loaded):
    zone, reports = loaded
    ifn = zone.territory("mednum-ifn")
    assert {c: v[4] for c, v in ifn.items()} == {
        "01001": pytest.approx(134.07185342),
        "01004": pytest.approx(92.5),
        "2A004": pytest.approx(88.25),
        "97101": pytest.approx(141.9),
    }
    r = reports[IFN]
    # 6 records: 4 loaded, « 123 » rejected, the repeated header skipped
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (6, 4, 1)
    assert "1 ligne(s) d'en-tête répétée(s)" in r.message
    ((line, column, value, message),) = zone.rejected(IFN)
    assert (line, column, value) == (7, "commune", "123")
    assert "Code INSEE « 123 » illisible" in message


def test_arcep_disclaimer_and_share_of_premises_at_30_mbits(loaded):
    zone, reports = loaded
    arcep = zone.territory("arcep")
    assert arcep["01001"][5] == pytest.approx(325 / 450, abs=1e-6)
    assert arcep["2A004"][5] == pytest.approx(46000 / 48000, abs=1e-6)
    assert arcep["97101"][5] == pytest.approx(25000 / 30000, abs=1e-6)
    assert {v[1] for v in arcep.values()} == {2024}  # from the file's own date column
    assert reports[ARCEP].headers == [{"sheet": None, "line": 2}]
    assert [row[:3] for row in zone.rejected(ARCEP)] == [(6, "commune", "123")]


def test_view_keeps_the_newest_value_of_each_column(loaded):
    zone, _ = loaded
    view = "select * from territory_communes where commune = '01001'"
    assert zone.rows(view) == [
        (
            "01001",
            "L'Abergement-Clémenciat",
            859,
            "Rural à habitat dispersé",
            pytest.approx(134.07185342),
            pytest.approx(0.722222),
            2024,
            "arcep, insee-cog, insee-densite, insee-populations, mednum-ifn",
        )
    ]
    # a newer IFN (2023) updates the index and nothing else; an older one (2019) changes nothing
    (zone.data / "ifn_communes_2023.csv").write_text(
        "Code Com;Nom Com;SCORE GLOBAL region\n01001;L'Abergement-Clémenciat;120,5\n", encoding="utf-8"
    )
    (zone.data / "ifn_communes_2019.csv").write_text(
        "Code Com;Nom Com;SCORE GLOBAL region\n01001;L'Abergement-Clémenciat;99,0\n", encoding="utf-8"
    )
    zone.ingest()
    row = zone.rows(
        "select population, fragility_index, thd_coverage from territory_communes where commune = '01001'"
    )
    assert row == [(859, pytest.approx(120.5), pytest.approx(0.722222))]


def test_same_files_twice_same_warehouse(loaded):
    zone, _ = loaded
    query = "select * exclude (file_id) from territory order by all"
    before = zone.rows(query)
    zone.add(COG, POPS, DENSITY, IFN, ARCEP, sub="copie")
    assert all(r.status == "skipped" for r in zone.ingest().values())
    assert zone.rows(query) == before
    assert len(before) == 7 + 4 + 4 + 4 + 3


def test_without_a_cog_an_unknown_but_wellformed_code_is_kept(zone):
    zone.add(POPS)
    r = zone.ingest()[POPS]
    assert (r.rows_loaded, r.rows_rejected) == (5, 0)


def test_ifn_by_iris_refused_with_the_reason(zone):
    (zone.data / "ifn_iris.csv").write_text(
        "Code Iris;Nom Com;SCORE GLOBAL region\n010010000;L'Abergement-Clémenciat;134,07\n", encoding="utf-8"
    )
    r = zone.ingest()["ifn_iris.csv"]
    assert r.status == "refused" and "publié par IRIS" in r.message


PLAN = """\
[authority]
name = "Communauté de test"
communes = [{codes}]

[plan]
title = "Plan de test"
start = 2024-01-01
end = 2028-12-31
"""


def test_national_file_cut_to_the_plan_communes(tmp_path):
    # 95 départements × 367 communes + 70 = 34 935 communes, as in a national Arcep file
    codes = [f"{d:02d}{c:03d}" for d in range(1, 96) for c in range(1, 368)][: 34_935 - 70]
    codes += [f"97{d}{c:02d}" for d in (1, 2) for c in range(1, 36)]
    assert len(codes) == 34_935
    plan_codes = codes[100:112]
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.format(codes=", ".join(f'"{c}"' for c in plan_codes)), encoding="utf-8")
    zone = Zone(tmp_path, plan)
    lines = ["Avertissement : données déclaratives des opérateurs.", ";".join(ARCEP_HEADER)]
    for i, code in enumerate(codes):
        lines.append(f"{code};Commune {i};01;84;100;commune;0;0;0;0;10;20;{i % 50};2025-03-31")
    (zone.data / "arcep_national.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = zone.ingest()["arcep_national.csv"]
    assert "12 commune(s) gardée(s) sur 34\u00a0935 (communes du plan)" in r.message
    assert (r.rows_loaded, r.rows_rejected) == (12, 0)
    got = dict(zone.rows("select commune, thd_coverage from territory"))
    # commune i has 10 + 20 + (i mod 50) premises ≥ 30 Mbit/s out of 100
    assert got == {c: pytest.approx((30 + (100 + k) % 50) / 100) for k, c in enumerate(plan_codes)}


ARCEP_HEADER = (
    "code_insee", "nom_com", "code_dep", "code_reg", "nbr", "type", "inel_hd", "elig_hd05", "elig_hd3",
    "elig_hd8", "elig_thd30", "elig_thd100", "elig_thd1g", "date",
)  # fmt: skip


def test_demo_territory_through_the_ingest(tmp_path):
    from pipelines.demo.diagnostic_territory import write
    from pipelines.demo.generate import COMMUNES, PLAN_FILE

    zone = Zone(tmp_path, Path(shutil.copy(PLAN_FILE, tmp_path / "plan.toml")))
    files = write(zone.data)
    reports = zone.ingest()
    assert {r.status for r in reports.values()} == {"loaded"} and len(reports) == len(files) == 5
    assert all("12 commune(s) gardée(s) sur 14" in r.message for r in reports.values())
    rows = zone.rows(
        "select commune, name, population, density_class, fragility_index, thd_coverage, sources "
        "from territory_communes order by population desc"
    )
    assert [(c, n, p) for c, n, p, *_ in rows] == sorted(COMMUNES, key=lambda c: -c[2])
    assert all(
        r[3] and r[6] == "arcep, insee-cog, insee-densite, insee-populations, mednum-ifn" for r in rows
    )
    fragility = [r[4] for r in rows]
    cover = [r[5] for r in rows]
    # the smallest communes are the most fragile and the least covered (by population, largest first)
    assert fragility[0] < 100 < fragility[-1] and sum(fragility[-4:]) > sum(fragility[:4])
    assert cover == sorted(cover, reverse=True) and cover[-1] < 0.5 < cover[0]


def test_populations_workbook_with_long_labels_and_title_rows(zone):
    zone.add("ensemble_populations_legales_2021.xlsx")
    r = zone.ingest()["ensemble_populations_legales_2021.xlsx"]
    assert r.headers == [{"sheet": "Communes", "line": 6}]
    assert "feuille(s) ignorée(s), sans format reconnu : « Régions »" in r.message
    pops = zone.territory("insee-populations")
    # the same five communes as the CSV: « 1 » + « 4 » → 01004, 971 + 101 → 97101; no COG: 01999 kept
    assert {c: v[2] for c, v in pops.items()} == {
        "01001": 859,
        "01004": 14514,
        "01999": 120,
        "2A004": 73299,
        "97101": 53491,
    }
    assert pops["2A004"][:2] == ("Ajaccio", 2021)


ARCEP_TOP = '"Données déclaratives."\n' + ";".join(ARCEP_HEADER) + "\n"


def test_arcep_rows_per_premises_type_summed_or_total_kept(zone):
    # two types of premises for 01001: 100 + 50 premises, 60 + 30 of them ≥ 30 Mbit/s → 90 / 150
    (zone.data / "arcep_types.csv").write_text(
        ARCEP_TOP
        + "01001;A;01;84;100;logements;0;10;10;20;20;20;20;2025-06-30\n"
        + "01001;A;01;84;50;locaux professionnels;0;5;5;10;10;10;10;2025-06-30\n",
        encoding="utf-8",
    )
    # a « total » row beside its parts: only the total counts (40 / 200)
    (zone.data / "arcep_total.csv").write_text(
        ARCEP_TOP
        + "01004;B;01;84;150;logements;0;0;0;150;0;0;0;2025-06-30\n"
        + "01004;B;01;84;200;total;0;0;0;160;10;10;20;2025-06-30\n",
        encoding="utf-8",
    )
    reports = zone.ingest()
    assert "additionnés par commune" in reports["arcep_types.csv"].message
    got = {c: v[5] for c, v in zone.territory("arcep").items()}
    assert got == {"01001": pytest.approx(90 / 150, abs=1e-6), "01004": pytest.approx(40 / 200, abs=1e-6)}
    assert {v[1] for v in zone.territory("arcep").values()} == {2025}


def test_density_grid_by_level_number_only(zone):
    # a 4-level grid file giving only the level: labels from INSEE's 4 levels
    (zone.data / "grille_densite_4_niveaux.csv").write_text(
        "Code Commune;Libellé des communes;Typo degré de Densité\n01001;A;4\n01004;B;2\n", encoding="utf-8"
    )
    r = zone.ingest()["grille_densite_4_niveaux.csv"]
    assert "grille à 4 niveaux" in r.message and "année en cours" in r.message
    got = {c: v[3] for c, v in zone.territory("insee-densite").items()}
    assert got == {"01001": "Commune très peu dense", "01004": "Commune de densité intermédiaire"}
