"""A large French Excel log (``;``, Windows-1252, ``dd/mm/yyyy HH:MM``, French headers and values)
streams through the spreadsheet adapter batch by batch and gives exactly the warehouse of the
one-shot path: same rows, same rejections with their lines and messages, same ledger (messages
and notes included), also with content-hash ids, commune names, quoted line breaks, duplicated
ids across batches and a file that turns out not to be streamable half-way."""

from __future__ import annotations

import random
import sys
import types

import duckdb
import pytest

from pipelines.ingest import load, stream
from pipelines.ingest.run import ingest

HEADER = "N° demande;Type de démarche;Canal de dépôt;Date de dépôt;Commune;Tranche d'âge;Issue"
CHANNELS = ["En ligne", "Guichet", "Téléphone", "France Services", "Courriel", "Courrier", "Autre"]
ISSUES = ["Terminée", "Abandonnée", "Refusée", "En cours", ""]
SERVICES = ["Carte d'identité et passeport", "État civil", "Inscription scolaire", "Cantine et périscolaire"]
AGES = ["30 à 44 ans", "Plus de 75 ans", "<25", "", "45-59"]


def _log(
    path,
    n: int,
    seed: int,
    *,
    numbers: bool = True,
    quoted_breaks: bool = False,
    communes=None,
    changed: int = 0,
) -> None:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        channel = "Courrier" if i < changed else rnd.choice(CHANNELS)
        service = rnd.choice(SERVICES)
        if quoted_breaks and i % 997 == 500:
            service = '"État civil\r\n(naissances)"'
        commune = communes(i) if communes else rnd.choice(["39001", "9001", "39300", "2A004", ""])
        day = 1 + i % 28
        rows.append(
            [
                f"U{i:06d}",
                service,
                channel,
                f"{day:02d}/03/2025 10:{i % 60:02d}",
                commune,
                rnd.choice(AGES),
                rnd.choice(ISSUES),
            ]
        )
    # broken rows: unreadable date, unknown channel, bad INSEE code, future date
    rows[40] = ["B1", "État civil", "En ligne", "31/02/2025 10:00", "39001", "", "Terminée"]
    rows[900] = ["B2", "État civil", "Fax", "02/03/2025 10:00", "39001", "", ""]
    rows[1800] = ["B3", "État civil", "En ligne", "02/03/2025 10:00", "390", "", ""]
    rows[2700] = ["B4", "État civil", "En ligne", "01/01/2099 10:00", "39001", "", ""]
    # duplicated ids: a valid one far away, a refused first occurrence then a valid one in another
    # batch, and a third occurrence next to the second (same batch)
    rows[n - 30] = [f"U{n // 2:06d}", "État civil", "En ligne", "03/03/2025 10:00", "39001", "", ""]
    rows[10] = ["D1", "État civil", "Fax", "03/03/2025 10:00", "39001", "", ""]
    rows[n - 20] = ["D1", "État civil", "En ligne", "03/03/2025 10:00", "39001", "", ""]
    rows[20] = ["T1", "État civil", "En ligne", "03/03/2025 11:00", "39001", "", ""]
    rows[n - 11] = ["T1", "État civil", "Guichet", "03/03/2025 11:00", "39001", "", ""]
    rows[n - 10] = ["T1", "État civil", "Téléphone", "03/03/2025 11:00", "39001", "", ""]
    if not numbers:  # identical rows far apart: content ids « -2 », « -3 » across batches
        rows[n - 5] = rows[5] = rows[n // 2] = [
            "",
            "État civil",
            "En ligne",
            "04/03/2025 09:00",
            "39001",
            "",
            "Terminée",
        ]
    lines = [HEADER] + [";".join(r[1:] if not numbers else r) for r in rows]
    if not numbers:
        lines[0] = HEADER.split(";", 1)[1]
    empty = ";" * lines[0].count(";")  # Excel's empty formatted rows
    lines.insert(1500, empty)
    lines.append(empty)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def _snapshot(warehouse) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "rows": con.execute(
                "select * exclude (file_id) from usage_events order by source, source_id"
            ).fetchall(),
            "rejected": con.execute(
                'select line, "column", "check", value, message from rejected_rows order by line, "column", "check"'
            ).fetchall(),
            "ledger": con.execute(
                "select status, rows_read, rows_loaded, rows_new, rows_updated, rows_rejected, source, dataset, message "
                "from ingest_files order by file_id"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.fixture(autouse=True)
def _no_views(monkeypatch):
    """Every ingest rebuilds the indicator views; they play no part here (and are not imported)."""
    monkeypatch.setitem(
        sys.modules, "pipelines.indicators.views", types.SimpleNamespace(create_views=lambda con: None)
    )


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(stream, "BATCH_ROWS", 300)
    monkeypatch.setattr(stream, "COMMIT_ROWS", 1500)
    monkeypatch.setattr(stream, "HEAD_BYTES", 40_000)


def _both(tmp_path, monkeypatch, files) -> tuple[dict, dict, int]:
    """Ingest ``files`` in order, one shot then streamed; also how many batches streamed.
    Both warehouses get the same key for content ids (each new warehouse draws its own)."""
    monkeypatch.setattr(load.secrets, "token_hex", lambda n: "5a" * n)
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 1 << 62)
    for f in files:
        ingest([f], tmp_path / "oneshot.duckdb")
    expected = _snapshot(tmp_path / "oneshot.duckdb")
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 0)
    calls = {"n": 0}
    real = stream._prepare

    def counting(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(stream, "_prepare", counting)
    for f in files:
        ingest([f], tmp_path / "streamed.duckdb")
    return expected, _snapshot(tmp_path / "streamed.duckdb"), calls["n"]


@pytest.mark.parametrize(
    "quoted_breaks", [False, True], ids=["lignes-simples", "retours-a-la-ligne-entre-guillemets"]
)
def test_french_log_streamed_equals_one_shot(tmp_path, monkeypatch, small_batches, quoted_breaks):
    first, second = (
        tmp_path / "suivi_demandes_2025-03_excel-fr.csv",
        tmp_path / "suivi_demandes_2025-04_excel-fr.csv",
    )
    _log(first, 5000, seed=1, quoted_breaks=quoted_breaks)
    _log(
        second, 6000, seed=1, quoted_breaks=quoted_breaks, changed=300
    )  # next month's save: 300 changed, 1000 new
    expected, got, batches = _both(tmp_path, monkeypatch, [first, second])
    assert got == expected
    assert batches > 10  # the streamed run really went batch by batch
    # the numbers we planted: 4 broken rows, 1 + 1 + 2 duplicates, the refused D1 (Fax)
    status, read, loaded, new, _updated, rejected, source, dataset, _message = expected["ledger"][0]
    assert (status, read, rejected, source, dataset) == (
        "partial",
        5000,
        9,
        "tableur-suivi-demandes",
        "usage_events",
    )
    assert loaded == new == 4991
    assert expected["ledger"][1][4] >= 300  # the next month's save updates rows
    messages = [m for *_, m in expected["rejected"]]
    assert any(
        "« D1 » en double" in m and "ligne 12" in m for m in messages
    )  # cites the refused first occurrence
    assert sum("« T1 » en double" in m and "ligne 22" in m for m in messages) == 4  # twice in each file
    lines = {v: line for line, _c, _k, v, _m in expected["rejected"]}
    text = first.read_bytes().decode("cp1252").split("\r\n")
    assert text[lines["31/02/2025 10:00"] - 1].startswith("B1;")
    assert text[lines["Fax"] - 1].startswith(("B2;", "D1;"))


def test_log_without_number_column_gets_the_same_content_ids(tmp_path, monkeypatch, small_batches):
    path = tmp_path / "registre_accueil_excel-fr.csv"
    _log(path, 5000, seed=4, numbers=False)
    expected, got, batches = _both(tmp_path, monkeypatch, [path])
    assert got == expected and batches > 5
    ids = [r[1] for r in expected["rows"]]
    assert any(i.endswith("-2") for i in ids) and any(i.endswith("-3") for i in ids)
    assert "identifiant calculé" in expected["ledger"][0][-1]


def test_commune_names_are_judged_on_the_whole_file(tmp_path, monkeypatch, small_batches):
    names = tmp_path / "noms_excel-fr.csv"
    _log(names, 5000, seed=5, communes=lambda i: ["Lons-le-Saunier", "Dole", "Champagnole"][i % 3])
    # codes at first, names from the middle on: the verdict changes half-way, the file is read in one go
    mixed = tmp_path / "melange_excel-fr.csv"
    _log(
        mixed,
        5000,
        seed=6,
        communes=lambda i: "39001" if i < 2000 else ["Dole", "Morez", "Salins", "Arbois"][i % 4],
    )
    expected, got, _ = _both(tmp_path, monkeypatch, [names, mixed])
    assert got == expected
    assert "noms de communes" in expected["ledger"][0][-1]


def test_utf8_looking_head_then_windows_1252(tmp_path, monkeypatch, small_batches):
    """The head is plain ASCII, an accent comes later in Windows-1252: read as Windows-1252 throughout."""
    path = tmp_path / "registre_excel-fr.csv"
    header = "Numero;Demarche;Canal;Date de depot;Commune;Issue"
    rows = [f"N{i};Etat civil;En ligne;0{1 + i % 9}/03/2025 10:00;39001;Terminee" for i in range(6000)]
    rows[4000] = "N4000;Carte d'identit\xe9;Guichet;03/03/2025 10:00;39001;Termin\xe9e"
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("latin-1"))
    expected, got, batches = _both(tmp_path, monkeypatch, [path])
    assert got == expected and batches > 5
    assert any(r[3] == "carte-d-identite" for r in expected["rows"])


def test_progress_moves_within_a_streamed_file(tmp_path, monkeypatch, small_batches):
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 0)
    path = tmp_path / "suivi_excel-fr.csv"
    _log(path, 5000, seed=7)
    seen = []
    ingest([path], tmp_path / "w.duckdb", progress=lambda i, total, name: seen.append((i, total, name)))
    fractions = [i for i, _, _ in seen if 0 < i < 1]
    assert len(fractions) > 5 and fractions == sorted(fractions)
    assert seen[0] == (0, 1, path.name) and seen[-1] == (1, 1, "")
