"""The app in a real headless Chromium: every page renders in French without an exception box.

Starts ``streamlit run dashboard/app.py`` on the demo warehouse (fixtures in ``conftest.py``), visits
every page by its URL, waits for Streamlit to finish, checks the page and saves a screenshot to
``tests/artifacts/screenshots/`` (look at them: they are what an evaluator sees).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, wait_for_streamlit

PAGES = [  # (url path, expected title, whether every indicator label shows)
    ("", "Vue d'ensemble", True),  # the default page lives at the root
    ("diagnostic", "Diagnostic", False),
    ("indicateur", "Indicateur", False),
    ("revue", "Revue", True),
    ("gains", "Gains", False),
    ("feuille-de-route", "Feuille de route", False),
    ("financeurs", "Financeurs", False),
    ("donnees", "Données", False),
    ("accessibilite", "Déclaration d'accessibilité", False),
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


ENGLISH_MONTHS = re.compile(r"\b(Jan|Feb|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")


@pytest.mark.parametrize(
    ("url_path", "title", "all_labels"), PAGES, ids=[p[0] or "vue-ensemble" for p in PAGES]
)
def test_page_renders_in_browser(app_url, browser, demo, url_path, title, all_labels):
    from pipelines.plan import load_plan

    plan = load_plan(demo.plan)
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    page = context.new_page()
    try:
        page.goto(f"{app_url}/{url_path}", wait_until="domcontentloaded")
        wait_for_streamlit(page)
        shot = screenshot(page, url_path or "vue-ensemble")
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception affichée, voir {shot}"
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert title in page.locator("h1").first.inner_text()
        assert "Traceback" not in text and "erreur inattendue" not in text, shot
        labels = [i.label for i in plan.indicators]
        if all_labels:
            missing = [label for label in labels if label not in text]
            assert not missing, f"indicateurs absents de {url_path} : {missing}"
        elif url_path == "indicateur":
            assert any(label in text for label in labels)
        charts = page.locator(".vega-embed")
        for i in range(charts.count()):  # SVG charts: French axis labels, the summary as ARIA label
            chart_text = " ".join(charts.nth(i).locator("text").all_text_contents())
            assert not ENGLISH_MONTHS.search(chart_text), chart_text
            assert charts.nth(i).get_attribute("aria-label")
        if url_path == "diagnostic":  # maturity, priorities and consultation charts drawn; blind spots named
            assert charts.count() >= 3, shot
            assert "Angle mort" in text and "Maturité numérique" in text and "Sorne-le-Château" in text, shot
        if url_path == "gains":  # every gain with its formula
            assert "Formule" in text and "Intervalle à 95" in text, shot
        if url_path in ("indicateur", "feuille-de-route"):
            assert "janv." in " ".join(page.locator(".vega-embed text").all_text_contents())
    finally:
        context.close()


def test_upload_in_browser_runs_the_ingest(app_url, browser, site):
    """Drop a CSV on the Données page, click « Importer »: the French report and the ledger show it."""
    csv = (
        "source,source_id,submitted_at,service,service_label,channel,commune,age_band,outcome\n"
        "navigateur,N1,2026-10-02 09:00:00,etat-civil,État civil,online,39901,25-39,completed\n"
        "navigateur,N2,2026-10-03 09:00:00,etat-civil,État civil,pigeon,39901,25-39,completed\n"
    ).encode()
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    page = context.new_page()
    try:
        page.goto(f"{app_url}/donnees", wait_until="domcontentloaded")
        wait_for_streamlit(page)
        label = page.locator('[data-testid="stFileUploaderDropzone"] button p').first.evaluate(
            "e => getComputedStyle(e, '::after').content"
        )
        assert label == '"Choisir des fichiers"'  # Streamlit's English « Upload » is replaced on screen
        page.set_input_files(
            '[data-testid="stFileUploaderDropzoneInput"]',
            files=[{"name": "depot navigateur.csv", "mimeType": "text/csv", "buffer": csv}],
        )
        page.get_by_text("depot navigateur.csv").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Importer").click()
        page.get_by_text("Dernier dépôt").wait_for(timeout=60_000)
        wait_for_streamlit(page)
        shot = screenshot(page, "donnees-apres-depot")
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0, shot
        assert "1 fichier(s) importé(s), 0 refusé(s)" in text, shot
        assert "chargé, lignes écartées" in text
        assert list(site.glob("televersements/*/depot navigateur.csv"))
    finally:
        context.close()
