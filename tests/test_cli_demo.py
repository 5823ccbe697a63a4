"""``barometre demo --no-browser`` starts a real Streamlit server that answers its health check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT, free_port


@pytest.mark.slow
def test_demo_command_serves_health_endpoint(demo):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "demo",
            "--no-browser",
            "--port",
            str(port),
            "--demo-dir",
            str(demo.data_dir),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    status = resp.status
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200, (
            proc.stdout.read().decode() if proc.poll() is not None else "no answer within 60 s"
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_cli_error_is_one_french_line(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "kpi",
            "--warehouse",
            str(tmp_path / "x.duckdb"),
            "--plan",
            str(tmp_path / "plan.toml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert out.stderr.startswith("Erreur : ")
    assert out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr
