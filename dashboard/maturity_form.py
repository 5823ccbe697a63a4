"""The maturity self-assessment entry form (analyst mode, Données page): for a workshop with elected
officials, one respondent at a time.

The analyst picks the wave's date, the respondent's group and a respondent *number* (never a name:
the form has no place for one), then a level 0–5 or « ne sait pas » for each statement of the
referential in use (the plan's own, else the shipped one), grouped by theme, with the level
descriptors as help. On submit the answers are written as a canonical maturity CSV under the data
folder (``saisies/maturite-<wave>-<n>.csv``) and taken in by the very same ingest as any export;
the ingest's report is shown. The same respondent number entered again for the same wave and group
corrects their answers (same keys), it never counts them twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import streamlit as st

from pipelines.diagnostic.referential import Referential, referential_in_use
from pipelines.errors import PlanError
from pipelines.french import fmt_number

FOLDER = "saisies"
SOURCE = "saisie-atelier"
DONT_KNOW = "ne sait pas"
GROUP_LABELS = {
    "elu": "Élu ou élue",
    "agent": "Agent",
    "citoyen": "Habitant ou habitante",
    "entreprise": "Entreprise",
    "association": "Association",
    "partenaire": "Partenaire",
}
LEVEL_CHOICES: tuple[int | None, ...] = (None, 0, 1, 2, 3, 4, 5)
SECTION_TITLE = "Saisir une autoévaluation de maturité"


def respondent_id(group: str, number: int) -> str:
    """The respondent's id in the file (hashed at ingest): group and number, never a name."""
    return f"atelier-{group}-{int(number)}"


def entry_csv(wave: dt.date, group: str, number: int, levels: dict[str, int | None]) -> str:
    """The canonical maturity CSV of one respondent's answers (« ne sait pas » written as such)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["source", "wave", "respondent_group", "respondent_key", "item", "level"])
    for item, level in levels.items():
        w.writerow(
            [
                SOURCE,
                wave.isoformat(),
                group,
                respondent_id(group, number),
                item,
                DONT_KNOW if level is None else level,
            ]
        )
    return buf.getvalue()


def save_entry(data_dir: Path, wave: dt.date, group: str, number: int, levels: dict[str, int | None]) -> Path:
    """Write the entry as ``<data>/saisies/maturite-<wave>-<n>.csv`` (n: the next free number)."""
    folder = Path(data_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while (folder / f"maturite-{wave.isoformat()}-{n}.csv").exists():
        n += 1
    path = folder / f"maturite-{wave.isoformat()}-{n}.csv"
    tmp = folder / f".{path.name}.part"  # hidden: the ingest never picks it up half written
    tmp.write_text(entry_csv(wave, group, number, levels), encoding="utf-8")
    tmp.replace(path)
    return path


def entry_scores(ref: Referential, levels: dict[str, int | None]) -> list[dict]:
    """Per theme, what this respondent's answers give: their theme score (mean of the levels they
    gave, « ne sait pas » left out) and how many statements they rated."""
    out = []
    for theme in ref.themes:
        given = [levels.get(i.id) for i in theme.items if levels.get(i.id) is not None]
        score = sum(given) / len(given) if given else None
        out.append(
            {
                "Thème": theme.label,
                "Score du répondant (sur 5)": fmt_number(score, 1),
                "Affirmations notées": f"{len(given)} sur {len(theme.items)}",
            }
        )
    return out


def _level_label(level: int | None) -> str:
    return "Ne sait pas" if level is None else str(level)


def _scale_help(ref: Referential) -> str:
    return (
        "  \n".join(f"**{k}** : {d}" for k, d in enumerate(ref.levels)) + "  \n**Ne sait pas** : non compté."
    )


def render(*, data_dir: Path, warehouse: Path, plan_path: Path) -> None:
    """The section « Saisir une autoévaluation de maturité » (call it in analyst mode only)."""
    st.subheader(SECTION_TITLE, anchor="saisir-une-autoevaluation-de-maturite")
    try:
        ref = referential_in_use(plan_path)
    except PlanError as err:
        st.error(str(err), icon=":material/error:")
        return
    st.caption(
        f"Pour un atelier avec les élus ou les agents : une saisie par répondant, sur le référentiel « {ref.title} » "
        f"({len(ref.items)} affirmations). Chaque affirmation reçoit un niveau de 0 (rien n'existe) à 5 (pratique "
        "généralisée et évaluée), ou « ne sait pas » (gardé, non compté). Le répondant est désigné par un numéro, "
        "jamais par son nom : ne notez nulle part qui a répondu quoi. Les réponses sont enregistrées dans le dossier "
        f"de données (« {FOLDER} ») puis importées comme tout fichier ; saisir de nouveau le même numéro pour la même "
        "vague et le même groupe corrige ses réponses."
    )
    with st.expander("Ouvrir le formulaire de saisie", expanded=bool(st.session_state.get("maturity_open"))):
        with st.form("maturity_form", clear_on_submit=False):
            c1, c2, c3 = st.columns(3)
            wave = c1.date_input(
                "Date de la vague",
                value=dt.date.today(),
                max_value=dt.date.today(),
                format="DD/MM/YYYY",
                key="mf_wave",
            )
            group = c2.selectbox(
                "Groupe du répondant", list(GROUP_LABELS), format_func=GROUP_LABELS.get, key="mf_group"
            )
            number = c3.number_input(
                "Numéro du répondant (jamais de nom)",
                min_value=1,
                max_value=9999,
                value=1,
                step=1,
                key="mf_number",
                help="Un numéro d'ordre dans l'atelier (1, 2, 3…) : il ne doit permettre de retrouver personne.",
            )
            scale = _scale_help(ref)
            for theme in ref.themes:
                st.markdown(f"**{theme.label}**")
                for item in theme.items:
                    st.radio(
                        f"{item.id} — {item.statement}",
                        LEVEL_CHOICES,
                        format_func=_level_label,
                        horizontal=True,
                        key=f"mf_{item.id}",
                        help=scale,
                    )
            submitted = st.form_submit_button(
                "Enregistrer et importer", type="primary", icon=":material/save:"
            )
        if submitted:
            st.session_state["maturity_open"] = True
            levels = {i: st.session_state.get(f"mf_{i}") for i in ref.items}
            if all(v is None for v in levels.values()):
                st.warning("Aucun niveau saisi : rien n'a été enregistré.", icon=":material/info:")
            else:
                _submit(data_dir, warehouse, plan_path, wave, group, int(number), levels)
    shown = st.session_state.get("maturity_reports")
    if shown:
        from dashboard import components as ui
        from dashboard.upload import summary_sentence
        from pipelines.present import tables

        path, reports, scores = shown
        text, clean = summary_sentence(reports)
        (st.success if clean else st.warning)(
            f"Saisie enregistrée dans {path}. {text}", icon=":material/task_alt:"
        )
        ui.show_static_table(tables.report_table(reports))
        st.caption("Ce que donnent les réponses de ce répondant, thème par thème :")
        st.dataframe(scores, hide_index=True)


def _submit(
    data_dir: Path,
    warehouse: Path,
    plan_path: Path,
    wave: dt.date,
    group: str,
    number: int,
    levels: dict[str, int | None],
) -> None:
    from pipelines.ingest.run import ingest

    path = save_entry(data_dir, wave, group, number, levels)
    with st.spinner("Import de la saisie…"):
        reports = ingest([path], Path(warehouse), data_dir=Path(data_dir), plan_path=Path(plan_path))
    scores = entry_scores(referential_in_use(plan_path), levels)
    st.session_state["maturity_reports"] = (f"{FOLDER}/{path.name}", reports, scores)
