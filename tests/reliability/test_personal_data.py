"""Personal data (issue 8, RGPD): names, e-mails, phone numbers, addresses and instructors planted in
every supported format never reach the warehouse, the exports or the logs; comments keep their words
with e-mails and phone numbers masked.

One drop folder holds a file per supported format, each carrying the same person (« Gwendoline
Kerbrat », her e-mail, her phone in several spellings, her address, the instructor's e-mail), beside
the ingestion fixtures and their own planted values (``tests/pipelines/ingest/test_privacy.py``). The
real command line then runs as subprocesses, with Python's ``logging`` switched on at DEBUG level so
that any log record is captured with stdout and stderr: ``ingest`` (JSON, before the LimeSurvey mapping
files exist: refusal messages), ``ingest`` (text, with them), ``kpi``, ``report --funder FEDER``,
``review`` and ``export --parquet``. Every planted value is then looked for, case-insensitively (and,
for phones, with spaces, dots and dashes removed), in every text cell of every warehouse table
(``rejected_rows`` and the ingest ledger included), in the bytes of every file written beside the
warehouse, in every file of the packs and of the Parquet export (PDF text, workbook cells and XML,
CSV, SVG, JSON, PNG metadata, Parquet columns), and in the captured logs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from pipelines.ingest.privacy import EMAIL_MASK, PHONE_MASK
from schemas import DATASETS
from tests.conftest import ROOT
from tests.fixtures.build_formats import (
    DS_INDIVIDUAL,
    MATOMO_FR,
    _csv,
    _legacy_rows,
    _limesurvey,
    _matomo,
    _normalise_zip,
)
from tests.pipelines.ingest.conftest import EXAMPLE_MAPPING, FORMATS
from tests.pipelines.ingest.test_privacy import FILES, PERSONAL, TAB_MAPPING

pytestmark = pytest.mark.slow

# --- the person planted everywhere ----------------------------------------------------------------

NAME, FIRST, LAST = "Gwendoline Kerbrat", "Gwendoline", "Kerbrat"
EMAIL = "gwendoline.kerbrat@example.org"
PHONE, PHONE_INTL, PHONE_DOTS, PHONE_BARE = (
    "06 12 34 56 78",
    "+33 6 12 34 56 78",
    "06.12.34.56.78",
    "0612345678",
)
INSTRUCTOR = "instructeur.dupuis@mairie-exemple.example"
INSTRUCTOR_NAME = "Hervé Dupuis"
ADDRESS = "14 rue des Capucines 39000 Lons-le-Saunier"
STREET = "rue des Capucines"
IP = "192.0.2.147"
COMMENT = f"Merci, rappelez-moi au {PHONE} ou écrivez à {EMAIL}, dossier bien reçu"
MASKED = f"Merci, rappelez-moi au {PHONE_MASK} ou écrivez à {EMAIL_MASK}, dossier bien reçu"

PLANTED = [
    NAME,
    FIRST,
    LAST,
    EMAIL,
    PHONE,
    PHONE_INTL,
    PHONE_DOTS,
    PHONE_BARE,
    INSTRUCTOR,
    INSTRUCTOR_NAME,
    ADDRESS,
    STREET,
    IP,
]
NEEDLES = list(dict.fromkeys([*PLANTED, *PERSONAL]))

# comments as planted (source → text) and as they must be stored
COMMENTS = {
    "jdma-current": (COMMENT, MASKED),
    "jdma-current-dots": (
        f"Dossier bien reçu. Joignable au {PHONE_DOTS}.",
        f"Dossier bien reçu. Joignable au {PHONE_MASK}.",
    ),
    "jdma-legacy": (
        f"Rappelez-moi au {PHONE_INTL}, merci ({EMAIL})",
        f"Rappelez-moi au {PHONE_MASK}, merci ({EMAIL_MASK})",
    ),
    "limesurvey": (COMMENT, MASKED),
    "limesurvey-bare": (f"Mon numéro : {PHONE_BARE}", f"Mon numéro : {PHONE_MASK}"),
    "canonical": (COMMENT, MASKED),
}


# --- one file per supported format, built with the ingestion fixtures' writers ----------------------


def _paris(d: dt.datetime) -> str:
    """Démarches Simplifiées' CSV timestamp, with the Paris offset of the day."""
    return d.strftime("%Y-%m-%d %H:%M:%S ") + ("+0200" if 4 <= d.month <= 10 else "+0100")


