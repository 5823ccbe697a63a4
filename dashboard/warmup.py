"""Load, in the background, the libraries the other pages need, once the first page is drawn.

The overview is kept free of Altair, pandas and scipy so that it shows within 2 s on 30 M events
(``benchmarks/README.md``); the other pages need them, and importing them on the first visit to
such a page cost 1 to 1.5 s. Once a page has been drawn, a daemon thread imports them (once per
server process), so that the user's next click usually finds them loaded; a page that needs one
before the thread is done waits for it (:func:`wait`, called before every page runs): relying on
Python's import lock alone is not enough, since two threads importing the same packages in another
order can be handed a partly initialised module (« partially initialized module 'pandas' »). A
failure here is only a lost head start: the page that needs the module imports it and reports any
error itself.
"""

from __future__ import annotations

import contextlib
import importlib
import threading

MODULES = ("pandas", "altair", "scipy.stats", "pipelines.present.charts")
_lock = threading.Lock()
_started = False
_thread: threading.Thread | None = None


def start() -> None:
    """Start the background imports (the first call in the process; later calls do nothing)."""
    global _started, _thread
    with _lock:
        if _started:
            return
        _started = True
        _thread = threading.Thread(target=_load, name="barometre-prechargement", daemon=True)
    _thread.start()


def wait() -> None:
    """Until the background imports are over (at once when they are, or were never started)."""
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def _load() -> None:
    for name in MODULES:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
