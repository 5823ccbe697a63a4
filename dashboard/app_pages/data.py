"""Données: freshness, the upload widget (the same ingest as « barometre ingest »), the ingest
history and the rejected rows with their reasons (downloadable)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries
from dashboard.context import MISSING_WAREHOUSE, data_dir, plan_path, warehouse_path
from dashboard.upload import (
    ingest_uploads,
    max_upload_bytes,
    summary_sentence,
    supported_extensions,
    upload_allowed,
)
from pipelines.french import fmt_date, fmt_int
from pipelines.ingest.absences import pending_in
from pipelines.ingest.run import DossierChanges, ingest
from pipelines.present import tables
from pipelines.present.markdown import md_escape
from pipelines.warehouse import data_version

st.title("Données")
wh = warehouse_path()
version = data_version(wh)

if wh.exists():
    fresh = queries.freshness(str(wh), version)
    cols = st.columns(len(fresh))
    for col, r in zip(cols, fresh.iter_rows(named=True), strict=True):
        col.metric(r["label"], fmt_int(r["rows"]), help="Lignes dans l'entrepôt.")
        col.caption(f"Jusqu'au {fmt_date(r['latest_data'])} · importé le {fmt_date(r['last_ingest'])}")
else:
    st.warning(MISSING_WAREHOUSE.format(name=md_escape(wh.name)), icon=":material/database:")

st.subheader("Déposer des fichiers")
allowed, why = upload_allowed()
with st.container(border=True):
    if not allowed:
        st.info(why, icon=":material/lock:")
    else:
        limit_mb = max_upload_bytes() // 1_048_576
        st.caption(
            f"Glissez vos exports ici ou choisissez-les : CSV, TSV, TXT, XLSX, XLSM, XLS ou ZIP, jusqu'à {limit_mb} Mo "
            "par fichier. Ils sont enregistrés dans le dossier de "
            f"données (sous-dossier « televersements ») puis importés comme par « barometre ingest » : un fichier déjà "
            "importé est reconnu et ignoré, chaque ligne écartée est expliquée plus bas."
        )
        ui.french_uploader()
        nonce = st.session_state.setdefault("upload_nonce", 0)
        files = st.file_uploader(
            "Fichiers à importer",
            type=sorted(e.lstrip(".") for e in supported_extensions()),
            accept_multiple_files=True,
            key=f"uploader-{nonce}",
            max_upload_size=limit_mb,
        )
        if st.button("Importer", type="primary", disabled=not files, icon=":material/upload:"):
            bar = st.progress(0.0, text="Import en cours…")
            reports = ingest_uploads(
                [(f.name, f.getvalue()) for f in files],
                data_dir=data_dir(),
                warehouse=wh,
                plan_path=plan_path(),
                progress=lambda i, n, name: bar.progress(
                    i / n if n else 1.0, text=f"Import en cours : {name or 'fin'}"
                ),
            )
            st.session_state["upload_reports"] = reports
            st.session_state["upload_nonce"] = nonce + 1
            st.rerun()
        missing = pending_in(wh) if wh.exists() else 0
        if missing:
            st.warning(
                f"{fmt_int(missing)} dossier(s) Démarches Simplifiées connu(s) absent(s) du dernier export complet de "
                "leur démarche (supprimés, dossiers de test, conservation échue) comptent encore dans les indicateurs.",
                icon=":material/folder_off:",
            )
            if st.button("Retirer ces dossiers des indicateurs", icon=":material/remove_circle:"):
                changes = DossierChanges()
                ingest(
                    [], wh, data_dir=data_dir(), plan_path=plan_path(), prune_missing=True, dossiers=changes
                )
                st.session_state["pruned_message"] = (
                    f"{fmt_int(changes.pruned)} dossier(s) retiré(s) des indicateurs, gardés dans l'entrepôt ; "
                    "« barometre ingest --restore-pruned N° » les remet (N° : fichier de l'export, table prunes)."
                )
                st.rerun()
        if pruned := st.session_state.pop("pruned_message", None):
            st.success(pruned, icon=":material/task_alt:")
    reports = st.session_state.get("upload_reports")
    if reports:
        text, clean = summary_sentence(reports)
        (st.success if clean else st.warning)(text, icon=":material/task_alt:")
        ui.show_static_table(tables.report_table(reports))

if allowed:  # analyst mode: the workshop entry form of the maturity self-assessment
    from dashboard.maturity_form import render as render_maturity_form

    render_maturity_form(data_dir=data_dir(), warehouse=wh, plan_path=plan_path())

if not wh.exists():
    st.stop()

st.subheader("Historique des imports")
history = queries.ingest_history(str(wh), version)
if history.height == 0:
    st.caption("Aucun import enregistré.")
else:
    ui.show_table(tables.ingest_table(history))

st.subheader("Lignes écartées")
summary = queries.rejected_summary(str(wh), version)
if summary.height == 0:
    st.success("Aucune ligne écartée : toutes les lignes lues ont été chargées.", icon=":material/verified:")
    st.stop()
st.caption(
    f"{fmt_int(summary['rows'].sum())} ligne(s) écartée(s) à l'import, regroupées ci-dessous par raison. "
    "Corrigez-les dans l'outil d'origine puis déposez un nouvel export : les lignes déjà chargées ne sont pas comptées deux fois."
)
ui.show_static_table(tables.rejected_reasons_table(summary))
files = {r["file_id"]: r["path"] for r in summary.select("file_id", "path").unique().iter_rows(named=True)}
ALL = 0  # file ids start at 1; None would show Streamlit's English placeholder
choice = filters.remembered_selectbox(
    "Fichier",
    [ALL, *sorted(files)],
    "rejected_file",
    format_func=lambda f: "Tous les fichiers" if f == ALL else tables.file_label(f, files[f]),
)
rows = queries.rejected_rows(str(wh), version, None if choice == ALL else choice)
total = int(summary.filter(pl.lit(choice == ALL) | (pl.col("file_id") == choice))["rows"].sum())
shown = rows.head(1000)
st.caption(
    f"{fmt_int(shown.height)} ligne(s) affichée(s) sur {fmt_int(total)} ; le téléchargement en contient "
    f"{'toutes' if rows.height == total else f'les {fmt_int(rows.height)} premières'}."
)
ui.show_table(tables.rejected_table(shown), height="auto" if shown.height <= 10 else 380)
st.download_button(
    "Télécharger les lignes écartées (CSV)",
    tables.rejected_csv(rows),
    file_name="lignes-ecartees.csv",
    mime="text/csv",
    icon=":material/download:",
)
