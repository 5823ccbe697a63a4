"""Fixtures of the browser tests: the app served by ``streamlit run`` on a copy of the demo, a headless
Chromium from the system, and the helpers that wait for Streamlit to finish and take screenshots.

Chromium comes from the system (``apt-get install chromium``), not from Playwright's download; without it
the tests skip, except in CI (``BAROMETRE_REQUIRE_BROWSER=1``), where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


def require(present: bool, reason: str) -> None:
    """Skip with ``reason`` when a tool is missing — fail instead in CI, where every test must run."""
    if present:
        return
    if os.environ.get("BAROMETRE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def require_chromium() -> None:
    require(
        CHROMIUM.exists(),
        "Chromium absent (/usr/bin/chromium) : installez « apt-get install chromium » pour ce test. "
        "/ Chromium not found: install the Debian chromium package to run the browser test.",
    )


@pytest.fixture(scope="module")
def site(demo, tmp_path_factory):
    """A private copy of the demo (the upload test adds a file to it)."""
    folder = tmp_path_factory.mktemp("site")
    shutil.copyfile(demo.warehouse, folder / "warehouse.duckdb")
    shutil.copyfile(demo.plan, folder / "plan.toml")
    return folder


@pytest.fixture(scope="module")
def app_url(site):
    """A Streamlit server on the copy of the demo, stopped at the end of the module."""
    require_chromium()
    port = free_port()
    env = {
        **os.environ,
        "BAROMETRE_WAREHOUSE": str(site / "warehouse.duckdb"),
        "BAROMETRE_PLAN": str(site / "plan.toml"),
        "BAROMETRE_DATA_DIR": str(site),
        "BAROMETRE_MODE": "analyst",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = (
                    proc.stdout.read().decode(errors="replace")
                    if proc.poll() is not None
                    else "pas de réponse en 60 s"
                )
                pytest.fail(f"Le serveur Streamlit n'a pas démarré : {out}")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh French browser tab (1440 × 900, Paris time), closed after the test."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def wait_for_streamlit(page, timeout: float = 90.0) -> None:
    """Until the script run is over (Streamlit's own ``data-test-script-state``), with no spinner, and
    every chart drawn; the state must hold for a couple of seconds (a page may rerun itself)."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout * 1000
    )
    deadline, calm = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        done = page.evaluate(
            """() => {
                const app = document.querySelector('[data-testid="stApp"]');
                const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
                const spinning = document.querySelectorAll('[data-testid="stSpinner"], [data-testid="stSkeleton"]').length;
                const charts = [...document.querySelectorAll('.vega-embed')];
                const drawn = charts.every(c => c.querySelector('canvas, svg'));
                return idle && !spinning && drawn && !!document.querySelector('h1');
            }"""
        )
        calm = calm + 1 if done else 0
        if calm >= 4:
            return
        time.sleep(0.5)
    raise AssertionError("Streamlit n'a pas fini d'exécuter la page à temps.")


def screenshot(page, name: str) -> Path:
    """Full page: the viewport is stretched to the content, which scrolls inside Streamlit's main area."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        "() => Math.max(document.body.scrollHeight, ...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stSidebarContent"]\')].map(e => e.scrollHeight))'
    )
    page.set_viewport_size({"width": 1440, "height": min(max(900, int(height) + 40), 12000)})
    time.sleep(0.8)  # charts re-layout to the new size
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
