"""Pandera's Polars API (``pa``), imported without pandas when pandas is not loaded yet.

``import pandera`` imports pandas whenever pandas is installed (Streamlit installs it), only to
offer its pandas API at the top level: about 0.9 s of the 1.3 s Pandera costs to import, paid by
every ``barometre ingest`` although Baromètre validates Polars frames only. Pandera supports
installs without pandas (its ``__init__`` then registers just what the Polars backend needs), so
while Pandera is imported here a meta-path finder answers "no module named pandas", as on such an
install, and is removed right after (the check dispatcher, which looks for pandas at the first
validation and caches the answer, is asked while the finder is there). Where pandas is already loaded (the app: Streamlit imports
it), nothing changes: Pandera imports as usual. Either way the Polars backend is the same code.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading


class _NoPandas(importlib.abc.MetaPathFinder):
    """Answers "no module named pandas" to the importing thread only: another thread importing
    pandas meanwhile (the app's background imports, ``dashboard/warmup.py``) is not disturbed."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name, path, target=None):
        if threading.get_ident() == self.thread and (name == "pandas" or name.startswith("pandas.")):
            raise ModuleNotFoundError("No module named 'pandas'", name="pandas")
        return None


def _import_polars_api():
    if "pandera" in sys.modules or "pandas" in sys.modules:
        import pandera.polars

        return pandera.polars
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        import pandera.polars
        from pandera.backends import register_checks

        # the check dispatcher looks for pandas once, at the first validation, and caches the
        # answer: ask it now, so that it settles for the Polars backends alone as well
        prime = getattr(register_checks, "_load_get_backend_types_from_mro", None)
        if prime is not None:
            prime()
    finally:
        sys.meta_path.remove(finder)
    return pandera.polars


pa = _import_polars_api()

__all__ = ["pa"]
