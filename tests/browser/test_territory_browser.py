"""The « Territoire » page in a real headless Chromium, on the hand-built consolidated warehouse of
``tests/territory_warehouse.py``: it is listed in the navigation, renders in French with its table and
two funnel plots drawn as SVG, passes axe-core's WCAG 2.1 A/AA audit (expanders open, so the tables
behind the charts are audited too) and the chart-text contrast check, and is saved as a screenshot
(``tests/artifacts/screenshots/territoire.png``: look at it)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ROOT, require, screenshot, wait_for_streamlit
from tests.browser.test_accessibility import (
    AXE,
    audit,
    chart_texts,
    describe,
    low_contrast,
    open_expanders,
)
from tests.territory_warehouse import build_territory_warehouse

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The consolidated warehouse and the territory plan, served by ``app_url`` (tests/browser/conftest.py)."""
    warehouse, _ = build_territory_warehouse(tmp_path_factory.mktemp("territoire"))
    return warehouse.parent


def test_territory_page_in_browser(app_url, page):
    require(
        AXE.exists(),
        f"axe-core absent ({AXE.relative_to(ROOT)}) : lancez « npm ci --prefix tests/browser » pour ce test. "
        "/ axe-core not installed: run `npm ci --prefix tests/browser`.",
    )
    page.goto(f"{app_url}/territoire", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    assert page.locator('[data-testid="stDialog"]').count() == 0  # not Streamlit's « page not found »
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    assert page.title() == "Territoire · Baromètre"
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert nav.index("Vue d'ensemble") < nav.index("Territoire") < nav.index("Diagnostic")

    text = page.locator('[data-testid="stMain"]').inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "erreur inattendue" not in text
    assert "Ensemble du territoire" in text and "échantillon insuffisant (n = 12 < 30)" in text
    assert "au-dessus des limites à 99,8" in text and "Communauté de communes des Coteaux" in text
    charts = page.locator(".vega-embed")
    assert charts.count() == 2  # the two rate indicators; none for the median delay
    assert page.locator(".vega-embed svg").count() == 2
    for i in range(charts.count()):
        assert "comparés à la valeur de l'ensemble du territoire" in charts.nth(i).get_attribute("aria-label")
        chart_text = " ".join(charts.nth(i).locator("text").all_text_contents())
        assert "Limites à 95" in chart_text and "Échantillon insuffisant (non comparé)" in chart_text

    found = low_contrast(chart_texts(page))
    assert not found, "textes de graphique sous 4,5:1 :\n" + "\n".join(found)
    open_expanders(page)
    wait_for_streamlit(page)
    shot = screenshot(page, "territoire")
    violations = describe(audit(page), "territoire")
    assert not violations, f"Violations WCAG 2.1 A/AA relevées par axe-core (voir {shot}) :\n{violations}"
    assert (
        "Limites à 99,8" in page.locator('[data-testid="stMain"]').inner_text()
    )  # the tables behind the charts
