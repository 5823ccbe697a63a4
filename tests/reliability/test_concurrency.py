"""Concurrency guarantees of the snapshot-swap scheme (see pipelines/warehouse.py).

- an ingest never fails because a reader holds the warehouse open;
- readers keep seeing the last committed snapshot during an ingest, the new one afterwards;
- two ingests at once: the second waits, then is refused with a clear French message.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import duckdb
import pytest

from pipelines.errors import WarehouseBusy
from pipelines.ingest.run import ingest
from pipelines.warehouse import read_connection, writer_lock
from tests.conftest import ROOT


def _count(warehouse) -> int:
    with read_connection(warehouse) as con:
        return con.execute("select count(*) from usage_events").fetchall()[0][0]


@pytest.fixture
def split_demo(demo, tmp_path):
    """The demo's usage file split in two drops, and a fresh warehouse with the first one."""
    exports = demo.data_dir / "exports"
    lines = (exports / "usage_events.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    first, second = tmp_path / "drop1", tmp_path / "drop2"
    first.mkdir()
    second.mkdir()
    (first / "usage_a.csv").write_text(header + "".join(body[:50_000]), encoding="utf-8")
    (second / "usage_b.csv").write_text(header + "".join(body[50_000:120_000]), encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    ingest([first], warehouse)
    return warehouse, first, second


@pytest.mark.slow
def test_ingest_succeeds_while_a_reader_holds_the_file(split_demo):
    warehouse, _, second = split_demo
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert reader.execute("select count(*) from usage_events").fetchall()[0][0] == 50_000
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.cli",
                "ingest",
                str(second),
                "--warehouse",
                str(warehouse),
                "--json",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        # the open reader still sees its snapshot, consistent and complete
        assert reader.execute("select count(*) from usage_events").fetchall()[0][0] == 50_000
    finally:
        reader.close()
    # a new connection sees the new snapshot, without any restart
    assert _count(warehouse) == 120_000


@pytest.mark.slow
def test_readers_in_a_loop_never_see_a_lock_error_during_ingest(split_demo):
    warehouse, _, second = split_demo
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def read_loop() -> None:
        while not stop.is_set():
            try:
                seen.add(_count(warehouse))
            except BaseException as err:  # any error reaching a reader is a failure
                errors.append(err)
                return

    threads = [threading.Thread(target=read_loop) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "ingest", str(second), "--warehouse", str(warehouse)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert out.returncode == 0, out.stderr
    assert not errors, errors
    assert seen <= {50_000, 120_000} and 50_000 in seen


def test_second_writer_waits_then_is_refused_in_french(tmp_path, demo):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(demo.warehouse, warehouse)
    with writer_lock(warehouse), pytest.raises(WarehouseBusy) as err:
        ingest([demo.data_dir / "exports"], warehouse, wait_seconds=0.5)
    assert "Un autre import est déjà en cours" in str(err.value)


def test_second_ingest_via_cli_exits_1_with_one_line(tmp_path, demo):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(demo.warehouse, warehouse)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pipelines.warehouse import writer_lock\n"
            f"with writer_lock({str(warehouse)!r}):\n    print('locked', flush=True); time.sleep(60)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        env_wait = {"BAROMETRE_WRITER_WAIT": "1"}
        import os

        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.cli",
                "ingest",
                str(demo.data_dir / "exports"),
                "--warehouse",
                str(warehouse),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **env_wait},
        )
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode == 1
    assert out.stderr.startswith("Erreur : Un autre import est déjà en cours")
    assert out.stderr.count("\n") == 1
