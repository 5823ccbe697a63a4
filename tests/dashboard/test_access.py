"""Access: read-only viewer mode by default; uploads in analyst mode; with authentication on,
every page waits for the sign-in and only listed analysts may upload."""

from __future__ import annotations

from tests.dashboard.conftest import open_app


def test_viewer_mode_is_the_default(demo_env, monkeypatch):
    monkeypatch.delenv("BAROMETRE_MODE", raising=False)
    at = open_app("data")
    assert not at.exception and not at.error
    assert not at.file_uploader
    assert any("Mode consultation" in i.value for i in at.info)


def test_analyst_mode_offers_the_upload(demo_env, monkeypatch):
    monkeypatch.setenv("BAROMETRE_MODE", "analyst")
    at = open_app("data")
    assert at.file_uploader[0].label == "Fichiers à importer"


def test_authentication_without_configuration_says_what_to_do(demo_env, monkeypatch):
    monkeypatch.setenv("BAROMETRE_AUTH", "1")
    at = open_app("overview")
    assert not at.exception
    shown = " ".join([e.value for e in at.error] + [i.value for i in at.info])
    assert "connectez-vous" in shown or "secrets.toml" in shown
    assert not at.metric  # no indicator is shown before signing in