def _ds_csv(data: Path) -> None:
    header = [
        *DS_INDIVIDUAL,
        "Commune de résidence",
        "Commune de résidence (Code INSEE)",
        "Adresse du demandeur",
        "Téléphone de contact",
        "Précisions",
    ]
    d = dt.datetime
    rows = []
    for i, (state, filed, started, decided) in enumerate(
        [
            ("Accepté", d(2025, 2, 3, 9, 0), d(2025, 2, 4, 10, 0), d(2025, 2, 10, 16, 0)),
            ("Refusé", d(2025, 3, 12, 14, 30), d(2025, 3, 13, 9, 0), d(2025, 3, 20, 11, 0)),
            ("En instruction", d(2025, 5, 5, 8, 15), d(2025, 5, 6, 9, 0), None),
            ("En construction", d(2025, 6, 1, 20, 0), None, None),
        ]
    ):
        rows.append(
            [
                str(88800001 + i),
                EMAIL,
                "false",
                "Mme",
                LAST.upper(),
                FIRST,
                "true",
                LAST,
                FIRST,
                "false",
                state,
                _paris(filed),
                _paris(filed),
                _paris(filed),
                _paris(started) if started else "",
                _paris(decided) if decided else "",
                f"Décision notifiée à {NAME} ({PHONE_DOTS})" if decided else "",
                f"{INSTRUCTOR} autre.agent@mairie-exemple.example",
                "Lons-le-Saunier (39000)",
                "39300",
                ADDRESS,
                PHONE_INTL,
                COMMENT,
            ]
        )
    (data / "dossiers_etat-civil_2025-06-02_10-15.csv").write_bytes(_csv([header, *rows]).encode("utf-8"))


