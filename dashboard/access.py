"""Who may see the app: nobody needs to sign in unless ``BAROMETRE_AUTH=1``; then Streamlit's
OIDC login (``st.login``, configured in ``.streamlit/secrets.toml`` ``[auth]``) guards every page.
Roles (viewer by default, analyst for uploads) are decided in :mod:`dashboard.upload`."""

from __future__ import annotations

import streamlit as st

from pipelines import settings


def require_login() -> bool:
    """True when the page may be shown; otherwise shows the French sign-in screen."""
    if settings.resolve("auth_required") != "1":
        return True
    try:
        if st.user.is_logged_in:
            with st.sidebar:
                st.caption(f"Connecté : {st.user.get('email') or st.user.get('name') or 'compte'}")
                st.button("Se déconnecter", on_click=st.logout, icon=":material/logout:")
            return True
    except Exception:  # no [auth] section: explain instead of a trace
        st.error(
            "L'authentification est demandée (BAROMETRE_AUTH=1) mais n'est pas configurée : ajoutez une section "
            "[auth] au fichier .streamlit/secrets.toml (voir le README, « Accès »).",
            icon=":material/lock:",
        )
        return False
    st.title("Baromètre")
    st.info(
        "Ce tableau de bord est réservé aux agents de la collectivité : connectez-vous pour le consulter.",
        icon=":material/lock:",
    )
    st.button("Se connecter", on_click=st.login, type="primary", icon=":material/login:")
    return False
