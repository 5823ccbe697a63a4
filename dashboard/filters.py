"""Sidebar filters shared by the pages that use them (period, services, channels, communes).

Streamlit forgets a widget's value when a page that does not draw it runs. The values therefore live
in permanent session keys (``flt:…``); each page run re-creates the widgets from them (``w:…``) and
copies every change back. Selections that no longer exist in the data (after an ingest) are dropped.
"""

from __future__ import annotations

import streamlit as st

from pipelines.french import as_date, fmt_month
from pipelines.indicators.months import month_end, months_between

FIELDS = ("services", "channels", "communes")
LABELS = {"services": "Services", "channels": "Canaux", "communes": "Communes"}
PLACEHOLDERS = {
    "services": "Tous les services",
    "channels": "Tous les canaux",
    "communes": "Toutes les communes",
}


def _store(name: str) -> None:
    st.session_state[f"flt:{name}"] = st.session_state[f"w:{name}"]


def _load(name: str, valid: list, default) -> None:
    value = st.session_state.get(f"flt:{name}", default)
    if isinstance(value, list):
        value = [v for v in value if v in valid]
    elif value not in valid:
        value = default
    st.session_state[f"w:{name}"] = value


def clear() -> None:
    for key in [k for k in st.session_state if str(k).startswith(("flt:", "w:"))]:
        del st.session_state[key]


def sidebar_filters(options: dict) -> tuple | None:
    """Draw the filters in the sidebar; the key for :mod:`dashboard.queries` (None: no filter)."""
    labels = {f: dict(options.get(f) or []) for f in FIELDS}
    first, last = as_date(options.get("min_date")), as_date(options.get("max_date"))
    months = months_between(first, last) if first and last else []
    sb = st.sidebar
    sb.subheader(
        "Filtres",
        help="Les filtres s'appliquent aux pages Vue d'ensemble et Indicateur, et restent en place quand vous changez de page.",
    )
    _load("custom", [True, False], False)
    custom = sb.toggle(
        "Choisir la période",
        key="w:custom",
        on_change=_store,
        args=("custom",),
        help="Par défaut, chaque valeur porte sur les 12 derniers mois complets.",
    )
    start = end = None
    if custom and months:
        # a range slider is made by its value (not by Session State), so the stored range goes there
        default = (months[max(0, len(months) - 12)], months[-1])
        stored = tuple(st.session_state.get("flt:period") or ())
        value = stored if len(stored) == 2 and all(m in months for m in stored) else default
        lo, hi = sb.select_slider(
            "Période",
            options=months,
            value=value,
            key="w:period",
            format_func=fmt_month,
            on_change=_store,
            args=("period",),
        )
        start, end = lo, month_end(hi)
    elif not custom:
        sb.caption("Période : 12 derniers mois complets.")
    chosen = {}
    for f in FIELDS:
        valid = list(labels[f])
        _load(f, valid, [])
        chosen[f] = tuple(
            sb.multiselect(
                LABELS[f],
                valid,
                key=f"w:{f}",
                format_func=lambda k, f=f: labels[f].get(k, k),
                placeholder=PLACEHOLDERS[f],
                on_change=_store,
                args=(f,),
            )
        )
    if custom or any(chosen.values()):
        sb.button("Effacer les filtres", on_click=clear, icon=":material/filter_alt_off:")
    if start is None and not any(chosen.values()):
        return None
    return (start, end, chosen["services"], chosen["channels"], chosen["communes"])


def describe(key: tuple | None, options: dict) -> str:
    """The active filters in one French line (for captions), or an empty string."""
    if key is None:
        return ""
    start, end, *lists = key
    parts = [f"du {fmt_month(start)} à {fmt_month(end)}"] if start else []
    for f, values in zip(FIELDS, lists, strict=True):
        if values:
            names = dict(options.get(f) or [])
            parts.append(f"{LABELS[f].lower()} : " + ", ".join(names.get(v, v) for v in values))
    return "Filtres : " + " ; ".join(parts) + "."


def remembered_selectbox(
    label: str, options: list, name: str, *, format_func=str, default=None, help: str | None = None
):
    """A selectbox whose choice survives page changes (kept in ``sel:<name>``, re-applied each run)."""
    store, widget = f"sel:{name}", f"w:{name}"
    current = st.session_state.get(store, default)
    if current not in options:
        current = default if default in options else options[0]
    st.session_state[widget] = current

    def save() -> None:
        st.session_state[store] = st.session_state[widget]

    value = st.selectbox(
        label, options, key=widget, format_func=format_func, on_change=save, help=help, placeholder="Choisir…"
    )
    st.session_state[store] = value
    return value
