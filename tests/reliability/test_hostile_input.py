"""Hostile and broken input: whatever the bytes, reading and mapping end as rows (loaded or
rejected with a reason) or as a refusal with a French reason — never a crash, never a hang."""

from __future__ import annotations

import codecs
import signal
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.errors import FileRefused
from pipelines.ingest.parts import map_tables
from pipelines.ingest.read import read_file
from pipelines.ingest.run import ingest
from pipelines.ingest.services import Catalogue

HEADER = "source,source_id,submitted_at,service,service_label,channel,commune,age_band,outcome"
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "latin-1"]


@contextmanager
def deadline(seconds: int):
    def boom(*_):
        raise TimeoutError(f"reading took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def outcome(path: Path) -> str:
    """'refused' with a French reason, or 'mapped' with every record accounted for."""
    with deadline(20):
        try:
            tables = read_file(path)
            parts = map_tables(tables, Catalogue(), [])
        except FileRefused as err:
            message = str(err)
            assert message and "Traceback" not in message
            return "refused"
    read = sum(t.frame.height + len(t.ragged) for t in tables)
    for part in parts:
        accounted = part.good.height + part.rejections["_line"].n_unique()
        assert accounted <= read
        assert part.rejections["message"].null_count() == 0
    return "mapped"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".tsv"]))
def test_random_bytes_never_crash(tmp_path, data, suffix):
    assert outcome(_write(tmp_path, f"f{suffix}", data)) in ("refused", "mapped")


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(cell, min_size=0, max_size=12), max_size=20),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(ENCODINGS),
    with_header=st.booleans(),
)
def test_ragged_rows_deep_quoting_and_encodings_never_crash(tmp_path, rows, delimiter, encoding, with_header):
    lines = [HEADER.replace(",", delimiter)] if with_header else []
    for row in rows:
        lines.append(
            delimiter.join('"' + c.replace('"', '""') + '"' if i % 2 else c for i, c in enumerate(row))
        )
    text = "\r\n".join(lines)
    data = text.encode(encoding, errors="replace")
    assert outcome(_write(tmp_path, "f.csv", data)) in ("refused", "mapped")


@pytest.mark.parametrize(
    "name,data",
    [
        ("empty.csv", b""),
        ("nul.csv", HEADER.encode() + b"\nx,1,2025-01-01 10:00:00,a\x00b,,online,,,\n"),
        ("one_column.csv", b"colonne\nvaleur\nautre\n"),
        (
            "bom_in_middle.csv",
            HEADER.encode() + b"\n" + codecs.BOM_UTF8 + b"demo,1,2025-01-01 10:00:00,etat-civil,,online,,,\n",
        ),
        (
            "huge_field.csv",
            HEADER.encode() + b'\ndemo,1,2025-01-01 10:00:00,"' + b"x" * 3_000_000 + b'",,online,,,\n',
        ),
        ("deep_quotes.csv", HEADER.encode() + b"\n" + b'"' * 5001 + b"\n"),
        ("unterminated.csv", HEADER.encode() + b'\ndemo,1,"2025-01-01 10:00:00,etat-civil,,online,,,\n'),
        ("fake.xlsx", b"ceci n'est pas un classeur"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
    ],
)
def test_broken_files_end_as_rows_or_reasons(tmp_path, name, data):
    assert outcome(_write(tmp_path, name, data)) in ("refused", "mapped")


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "bonjour")
    assert outcome(path) == "refused"


def test_hostile_files_through_the_real_ingest_are_recorded(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "vide.csv").write_bytes(b"")
    (drop / "binaire.csv").write_bytes(bytes(range(256)) * 20)
    (drop / "ok.csv").write_text(
        HEADER + "\ndemo,1,2025-01-01 10:00:00,etat-civil,,online,39001,,\n", encoding="utf-8"
    )
    reports = {Path(r.path).name: r for r in ingest([drop], tmp_path / "w.duckdb")}
    assert reports["vide.csv"].status == "refused" and "vide" in reports["vide.csv"].message
    assert reports["binaire.csv"].status == "refused"
    assert reports["ok.csv"].status == "loaded" and reports["ok.csv"].rows_loaded == 1
