"""Load, in the background, the libraries the other pages need, once the first page is drawn.

The overview is kept free of Altair, pandas and scipy so that it shows within 2 s on 30 M events
(``benchmarks/README.md``); the other pages need them, and importing them on the first visit to
such a page cost 1 to 1.5 s. Once a page has been drawn, a daemon thread imports them (once per
server process), so that the user's next click usually finds them loaded; a page that needs one
before the thread got to it simply waits for it (Python's import lock). A failure here is only a
lost head start: the page that needs the module imports it and reports any error itself.
"""

from __future__ import annotations

import contextlib
import importlib
import threading

MODULES = ("pandas", "altair", "scipy.stats", "pipelines.present.charts")
_lock = threading.Lock()
_started = False


def start() -> None:
    """Start the background imports (the first call in the process; later calls do nothing)."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=_load, name="barometre-prechargement", daemon=True).start()


def _load() -> None:
    for name in MODULES:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
