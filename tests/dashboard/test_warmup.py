"""The other pages' libraries are loaded once, in the background, after the first page."""

from __future__ import annotations

from tests.conftest import fresh_python


def test_warmup_loads_the_heavy_libraries_once_in_the_background():
    code = (
        "import sys, threading\n"
        "import dashboard.warmup as w\n"
        "before = [m for m in ('altair', 'pandas', 'scipy.stats') if m in sys.modules]\n"
        "w.start(); w.start()\n"
        "threads = [t for t in threading.enumerate() if t.name == 'barometre-prechargement']\n"
        "for t in threads: t.join()\n"
        "print(before, len(threads), all(m in sys.modules for m in w.MODULES))\n"
    )
    assert fresh_python(code) == "[] 1 True"


def test_wait_returns_once_the_background_imports_are_over():
    """Pages run only after the background imports (two threads importing the same packages can be
    handed a partly initialised module); before any start, waiting returns at once."""
    code = (
        "import sys\n"
        "import dashboard.warmup as w\n"
        "w.wait()\n"
        "early = [m for m in w.MODULES if m in sys.modules]\n"
        "w.start(); w.wait()\n"
        "print(early, all(m in sys.modules for m in w.MODULES), w._thread.is_alive())\n"
    )
    assert fresh_python(code) == "[] True False"


def test_overview_imports_neither_altair_nor_pandera():
    """The first page's import path stays light: Altair (~0.5 s) and Pandera with pandas (~1.5 s)
    are imported only by the pages and commands that use them."""
    code = (
        "import sys\n"
        "import dashboard.access, dashboard.components, dashboard.context, dashboard.filters, dashboard.navigation\n"
        "import dashboard.queries, pipelines.indicators, pipelines.plan, pipelines.present.charts\n"
        "import pipelines.present.status_words\n"
        "print(sorted(m for m in ('altair', 'pandera', 'pandas', 'schemas.registry') if m in sys.modules))\n"
    )
    assert fresh_python(code) == "[]"
