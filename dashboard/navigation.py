"""The app's pages (file, title, icon, URL) in one place: the router builds them, pages link to them."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).parent / "app_pages"
PAGES = (  # (file, title, Material icon, url_path)
    ("overview.py", "Vue d'ensemble", ":material/dashboard:", "vue-ensemble"),
    ("diagnostic.py", "Diagnostic", ":material/troubleshoot:", "diagnostic"),
    ("indicator.py", "Indicateur", ":material/monitoring:", "indicateur"),
    ("review.py", "Revue", ":material/compare_arrows:", "revue"),
    ("gains.py", "Gains", ":material/savings:", "gains"),
    ("roadmap.py", "Feuille de route", ":material/view_timeline:", "feuille-de-route"),
    ("funders.py", "Financeurs", ":material/account_balance:", "financeurs"),
    ("data.py", "Données", ":material/database:", "donnees"),
    ("accessibility.py", "Déclaration d'accessibilité", ":material/accessibility:", "accessibilite"),
)
INDICATOR_PAGE = "app_pages/indicator.py"  # relative to app.py, for st.switch_page


def pages() -> list:
    return [
        st.Page(PAGES_DIR / file, title=title, icon=icon, url_path=url, default=(i == 0))
        for i, (file, title, icon, url) in enumerate(PAGES)
    ]


def open_indicator(indicator_id: str) -> None:
    """Go to the Indicateur page showing ``indicator_id``."""
    st.session_state["sel:indicator"] = indicator_id
    st.switch_page(INDICATOR_PAGE)
