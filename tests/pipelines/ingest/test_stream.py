"""The streaming path for large canonical files gives exactly the warehouse of the one-shot path:
same rows, same rejections (with their lines), same ledger counts — also for a re-export that
updates rows, and it leaves nothing behind when it fails half-way."""

from __future__ import annotations

import random

import duckdb
import pytest

from pipelines.errors import NotStreamable
from pipelines.ingest import appenders, stream
from pipelines.ingest.run import ingest

HEADER = "source,source_id,submitted_at,service,service_label,channel,commune,age_band,outcome"


def _usage_csv(path, n: int, seed: int, changed: int = 0) -> None:
    rnd = random.Random(seed)
    lines = [HEADER]
    for i in range(n):
        channel = rnd.choice(["online", "counter", "phone", "assisted"])
        if i < changed:
            channel = "mail"
        day = 1 + i % 28
        label = '"Carte de stationnement\nrésidentiel"' if i % 997 == 0 else "Carte de stationnement"
        lines.append(
            f"demo,U{i:06d},2025-03-{day:02d} 10:{i % 60:02d}:00,stationnement,{label},{channel},{39001 + i % 5},25-39,completed"
        )
    # broken rows: unreadable date, unknown channel, bad INSEE code, future date, a duplicate id far
    # away and one close by
    lines += [
        "demo,B1,31/02/2025,etat-civil,,online,39001,,",
        "demo,B2,2025-03-02 10:00:00,etat-civil,,fax,39001,,",
        "demo,B3,2025-03-02 10:00:00,etat-civil,,online,3900,,",
        "demo,B4,2099-01-01 10:00:00,etat-civil,,online,39001,,",
        f"demo,U{n // 2:06d},2025-03-03 10:00:00,stationnement,,online,39001,,",
        f"demo,U{n - 1:06d},2025-03-04 10:00:00,stationnement,,online,39001,,",  # a duplicate in the same batch
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _snapshot(warehouse) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "rows": con.execute("select * exclude (file_id) from usage_events order by source_id").fetchall(),
            "rejected": con.execute(
                'select line, "column", "check", value, message from rejected_rows order by line, "column"'
            ).fetchall(),
            "ledger": con.execute(
                "select status, rows_read, rows_loaded, rows_new, rows_updated, rows_rejected from ingest_files order by file_id"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.fixture
def streaming(monkeypatch):
    """Force the streaming path with small batches and frequent commits."""
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(stream, "BATCH_ROWS", 700)
    monkeypatch.setattr(stream, "COMMIT_ROWS", 1500)


@pytest.fixture
def one_shot(monkeypatch):
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 1 << 62)


def _run(tmp_path, name: str) -> dict:
    first, second = tmp_path / "v1.csv", tmp_path / "v2.csv"
    _usage_csv(first, 5000, seed=1)
    _usage_csv(second, 6000, seed=1, changed=300)  # a cumulative re-export: 300 changed, 1000 new
    warehouse = tmp_path / f"{name}.duckdb"
    r1 = ingest([first], warehouse)
    r2 = ingest([second], warehouse)
    return {
        "snapshot": _snapshot(warehouse),
        "reports": [
            (r.status, r.rows_loaded, r.rows_new, r.rows_updated, r.rows_rejected) for r in (*r1, *r2)
        ],
    }


def test_streamed_equals_one_shot(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 1 << 62)
    expected = _run(tmp_path, "oneshot")
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(stream, "BATCH_ROWS", 700)
    monkeypatch.setattr(stream, "COMMIT_ROWS", 1500)
    calls_streamed = {"n": 0}
    real = stream._prepare

    def counting(*args, **kwargs):
        calls_streamed["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(stream, "_prepare", counting)
    got = _run(tmp_path, "streamed")
    assert got == expected
    assert calls_streamed["n"] > 5  # the streamed run really went batch by batch
    # and the numbers are the ones we planted
    assert expected["reports"][0] == ("partial", 5000, 5000, 0, 6)
    assert expected["reports"][1][3] == 300  # updated rows of the re-export


def test_rejected_lines_are_physical_lines_despite_quoted_line_breaks(tmp_path, streaming):
    path = tmp_path / "v1.csv"
    _usage_csv(path, 3000, seed=2)
    ingest([path], tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        lines = dict(
            con.execute("select value, line from rejected_rows where \"check\" <> 'unique'").fetchall()
        )
    finally:
        con.close()
    text = path.read_text(encoding="utf-8").split("\n")
    assert text[lines["31/02/2025"] - 1].startswith("demo,B1,")
    assert text[lines["fax"] - 1].startswith("demo,B2,")


def test_failure_half_way_leaves_the_file_out_and_a_rerun_completes(tmp_path, streaming, monkeypatch):
    path = tmp_path / "v1.csv"
    _usage_csv(path, 5000, seed=3)
    warehouse = tmp_path / "w.duckdb"
    real = stream._prepare
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # after two intermediate commits
            raise OSError("disque plein (simulé)")
        return real(*args, **kwargs)

    monkeypatch.setattr(stream, "_prepare", flaky)
    failed = ingest([path], warehouse)
    assert failed[0].status == "refused" and "disque plein" in failed[0].message
    assert _snapshot(warehouse)["rows"] == []
    monkeypatch.setattr(stream, "_prepare", real)
    reports = ingest([path], warehouse)
    assert reports[0].rows_new == 5000
    assert len(_snapshot(warehouse)["rows"]) == 5000


def test_parallel_appenders_keep_the_file_order(tmp_path, streaming):
    """Two appenders commit their groups in order: the table's rowid order is the file's order."""
    path = tmp_path / "v1.csv"
    _usage_csv(path, 6000, seed=4)
    ingest([path], tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        ids = [r[0] for r in con.execute("select source_id from usage_events order by rowid").fetchall()]
    finally:
        con.close()
    assert len(ids) == 6000
    assert ids == sorted(ids)  # U000000, U000001… as written


def test_an_append_failing_in_duckdb_leaves_the_file_out(tmp_path, streaming, monkeypatch):
    """A DuckDB error in one appender thread stops the whole file, nothing hangs, nothing stays."""
    path = tmp_path / "v1.csv"
    _usage_csv(path, 5000, seed=5)
    warehouse = tmp_path / "w.duckdb"
    real = appenders.Appenders.append
    calls = {"n": 0}

    def broken(self, group, table):
        calls["n"] += 1
        if calls["n"] == 4:  # a batch DuckDB cannot take (one column too few)
            table = table.drop_columns(["outcome"])
        return real(self, group, table)

    monkeypatch.setattr(appenders.Appenders, "append", broken)
    failed = ingest([path], warehouse)
    assert failed[0].status == "refused"
    assert _snapshot(warehouse)["rows"] == []


@pytest.mark.parametrize("stops_half_way", [False, True], ids=["flux-complet", "flux-interrompu"])
def test_the_ledger_hash_is_the_files_sha256(tmp_path, streaming, monkeypatch, stops_half_way):
    """The hash is computed from the bytes the stream reads (the file is read once); when the
    stream stops half-way and the file is read in one go, the rest is read for the hash."""
    import hashlib

    path = tmp_path / "v1.csv"
    _usage_csv(path, 5000, seed=6)
    if stops_half_way:
        real = stream._prepare
        calls = {"n": 0}

        def stop(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise NotStreamable("simulé")
            return real(*args, **kwargs)

        monkeypatch.setattr(stream, "_prepare", stop)
    report = ingest([path], tmp_path / "w.duckdb")[0]
    assert report.rows_new == 5000
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ingest([path], tmp_path / "w.duckdb")[0].status == "skipped"
