"""Baromètre — Streamlit entrypoint: a router, nothing else (pages live in ``app_pages/``)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` from a clone without install
    sys.path.insert(0, str(ROOT))

from dashboard.context import sidebar_context  # noqa: E402

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Baromètre", page_icon="📊", layout="wide")

pages = [
    st.Page(PAGES / "overview.py", title="Vue d'ensemble", icon="🏠", default=True, url_path="vue-ensemble"),
]
nav = st.navigation(pages)
sidebar_context()
nav.run()
