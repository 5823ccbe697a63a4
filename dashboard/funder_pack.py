"""The pack sections of the Financeurs page (a funder's pack) and of the Revue page (the handover pack,
« Bilan et continuité du plan »): build the pack on demand (progress shown), preview it (summary
table, charts, list of files) and download it as a ZIP, or the PDF alone.

The pack is the one ``barometre report --funder`` writes (:mod:`pipelines.report`): built into a
temporary folder, zipped in memory, kept in the session for the current funder, warehouse snapshot
and plan version. Building takes a few seconds, so it waits for a click rather than running at
every rerun of the page.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import components as ui
from dashboard.context import load_plan, warehouse_path
from pipelines.consolidate.members_plan import plan_with_members
from pipelines.errors import BarometreError
from pipelines.french import fmt_number
from pipelines.present.markdown import md_escape
from pipelines.warehouse import data_version


@dataclass(frozen=True)
class BuiltPack:
    key: tuple  # (funder, warehouse, snapshot, plan mtime): a change of any one makes the pack stale
    stem: str
    title: str
    zip_bytes: bytes
    pdf_bytes: bytes
    summary: pl.DataFrame
    charts: tuple[tuple[str, str, bytes], ...]  # (section, summary sentence, PNG)
    files: pl.DataFrame


def _size(n: int) -> str:
    return (
        f"{fmt_number(n / 1024, 0)}\u00a0ko"
        if n < 1024 * 1024
        else f"{fmt_number(n / 1024 / 1024, 1)}\u00a0Mo"
    )


def _build(warehouse: Path, plan, funder: str | None, key: tuple) -> BuiltPack | None:
    """``funder``'s pack, or the handover pack when ``funder`` is None."""
    # imported on the click: the report machinery (PDF, vl-convert, XLSX, Pandera…) takes about a
    # second to import, which the Financeurs page would otherwise pay at every first display
    from pipelines.report import build_funder_pack, build_handover_pack, zip_pack

    what = f"du dossier {md_escape(funder)}" if funder else "du bilan"
    with st.status(f"Préparation {what}…", expanded=True) as box:
        bar = st.progress(0.0, text="Calcul des indicateurs…")

        def progress(i: int, total: int, what: str) -> None:
            bar.progress(i / total, text=f"{what} ({i}/{total})")

        try:
            with tempfile.TemporaryDirectory(prefix="barometre-dossier-") as tmp:
                result = (
                    build_funder_pack(warehouse, plan, funder, Path(tmp), progress=progress)
                    if funder
                    else build_handover_pack(warehouse, plan, Path(tmp), progress=progress)
                )
                files = pl.DataFrame(
                    [
                        {"Fichier": rel, "Taille": _size((result.out_dir / rel).stat().st_size)}
                        for rel in result.files
                    ],
                    schema={"Fichier": pl.String, "Taille": pl.String},
                )
                built = BuiltPack(
                    key=key,
                    stem=result.pack.stem,
                    title=result.pack.title,
                    zip_bytes=zip_pack(result),
                    pdf_bytes=result.pdf.read_bytes(),
                    summary=result.pack.summary,
                    charts=tuple(
                        (f"{s.number}. {s.label}", c.figure.summary, result.images[c.stem].png)
                        for s in result.pack.sections
                        for c in s.charts
                    ),
                    files=files,
                )
        except BarometreError as err:
            box.update(label="Le dossier n'a pas pu être préparé", state="error", expanded=True)
            st.error(md_escape(str(err)), icon=":material/error:")
            return None
        box.update(label=f"Dossier prêt : {built.files.height} fichiers", state="complete", expanded=False)
    return built


def _preview(built: BuiltPack, prefix: str = "pack") -> None:
    cols = st.columns(2)
    cols[0].download_button(
        f"Télécharger le dossier complet (ZIP, {_size(len(built.zip_bytes))})",
        data=built.zip_bytes,
        file_name=f"{built.stem}.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        type="primary",
        key=f"{prefix}-zip",
    )
    cols[1].download_button(
        f"Télécharger le PDF seul ({_size(len(built.pdf_bytes))})",
        data=built.pdf_bytes,
        file_name=f"{built.stem}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key=f"{prefix}-pdf",
    )
    st.markdown(f"**{md_escape(built.title)}** · synthèse des indicateurs")
    ui.show_table(built.summary)
    with st.expander("Graphiques du dossier", icon=":material/bar_chart:"):
        for section, summary, png in built.charts:
            st.caption(md_escape(section))
            st.image(png, caption=summary, width="stretch")
    with st.expander("Fichiers du dossier", icon=":material/description:"):
        ui.show_table(built.files)


def render_pack_section(funder: str) -> None:
    """Build on demand, preview and download ``funder``'s pack."""
    plan, mtime = load_plan()
    if plan is None:
        return
    warehouse = warehouse_path()
    if not warehouse.exists():
        st.caption(
            "Le dossier se prépare à partir des données importées : aucune donnée n'a encore été importée."
        )
        return
    plan = plan_with_members(plan, warehouse)  # consolidated warehouse: every member's funded actions
    key = (funder, str(warehouse), data_version(warehouse), mtime)
    built = st.session_state.get("pack:built")
    if built is not None and built.key != key:
        built = None
    st.caption(
        "Le dossier réunit un PDF (synthèse, une page par indicateur visé par les actions du financeur avec son graphique, "
        "sa valeur, son intervalle de confiance et son évolution, les actions financées et leurs livrables en retard, la méthode et les sources), "
        "chaque graphique en PNG et SVG, et les données en XLSX et CSV. Il est identique à celui de « barometre report »."
    )
    label = "Préparer le dossier" if built is None else "Préparer à nouveau"
    if st.button(label, icon=":material/build:", key="pack-build"):
        built = _build(warehouse, plan, funder, key)
        st.session_state["pack:built"] = built
    if built is not None:
        _preview(built)


def render_handover_section() -> None:
    """Build on demand, preview and download the handover pack (« Bilan et continuité du plan »)."""
    plan, mtime = load_plan()
    if plan is None:
        return
    warehouse = warehouse_path()
    if not warehouse.exists():
        return
    key = ("handover", str(warehouse), data_version(warehouse), mtime)
    built = st.session_state.get("handover:built")
    if built is not None and built.key != key:
        built = None
    st.caption(
        "Pour une nouvelle équipe ou un partenaire : ce que le plan a décidé, où en est chaque indicateur (statut et "
        "significativité), les engagements qui courent encore, la prochaine revue et le chemin parcouru depuis le "
        "diagnostic — un PDF, ses graphiques et ses données, identique à celui de « barometre handover »."
    )
    label = "Préparer le bilan" if built is None else "Préparer à nouveau le bilan"
    if st.button(label, icon=":material/handshake:", key="handover-build"):
        built = _build(warehouse, plan, None, key)
        st.session_state["handover:built"] = built
    if built is not None:
        _preview(built, prefix="handover")
