"""Baromètre — Streamlit entrypoint: a router, nothing else (pages live in ``app_pages/``)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` from a clone without install
    sys.path.insert(0, str(ROOT))

from dashboard.access import require_login  # noqa: E402
from dashboard.context import page_guard, sidebar_context  # noqa: E402
from dashboard.navigation import pages  # noqa: E402
from dashboard.warmup import start as start_warmup  # noqa: E402
from dashboard.warmup import wait as wait_for_warmup  # noqa: E402

# Streamlit's page shell declares English: screen readers would read the French text with English rules
# (WCAG 3.1.1, RGAA 8.3). Run on every page, it sets the document's language; its own element is hidden
# so that it takes no room above the page's title.
FRENCH_DOCUMENT = (
    '<style>[data-testid="stElementContainer"]:has(#barometre-lang) { display: none; }</style>'
    "<script id=\"barometre-lang\">document.documentElement.lang = 'fr';</script>"
)

st.set_page_config(page_title="Baromètre", page_icon=":material/speed:", layout="wide")

if not require_login():
    st.stop()
nav = st.navigation(pages())
st.set_page_config(page_title=f"{nav.title} · Baromètre")  # each page its own title (WCAG 2.4.2)
st.html(FRENCH_DOCUMENT, unsafe_allow_javascript=True)
wait_for_warmup()  # a page never imports a library while the background thread is importing it
with page_guard():
    sidebar_context()
with page_guard():
    nav.run()
start_warmup()  # the other pages' libraries, loaded while the user reads this one
