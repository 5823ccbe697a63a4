"""The « Déclaration d'accessibilité » page under AppTest: the RGAA sections, every page of the app listed,
the contact from ``BAROMETRE_ACCESSIBILITY_CONTACT`` (else the authority's digital service), the recourse."""

from __future__ import annotations

from dashboard.navigation import PAGES
from pipelines.plan import load_plan
from tests.dashboard.conftest import assert_clean, open_app, texts

SECTIONS = [
    "État de conformité",
    "Résultats des tests",
    "Contenus non accessibles",
    "Technologies utilisées",
    "Retour d'information et contact",
    "Voies de recours",
]


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_declaration_states_conformity_tests_and_recourse(demo_env, monkeypatch):
    monkeypatch.delenv("BAROMETRE_ACCESSIBILITY_CONTACT", raising=False)
    at = open_app("accessibility")
    assert_clean(at)
    assert at.title[0].value == "Déclaration d'accessibilité"
    assert [s.value for s in at.subheader] == SECTIONS
    shown = texts(at)
    assert "non conforme" in shown and "RGAA 4.1.2" in shown
    assert "axe-core" in shown and "WCAG 2.1" in shown
    assert all(f"- {title}" in shown for _, title, _, _ in PAGES)  # every audited page, this one included
    assert "Défenseur des droits" in shown and "Libre réponse 71120" in shown
    authority = load_plan(demo_env.plan).authority["name"]
    assert f"signalez-le au service numérique de {authority} :" in shown


def test_contact_from_the_setting_is_a_mail_link(demo_env, monkeypatch):
    monkeypatch.setenv("BAROMETRE_ACCESSIBILITY_CONTACT", "accessibilite@val-de-sorne.fr")
    at = open_app("accessibility")
    assert_clean(at)
    assert "signalez-le à [accessibilite@val-de-sorne.fr](mailto:accessibilite@val-de-sorne.fr)" in texts(at)
    assert "](mailto:accessibilite@val-de-sorne.fr)" in markdown(at)  # a link, not escaped text
    assert "service numérique" not in texts(at)


def test_contact_web_address_is_a_link(demo_env, monkeypatch):
    monkeypatch.setenv("BAROMETRE_ACCESSIBILITY_CONTACT", "https://val-de-sorne.fr/accessibilite")
    at = open_app("accessibility")
    assert "(https://val-de-sorne.fr/accessibilite)" in markdown(at)


def test_contact_text_is_printed_never_run(demo_env, monkeypatch):
    monkeypatch.setenv("BAROMETRE_ACCESSIBILITY_CONTACT", "[ici](javascript:alert(1)) <b>Accueil</b>")
    at = open_app("accessibility")
    assert_clean(at)
    assert "](javascript:" not in markdown(at) and "<b>" not in markdown(at)
    assert "[ici](javascript:alert(1)) <b>Accueil</b>" in texts(at)


def test_declaration_reads_without_plan_or_data(tmp_path, monkeypatch):
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    monkeypatch.setenv("BAROMETRE_PLAN", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("BAROMETRE_ACCESSIBILITY_CONTACT", raising=False)
    at = open_app("accessibility")
    assert_clean(at)
    shown = texts(at)
    assert "signalez-le au service numérique de la collectivité :" in shown
    assert shown.startswith("La collectivité qui publie ce tableau de bord s'engage")
