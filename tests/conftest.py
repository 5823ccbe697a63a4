"""Shared fixtures: the demo authority prepared once per session in a temporary folder."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo authority (scale 1, seed 42) written and ingested through the real pipeline."""
    from pipelines.demo.run import prepare_demo

    return prepare_demo(tmp_path_factory.mktemp("demo"), seed=42, scale=1.0)


@pytest.fixture(scope="session")
def territory_demo(tmp_path_factory):
    """The demo territory (``barometre demo --territory``): members ingested, exported, consolidated."""
    from pipelines.demo.territory import prepare_territory

    return prepare_territory(tmp_path_factory.mktemp("territoire"), seed=42)


@pytest.fixture
def demo_env(demo, monkeypatch):
    """Point the app's settings at the demo warehouse and plan."""
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(demo.warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(demo.plan))
    monkeypatch.setenv("BAROMETRE_MODE", "analyst")  # page tests exercise the upload widget
    return demo


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_python(code: str) -> str:
    """Run ``code`` in a new interpreter at the project root (what a fresh process imports is
    then visible in ``sys.modules``); its standard output, stripped."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return out.stdout.strip()
