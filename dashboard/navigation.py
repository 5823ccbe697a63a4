"""The app's pages (file, title, icon, URL) in one place: the router builds them, pages link to them.

The « Territoire » page is listed only for a consolidated warehouse (``barometre consolidate``: a
``territory_members`` table with at least two members); an authority's own warehouse keeps its pages
unchanged."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
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
TERRITORY_PAGE = ("territory.py", "Territoire", ":material/hub:", "territoire")  # after the overview
INDICATOR_PAGE = "app_pages/indicator.py"  # relative to app.py, for st.switch_page


def is_territory() -> bool:
    """Whether the warehouse is a consolidation of at least two member authorities (an unreadable or
    absent warehouse is not: the pages say why)."""
    from dashboard import queries
    from pipelines import settings
    from pipelines.errors import BarometreError
    from pipelines.warehouse import data_version

    wh = settings.path("warehouse")
    with contextlib.suppress(BarometreError, duckdb.Error, OSError):
        return wh.exists() and queries.territory_size(str(wh), data_version(wh)) >= 2
    return False


def page_list(territory: bool) -> tuple[tuple[str, str, str, str], ...]:
    """The pages shown: :data:`PAGES`, with « Territoire » second for a consolidated warehouse."""
    return (PAGES[0], TERRITORY_PAGE, *PAGES[1:]) if territory else PAGES


def pages() -> list:
    return [
        st.Page(PAGES_DIR / file, title=title, icon=icon, url_path=url, default=(i == 0))
        for i, (file, title, icon, url) in enumerate(page_list(is_territory()))
    ]


def open_indicator(indicator_id: str) -> None:
    """Go to the Indicateur page showing ``indicator_id``."""
    st.session_state["sel:indicator"] = indicator_id
    st.switch_page(INDICATOR_PAGE)