def _ds_xlsx(data: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Dossiers"
    ws.append(
        [
            *DS_INDIVIDUAL,
            "Commune du logement",
            "Commune du logement (Code INSEE)",
            "Adresse du logement",
            "Précisions",
        ]
    )
    d = dt.datetime
    for i, (state, filed, started, decided) in enumerate(
        [
            ("Accepté", d(2025, 1, 20, 9, 30), d(2025, 1, 21, 10, 0), d(2025, 2, 18, 14, 0)),
            ("Classé sans suite", d(2025, 4, 2, 8, 0), d(2025, 4, 3, 9, 0), d(2025, 4, 25, 16, 0)),
            ("En instruction", d(2025, 5, 19, 12, 0), d(2025, 5, 20, 9, 0), None),
        ]
    ):
        ws.append(
            [
                88900001 + i,
                EMAIL,
                False,
                "Mme",
                LAST,
                FIRST,
                False,
                None,
                None,
                False,
                state,
                filed,
                filed,
                filed,
                started,
                decided,
                f"Vu avec {NAME}" if decided else None,
                INSTRUCTOR,
                "Lons-le-Saunier (39000)",
                "39300",
                ADDRESS,
                f"Joindre {NAME} au {PHONE}",
            ]
        )
    et = wb.create_sheet("Etablissements")
    et.append(["Dossier ID", "Champ", "Établissement SIRET", "Établissement Adresse"])
    et.append([88900001, "Bailleur", "12345678900012", ADDRESS])
    av = wb.create_sheet("Avis")
    av.append(
        [
            "Dossier ID",
            "Introduction",
            "Réponse",
            "Question",
            "Créé le",
            "Répondu le",
            "Instructeur",
            "Expert",
        ]
    )
    av.append(
        [
            88900002,
            f"Avis sur le logement de {NAME}",
            f"Rappeler au {PHONE}",
            None,
            d(2025, 4, 3, 9, 0),
            d(2025, 4, 4, 10, 0),
            INSTRUCTOR,
            EMAIL,
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    (data / "dossiers_urbanisme_2025-06-02_10-20.xlsx").write_bytes(_normalise_zip(buf.getvalue()))


def _jdma_current(data: Path) -> None:
    """The current exporter's header, read from the handed-over sample."""
    sample = FORMATS / "Avis_Demande_d_acte_de_naissance_2026-06-15_07-12-03.csv"
    header = next(csv.reader(io.StringIO(sample.read_text(encoding="utf-8"))))
    assert header[0] == "Date de l'avis" and header[-1] == "Adresse mail"
    body = ["Évaluation de la satisfaction usager", "Bouton page de confirmation"]
    help_ = [
        "Par téléphone avec l’administration",
        "Par téléphone avec l’administration : Oui",
        "Par téléphone avec l’administration : Bonne",
    ]
    rows = [
        [
            "2025-04-07 08:12:30",
            *body,
            "b0c0001",
            "Très bien",
            "5",
            *help_,
            COMMENTS["jdma-current"][0],
            EMAIL,
        ],
        [
            "2025-04-09 17:40:02",
            *body,
            "b0c0002",
            "Moyen",
            "3",
            *help_,
            COMMENTS["jdma-current-dots"][0],
            EMAIL,
        ],
        [
            "2025-04-10 10:00:00",
            *body,
            "b0c0003",
            "Très bien",
            "4",
            "Je n'ai pas eu besoin d'aide",
            "",
            "",
            "",
            NAME,
        ],
    ]
    (data / "Avis_Demande_d_acte_de_naissance_2025-06-15_07-12-03.csv").write_bytes(
        _csv([header, *rows]).encode("utf-8")
    )


def _jdma_legacy(data: Path) -> None:
    rows = [
        [
            "c0d0001",
            "1",
            "4521",
            "91",
            "",
            "2025-03-14 11:30:00",
            "Très bien",
            "5",
            "Je n’ai pas eu besoin d’aide",
            COMMENTS["jdma-legacy"][0],
            EMAIL,
        ],
        [
            "c0d0002",
            "1",
            "4521",
            "91",
            "",
            "2025-03-03 09:00:00",
            "Pas bien",
            "2",
            "Par téléphone avec l’administration",
            "",
            PHONE,
        ],
    ]
    (data / "Avis_Inscription_scolaire_2025-04-01_09-30-12_legacy-python-exporter.csv").write_bytes(
        _legacy_rows(rows)
    )


def _jdma_xwiki(data: Path) -> None:
    header = [
        "doc.creationDate",
        "demarche",
        "modalite",
        "score",
        "vote",
        "facile",
        "comprehensible",
        "difficultes",
        "aide",
        "email",
        "commentaire",
    ]
    rows = [
        [
            "2023-05-14 10:20:00",
            "Demande d'acte de naissance",
            "en-ligne-entièrement",
            "3",
            "",
            "oui",
            "3",
            "",
            "",
            EMAIL,
            COMMENT,
        ],
        [
            "2023-05-15 16:05:00",
            "Inscription scolaire",
            "autrement",
            "1",
            "",
            "non",
            "1",
            f"{NAME}, {ADDRESS}, {PHONE_DOTS}",
            "oui",
            INSTRUCTOR,
            "",
        ],
    ]
    (data / "export_avis_xwiki_2023-05.csv").write_bytes(_csv([header, *rows]).encode("utf-8"))


LIMESURVEY_MAPPING = """
[match]
filename = "results-survey990011*"
columns = ["SATISF"]
[target]
dataset = "survey"
source = "limesurvey-990011"
[columns]
responded_at = "submitdate"
score_raw = "SATISF"
channel = "CANAL"
comment = "REMARQUES"
[scale]
min = 1
max = 5
[values.channel]
"A1" = "online"
"A2" = "counter"
"A3" = "phone"
[constants]
service = "etat-civil"
"""


def _limesurvey_codes(data: Path) -> None:
    """Code headings, comma-separated; the questionnaire asks for a name, an e-mail, a phone and an address."""
    header = [
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "startdate",
        "datestamp",
        "ipaddr",
        "CANAL",
        "SATISF",
        "REMARQUES",
        "NOM",
        "COURRIEL",
        "TEL",
        "ADRESSE",
    ]
    rows = [
        [
            "1",
            "2025-05-02 09:12:44",
            "3",
            "fr",
            "11",
            "2025-05-02 09:08:02",
            "2025-05-02 09:12:44",
            IP,
            "A1",
            "5",
            COMMENTS["limesurvey"][0],
            NAME,
            EMAIL,
            PHONE,
            ADDRESS,
        ],
        [
            "2",
            "2025-05-03 14:00:00",
            "3",
            "fr",
            "12",
            "2025-05-03 13:55:00",
            "2025-05-03 14:00:00",
            IP,
            "A3",
            "2",
            COMMENTS["limesurvey-bare"][0],
            LAST,
            INSTRUCTOR,
            PHONE_INTL,
            STREET,
        ],
        [
            "3",
            None,
            "1",
            "fr",
            "13",
            "2025-05-04 08:00:00",
            "2025-05-04 08:01:00",
            IP,
            "A2",
            None,
            None,
            FIRST,
            None,
            PHONE_DOTS,
            None,
        ],
    ]
    (data / "enquetes").mkdir(exist_ok=True)
    (data / "enquetes" / "results-survey990011_codes_comma.csv").write_bytes(
        _limesurvey([header, *rows], ",")
    )


def _matomo_pages(data: Path) -> None:
    """A page report whose URLs carry what users typed in forms and searches."""
    header = [
        "Libellé",
        "Vues de page uniques",
        "Pages vues",
        "Taux de rebond",
        "Temps moyen sur la page",
        "Taux de sortie",
        "Méta-données: url",
    ]
    site = "https://www.mairie-exemple.example"
    rows = [header]
    for label, n in [
        ("/demarches/etat-civil", 900),
        (f"/contact/merci?email={EMAIL}&tel={PHONE_BARE}", 3),
        (f"/recherche?q={NAME}", 2),
        (f"/annuaire/{INSTRUCTOR}", 1),
    ]:
        rows.append([label, str(n), str(n + 10), "35\u00a0%", "00:01:05", "20\u00a0%", site + label])
    (data / "matomo_Exporter_Actions.getPageUrls_range_2025-06-01_2025-06-30_fr.csv").write_bytes(
        _matomo(rows, ",")
    )


def _matomo_summary(data: Path) -> None:
    rows = [
        MATOMO_FR,
        ["2025-06-02", "250", "0", "310", "900", "0", "120", "58000", "21", "39\u00a0%", "2.9", "187"],
    ]
    (data / "matomo_Exporter_VisitsSummary_day_2025-06-02_fr.csv").write_bytes(_matomo(rows, ","))


def _excel_cp1252(data: Path) -> None:
    """A French-Excel log saved as « CSV (séparateur : point-virgule) »: cp1252, CRLF, dd/mm/yyyy."""
    header = [
        "N° demande",
        "Type de démarche",
        "Canal de dépôt",
        "Date de dépôt",
        "Date de décision",
        "Délai (jours)",
        "Statut",
        "Agent instructeur",
        "Nom du demandeur",
        "Téléphone",
        "Adresse",
        "Courriel",
        "Commentaire",
    ]
    person = [NAME, PHONE, ADDRESS, EMAIL, COMMENT]
    rows = [
        [
            "2025-T2-001",
            "Acte de naissance",
            "Guichet",
            "02/04/2025",
            "02/04/2025",
            "0",
            "Délivré",
            INSTRUCTOR_NAME,
            *person,
        ],
        [
            "2025-T2-002",
            "Acte de mariage",
            "En ligne",
            "03/04/2025",
            "10/04/2025",
            "7",
            "Délivré",
            INSTRUCTOR,
            *person,
        ],
        [
            "2025-T2-003",
            "Acte de naissance",
            "Courrier",
            "04/04/2025",
            "",
            "",
            "En cours",
            INSTRUCTOR_NAME,
            *person,
        ],
        # typed in the wrong column: refused, and the value quoted in the rejection is masked
        [
            "2025-T2-004",
            "Acte de naissance",
            EMAIL,
            "05/04/2025",
            "",
            "",
            "En cours",
            INSTRUCTOR_NAME,
            *person,
        ],
        [
            "2025-T2-005",
            "Acte de naissance",
            "Guichet",
            PHONE_DOTS,
            "",
            "",
            "En cours",
            INSTRUCTOR_NAME,
            *person,
        ],
    ]
    text = _csv([header, *rows], delimiter=";", lineterminator="\r\n")
    (data / "suivi_demandes_etat-civil_2025-T2_point-virgule.csv").write_bytes(text.encode("cp1252"))


def _excel_xlsx(data: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "2025"
    ws.append([f"Suivi des demandes d'urbanisme 2025 — tenu par {INSTRUCTOR_NAME}"])
    ws.append([])
    ws.append(
        [
            "N° dossier",
            "Type de démarche",
            "Canal de dépôt",
            "Date de dépôt",
            "Date de décision",
            "Statut",
            "Commune",
            "Agent instructeur",
            "Pétitionnaire",
            "Téléphone",
            "Adresse du terrain",
            "E-mail",
        ]
    )
    d = dt.datetime
    ws.append(
        [
            "PC-2025-101",
            "Permis de construire",
            "En ligne",
            d(2025, 3, 3),
            d(2025, 4, 30),
            "Accordé",
            "39300",
            INSTRUCTOR_NAME,
            NAME,
            PHONE_INTL,
            ADDRESS,
            EMAIL,
        ]
    )
    ws.append(
        [
            "DP-2025-102",
            "Déclaration préalable de travaux",
            "Guichet",
            d(2025, 3, 10),
            None,
            "En cours",
            39300,
            INSTRUCTOR,
            NAME,
            PHONE_DOTS,
            ADDRESS,
            EMAIL,
        ]
    )
    notes = wb.create_sheet("Contacts")
    notes.append(["Nom", "Téléphone", "Courriel"])
    notes.append([NAME, PHONE, EMAIL])
    buf = io.BytesIO()
    wb.save(buf)
    (data / "suivi_urbanisme_2025-T2.xlsx").write_bytes(_normalise_zip(buf.getvalue()))


def _canonical_survey(data: Path) -> None:
    """The canonical CSV of ``survey_responses``, with a comment and contact columns it does not know."""
    columns = [c for c in DATASETS["survey"].columns if c != "source"]
    header = [*columns, "nom", "email", "telephone"]
    base = {
        "service": "etat-civil",
        "channel": "online",
        "score_raw": "4",
        "scale_min": "1",
        "scale_max": "5",
        "score_10": "7.5",
        "satisfied": "true",
        "complete": "true",
    }
    rows = []
    for i, (when, comment) in enumerate(
        [("2025-05-12 10:00:00", COMMENTS["canonical"][0]), ("2025-05-13 11:30:00", "")]
    ):
        row = {**base, "source_id": f"canon-{i + 1}", "responded_at": when, "comment": comment}
        rows.append([row.get(c, "") for c in columns] + [NAME, EMAIL, PHONE])
    (data / "exports").mkdir(exist_ok=True)
    (data / "exports" / "survey_responses_2025.csv").write_bytes(_csv([header, *rows]).encode("utf-8"))


def _unknown_layout(data: Path) -> None:
    """A layout no adapter knows: refused with the columns found and a mapping template (values never quoted)."""
    text = _csv(
        [
            ["Nom", "Prénom", "Courriel", "Téléphone", "Adresse", "Canal", "Observations"],
            [LAST, FIRST, EMAIL, PHONE, ADDRESS, "Guichet", COMMENT],
        ],
        delimiter=";",
    )
    (data / "contacts_usagers_2025.csv").write_bytes(text.encode("utf-8"))


BUILDERS = (
    _ds_csv,
    _ds_xlsx,
    _jdma_current,
    _jdma_legacy,
    _jdma_xwiki,
    _limesurvey_codes,
    _matomo_pages,
    _matomo_summary,
    _excel_cp1252,
    _excel_xlsx,
    _canonical_survey,
    _unknown_layout,
)


# --- running the command line ----------------------------------------------------------------------

# ``python -m pipelines.cli``, with every ``logging`` record (any logger, DEBUG and up) written to stderr
LOG_ON = "LOG barometre.test DEBUG capture on"
BOOT = (
    "import logging, runpy, sys; "
    "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format='LOG %(name)s %(levelname)s %(message)s'); "
    "logging.getLogger('barometre.test').debug('capture on'); "
    "runpy.run_module('pipelines.cli', run_name='__main__', alter_sys=True)"
)


class Logs:
    def __init__(self) -> None:
        self.chunks: list[tuple[str, str]] = []

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BAROMETRE_")}
        proc = subprocess.run(
            [sys.executable, "-c", BOOT, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=600,
        )
        name = f"run {len(self.chunks) // 2 + 1}: {args[0]}" + (" --json" if "--json" in args else "")
        self.chunks += [(f"log of {name} (stdout)", proc.stdout), (f"log of {name} (stderr)", proc.stderr)]
        assert proc.returncode in ok, f"{name} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
        assert LOG_ON in proc.stderr, f"{name}: the logging capture is not in place"
        return proc.stdout


# --- where to look ----------------------------------------------------------------------------------


def _warehouse_cells(warehouse: Path) -> list[tuple[str, str]]:
    """Every text-like column of every table, one chunk per column (distinct values, one per line)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal"
        ).fetchall()
        assert {"survey_responses", "rejected_rows", "ingest_files", "web_audience"} <= {t for _, t in tables}
        chunks = []
        for schema, table in tables:
            cols = con.execute(
                "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
            for column, dtype in cols:
                if not any(t in dtype.upper() for t in ("VARCHAR", "JSON", "[]", "STRUCT", "MAP", "UNION")):
                    continue
                values = con.execute(
                    f'select distinct cast("{column}" as varchar) from "{schema}"."{table}" where "{column}" is not null'
                ).fetchall()
                chunks.append((f"warehouse table {table}, column {column}", "\n".join(v for (v,) in values)))
        return chunks
    finally:
        con.close()


def _parquet_cells(path: Path) -> str:
    con = duckdb.connect()
    try:
        rel = con.execute("select * from read_parquet(?)", [str(path)])
        names = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    return "\n".join(
        f"{n}={v}" for row in rows for n, v in zip(names, row, strict=True) if isinstance(v, str)
    )


def _file_text(path: Path) -> list[tuple[str, str]]:
    """What a person reading the file could see, by kind of file (plus the raw bytes of containers)."""
    suffix = path.suffix.lower()
    raw = path.read_bytes()
    if suffix == ".pdf":
        reader = PdfReader(path)
        chunks = [(f"PDF page {i + 1}", page.extract_text() or "") for i, page in enumerate(reader.pages)]
        chunks.append(
            (
                "PDF metadata",
                json.dumps({k: str(v) for k, v in (reader.metadata or {}).items()}, ensure_ascii=False),
            )
        )
        return chunks
    if suffix == ".xlsx":
        wb = load_workbook(io.BytesIO(raw))
        chunks = [
            (
                f"sheet « {ws.title} »",
                ws.title
                + "\n"
                + "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None),
            )
            for ws in wb.worksheets
        ]
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            chunks += [(f"workbook part {n}", zf.read(n).decode("utf-8", "replace")) for n in zf.namelist()]
        return chunks
    if suffix == ".parquet":
        return [("Parquet cells", _parquet_cells(path))]
    if suffix == ".png":
        return [("PNG bytes", raw.decode("latin-1"))]
    return [("text", raw.decode("utf-8-sig", "replace"))]


def _files_under(root: Path) -> list[tuple[str, str]]:
    chunks = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        chunks += [(f"{path.relative_to(root)} ({where})", text) for where, text in _file_text(path)]
    assert chunks, f"no file under {root}"
    return chunks


# --- the search ----------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[ \t.\-\u00a0\u202f]")
_PHONE_LIKE = re.compile(r"^(?:\+33|0)[\d .\-]{9,}$")


def _squash(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _leaks(chunks: list[tuple[str, str]], what: str) -> list[str]:
    """One line per place holding planted values: the values found and an excerpt around the first one."""
    found = []
    for where, text in chunks:
        low = text.lower()
        squashed = _squash(low)
        hits, excerpt = [], ""
        for needle in NEEDLES:
            n = needle.lower()
            at = low.find(n)
            if at >= 0:
                hits.append(needle)
                excerpt = excerpt or text[max(0, at - 50) : at + len(n) + 50]
            elif _PHONE_LIKE.match(needle) and _squash(n) in squashed:
                hits.append(f"{needle} (other separators)")
        if hits:
            found.append(
                f"{what}, {where}: "
                + ", ".join(f"« {h} »" for h in hits)
                + (f" — …{excerpt!r}…" if excerpt else "")
            )
    return found


# --- the test ----------------------------------------------------------------------------------------


def test_no_personal_data_in_warehouse_exports_or_logs(tmp_path):
    data, wh_dir, packs, parquet = (
        tmp_path / "data",
        tmp_path / "entrepot",
        tmp_path / "dossiers",
        tmp_path / "parquet",
    )
    data.mkdir()
    for build in BUILDERS:
        build(data)
    (data / "fixtures").mkdir()
    for name in FILES:  # the ingestion fixtures, with their own planted names, e-mails and phones
        shutil.copy(FORMATS / name, data / "fixtures" / name)
    plan = tmp_path / "plan.toml"
    shutil.copy(ROOT / "pipelines" / "demo" / "plan.toml", plan)
    warehouse = wh_dir / "warehouse.duckdb"
    paths = ["--data-dir", str(data), "--warehouse", str(warehouse), "--plan", str(plan)]
    logs = Logs()
    problems: list[str] = []  # every finding is gathered, then reported at once

    # 1. without mapping files: the LimeSurvey exports are refused, their message lists the questions
    first = {
        Path(r["path"]).name: r for r in json.loads(logs.run("ingest", str(data), *paths, "--json", ok=(1,)))
    }
    assert first["results-survey990011_codes_comma.csv"]["status"] == "refused"
    assert "Questions trouvées" in first["results-survey990011_codes_comma.csv"]["message"]
    assert first["contacts_usagers_2025.csv"]["status"] == "refused"
    problems += _leaks(_warehouse_cells(warehouse), "warehouse after the first ingest")
    offered = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((data / "mappings").glob("*.toml"))]
    problems += _leaks(offered, "mapping files offered for unknown values")

    # 2. with them: every file but the unknown layout loads
    (data / "mappings").mkdir(exist_ok=True)  # the first ingest may offer a values mapping there
    (data / "mappings" / "enquete-990011.toml").write_text(LIMESURVEY_MAPPING, encoding="utf-8")
    (data / "mappings" / "enquete-accueil.toml").write_text(
        EXAMPLE_MAPPING.read_text(encoding="utf-8").replace(
            '# comment = "Avez-vous des remarques ou des suggestions ?"',
            'comment = "Avez-vous des remarques ou des suggestions ?"',
        ),
        encoding="utf-8",
    )
    (data / "mappings" / "enquete-778899.toml").write_text(TAB_MAPPING, encoding="utf-8")
    logs.run("ingest", str(data), *paths, ok=(1,))  # exit 1: the unknown layout is still refused
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ledger = dict(
            con.execute("select regexp_extract(path, '[^/]+$'), status from ingest_files").fetchall()
        )
        comments = con.execute(
            "select source, comment from survey_responses where comment is not null"
        ).fetchall()
        rejected = con.execute("select value, message from rejected_rows").fetchall()
    finally:
        con.close()
    built = {p.name for p in data.rglob("*") if p.is_file() and p.suffix != ".toml"}
    assert {n for n, s in ledger.items() if s in ("loaded", "partial")} == built - {
        "contacts_usagers_2025.csv"
    }, ledger
    assert ledger["contacts_usagers_2025.csv"] == "refused"

    # 3. the indicators, both packs and the Parquet export
    assert json.loads(logs.run("kpi", *paths, "--json"))
    logs.run("kpi", *paths)
    logs.run("report", "--funder", "FEDER", "--out", str(packs / "feder"), *paths)
    logs.run("review", "--out", str(packs / "revue"), *paths)
    logs.run("export", "--parquet", str(parquet), *paths)

    # the checks do read what they claim to read
    seen = {p.suffix for p in (*packs.rglob("*"), *parquet.rglob("*")) if p.is_file()}
    assert {".pdf", ".xlsx", ".csv", ".svg", ".png", ".json", ".parquet"} <= seen, seen
    feder, review = _files_under(packs / "feder"), _files_under(packs / "revue")
    assert any("PDF page" in w and "FEDER" in t for w, t in feder) and any(
        "sheet" in w and "FEDER" in t for w, t in feder
    )
    cells = _warehouse_cells(warehouse)
    assert any("dossier bien reçu" in text for _, text in cells)
    assert any(EMAIL_MASK in f"{v} {m}" for v, m in rejected) and any(
        PHONE_MASK in f"{v} {m}" for v, m in rejected
    ), rejected

    # 4. no planted value anywhere
    problems += _leaks(cells, "warehouse")
    problems += _leaks(
        [(p.name, p.read_bytes().decode("utf-8", "replace")) for p in wh_dir.iterdir() if p.is_file()],
        "bytes of the files beside the warehouse",
    )
    problems += _leaks(feder, "FEDER funder pack")
    problems += _leaks(review, "review report")
    problems += _leaks(_files_under(parquet), "Parquet export")
    problems += _leaks(logs.chunks, "logs")

    # 5. comments keep their words, with e-mails and phones masked, in the warehouse and in the export
    by_source: dict[str, set[str]] = {}
    for source, comment in comments:
        by_source.setdefault(source, set()).add(comment)
    stored = set().union(*by_source.values())
    for key, (_planted, masked) in COMMENTS.items():
        if masked not in stored:
            problems.append(f"comment ({key}) not stored as « {masked} »")
    for source in ("jdma", "limesurvey-990011", "fichier-canonique"):
        if MASKED not in by_source.get(source, set()):
            problems.append(
                f"comment from {source} stored as {sorted(by_source.get(source, set()))}, expected « {MASKED} »"
            )
    exported = "\n".join(_parquet_cells(p) for p in sorted((parquet / "survey_responses").rglob("*.parquet")))
    if f"comment={MASKED}" not in exported:
        problems.append(f"comment « {MASKED} » missing from the Parquet export of survey_responses")

    assert not problems, f"{len(problems)} finding(s):\n" + "\n".join(problems)
