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

st.set_page_config(page_title="Baromètre", page_icon=":material/speed:", layout="wide")

if not require_login():
    st.stop()
nav = st.navigation(pages())
with page_guard():
    sidebar_context()
with page_guard():
    nav.run()
start_warmup()  # the other pages' libraries, loaded while the user reads this one
