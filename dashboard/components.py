"""Streamlit building blocks shared by the pages: a figure with its summary and table, status and
data-quality badges, an indicator's value with its n and interval (greyed below the minimum sample).
Text that comes from data goes through :func:`md_escape` or into ``st.dataframe``/``st.text``."""

from __future__ import annotations

import polars as pl
import streamlit as st

from pipelines.french import fmt_date, fmt_delta, fmt_int, fmt_interval, fmt_value
from pipelines.present.charts import Figure
from pipelines.present.markdown import md_escape
from pipelines.present.status_words import Status, status_of
from pipelines.present.survey_words import survey_method_facts, weighting_line


def show_chart(fig: Figure, *, key: str) -> None:
    """The chart alone, as wide as its column: an Altair chart, or a plain Vega-Lite dict (the
    overview's sparklines, see :func:`pipelines.present.charts.sparkline_figure`), which Streamlit draws
    the same way without importing Altair."""
    if isinstance(fig.chart, dict):
        st.vega_lite_chart(fig.chart, width="stretch", key=key)
    else:
        st.altair_chart(fig.chart, width="stretch", key=key)


def show_figure(fig: Figure, *, key: str, table_label: str = "Voir les données du graphique") -> None:
    """The chart, its one-sentence summary, and the table behind it one click away (RGAA)."""
    show_chart(fig, key=key)
    st.caption(md_escape(fig.summary))
    with st.expander(table_label, icon=":material/table:"):
        show_table(fig.table)


EAGER_TABLE_ROWS = 150_000  # Streamlit's own threshold: below it, a table is sent whole anyway


def show_table(df: pl.DataFrame, height: int | str = "auto") -> None:
    """A table as plain cells (never Markdown), French headers, no index.

    Handed to Streamlit as an Arrow table, sent whole (``lazy=False``, what Streamlit does anyway
    below :data:`EAGER_TABLE_ROWS`): Streamlit then serialises it as is, where a Polars frame is
    first converted to pandas — and importing pandas costs about 0.8 s of the first page that shows
    a table (the overview, for its sparklines' data). Larger tables keep Streamlit's lazy loading.
    """
    if df.height > EAGER_TABLE_ROWS:
        st.dataframe(df, hide_index=True, width="stretch", height=height)
        return
    st.dataframe(df.to_arrow(), hide_index=True, width="stretch", height=height, lazy=False)


def show_static_table(df: pl.DataFrame) -> None:
    """A small table shown whole, with wrapped text (``st.table``). Its cells are Markdown, so every
    cell and header is escaped: text from data is printed, never run."""
    escaped = df.select(
        pl.col(c)
        .cast(pl.String)
        .map_elements(md_escape, return_dtype=pl.String)
        .fill_null("—")
        .alias(md_escape(c))
        for c in df.columns
    )
    st.table(escaped, hide_index=True)


FRENCH_UPLOADER_CSS = """
<style>
/* Streamlit's file uploader speaks English; its instructions are replaced by a French caption. */
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "Choisir des fichiers"; font-size: 1rem;
}
</style>
"""


def french_uploader() -> None:
    st.html(FRENCH_UPLOADER_CSS)


def status_badge(ind: dict, reason: bool = False) -> None:
    """The status as icon + word (+ colour), and optionally why (the engine's French reason)."""
    s = status_of(ind)
    st.badge(s.label, icon=s.icon, color=s.badge)
    if reason and ind.get("status_reason"):
        st.caption(md_escape(ind["status_reason"]))


def is_sufficient(ind: dict) -> bool:
    """A value exists and rests on at least the plan's minimum sample (otherwise shown greyed)."""
    n, minimum = ind.get("n"), ind.get("min_sample")
    if ind.get("value") is None:
        return False
    return n is None or minimum is None or n >= minimum


def value_block(ind: dict, *, label: str = "Valeur actuelle", period: bool = True) -> None:
    """The current value with its delta since the baseline, then n and the 95 % interval beside it;
    greyed and flagged when the sample is below the plan's minimum."""
    unit, value = ind["unit"], ind.get("value")
    delta, arrow = None, "off"
    if value is not None and ind.get("baseline_value") is not None:
        diff = value - ind["baseline_value"]
        delta = f"{fmt_delta(diff, unit)} depuis la référence"
        arrow = "up" if diff > 0 else "down" if diff < 0 else "off"
    ok = is_sufficient(ind)
    shown = fmt_value(value, unit)
    help_text = (
        f"Valeur du {fmt_date(ind.get('period_start'))} au {fmt_date(ind.get('period_end'))} ; "
        f"{ind.get('ci_method') or 'intervalle à 95 %'}."
    )
    st.metric(
        label if ok else f"{label} (indicative)",
        shown if ok else f":gray[{shown}]",
        delta,
        delta_color="off",
        delta_arrow=arrow,
        help=help_text,
    )
    ci = fmt_interval(ind.get("ci_low"), ind.get("ci_high"), unit)
    line = f"Intervalle à 95 % : {ci} · n = {fmt_int(ind.get('n'))}"
    if period and ind.get("period_start"):
        line += f" · du {fmt_date(ind['period_start'])} au {fmt_date(ind.get('period_end'))}"
    st.caption(line)
    weighted = weighting_line(ind)  # issue 17: raw and weighted side by side, the headline named
    if weighted:
        st.caption(md_escape(weighted))
    if not ok and value is None:
        st.caption(":gray[:material/info: Aucune observation sur la période et le périmètre choisis.]")
    elif not ok:
        st.caption(
            f":gray[:material/info: Effectif insuffisant : n = {fmt_int(ind.get('n'))}, sous le minimum de "
            f"{fmt_int(ind.get('min_sample'))} fixé par le plan. Valeur indicative, à ne pas interpréter.]"
        )


def target_line(ind: dict) -> str:
    """``Cible 70,0 % au 31/12/2028 · attendu à cette date 55,0 % · référence 32,8 %`` (Markdown-safe)."""
    unit = ind["unit"]
    parts = [f"Cible **{fmt_value(ind.get('target_value'), unit)}** au {fmt_date(ind.get('target_date'))}"]
    if ind.get("expected_period") is not None:  # what the status compares the 12-month value with
        parts.append(f"attendu en moyenne sur la période {fmt_value(ind['expected_period'], unit)}")
    elif ind.get("expected_now") is not None:
        parts.append(f"attendu à cette date {fmt_value(ind['expected_now'], unit)}")
    parts.append(f"référence {fmt_value(ind.get('baseline_value'), unit)}")
    return " · ".join(parts)


def progress_bar(ind: dict) -> None:
    """Progress from the baseline to the target; only a figure in grey when the sample is too small."""
    pct = ind.get("progress_pct")
    if pct is None:
        st.caption("Progression vers la cible : non calculée.")
        return
    pct = max(0.0, min(100.0, float(pct)))
    if not is_sufficient(ind):
        st.caption(f":gray[Progression vers la cible : {fmt_int(pct)} % (indicative)]")
        return
    st.progress(pct / 100, text=f"Progression vers la cible : {fmt_int(pct)} %")


def quality_badge(ind: dict) -> None:
    """Rows rejected and freshness, beside each indicator."""
    q = ind.get("quality") or {}
    if not q:
        return
    rejected = q.get("rows_rejected") or 0
    icon = ":material/report:" if rejected else ":material/verified:"
    text = (
        f"{fmt_int(rejected)} ligne{'s' if rejected > 1 else ''} écartée{'s' if rejected > 1 else ''} à l'import"
        f" · données jusqu'au {fmt_date(q.get('latest_data'))} · import du {fmt_date(q.get('last_ingest'))}"
    )
    st.caption(
        f"{icon} Qualité : {text}",
        help="Les lignes écartées et leurs raisons sont listées sur la page Données.",
    )
    if q.get("instrument_note"):  # issue 17: pooled or different questionnaires
        st.caption(f":material/warning: {md_escape(q['instrument_note'])}")


def change_sentence(change: dict | None) -> None:
    """The change since the baseline in words, with its significance (``queries.change``)."""
    change = change or {}
    if change.get("sentence"):
        icon = ":material/trending_up:" if change.get("significant") else ":material/trending_flat:"
        st.markdown(f"{icon} {md_escape(change['sentence'])}")


def edge_notes(ind: dict) -> None:
    """A partial window (months without data) and a baseline under the minimum sample, in words."""
    if ind.get("window_note"):
        st.caption(
            f":material/calendar_month: {md_escape(ind['window_note'])} Pas de verdict « en retard » sur une période incomplète."
        )
    if ind.get("baseline_below_min_sample"):
        st.caption(
            f":material/warning: Référence fragile : calculée sur n = {fmt_int(ind.get('baseline_n'))}, sous le "
            f"minimum de {fmt_int(ind.get('min_sample'))} fixé par le plan ; l'évolution depuis la référence n'est pas testée."
        )


def delay_medians(lines: list[tuple[str, str]]) -> None:
    """Both medians of a delay indicator, each with its population (``queries.delay_medians``), the
    headline first."""
    if lines:
        st.caption(
            "  \n".join(
                f"{'**' if i == 0 else ''}{md_escape(label)}{'**' if i == 0 else ''} : {md_escape(text)}"
                for i, (label, text) in enumerate(lines)
            )
        )


def indicator_card(
    ind: dict, spark: Figure | None, *, key: str, medians: list[tuple[str, str]] | None = None
) -> bool:
    """One overview card; returns True when « Voir le détail » was clicked. ``medians``: both
    medians of a delay indicator (decided cases, cohort), shown under the value."""
    st.markdown(f"**{md_escape(ind['label'])}**")
    status_badge(ind, reason=True)
    value_block(ind, period=False)
    delay_medians(medians or [])
    st.markdown(target_line(ind))
    progress_bar(ind)
    change_sentence(ind.get("change_1y"))  # the change over one year, tested (``evaluate``'s ``change_1y``)
    edge_notes(ind)
    if spark is not None and spark.table.height == 0:
        st.caption("Pas de valeur mensuelle à tracer.")
    elif spark is not None:
        show_chart(spark, key=f"spark-{key}")
        with st.expander("Données de la courbe (24 derniers mois)", icon=":material/table:"):
            st.caption(md_escape(spark.summary))
            show_table(spark.table, height=220)
    quality_badge(ind)
    return st.button("Voir le détail", key=f"detail-{key}", icon=":material/arrow_forward:")


def status_counts(indicators: list[dict]) -> list[tuple[Status, int]]:
    """(status, count) in the order of the statuses, for the page header."""
    from pipelines.present.status_words import STATUSES, UNKNOWN

    counts: dict[str, int] = {}
    for ind in indicators:
        counts[status_of(ind).key] = counts.get(status_of(ind).key, 0) + 1
    order = [*STATUSES.values(), UNKNOWN]
    return [(s, counts[s.key]) for s in order if counts.get(s.key)]


def method_facts(ind: dict, plan) -> None:
    """Definition facts under the methodology note: measure, scope, baseline, interval, minimum sample."""
    from pipelines.indicators.views import CHANNEL_LABELS
    from pipelines.plan import MEASURES

    spec = plan.indicator(ind["id"])
    names = {
        "services": ("Services", {s["slug"]: s["label"] for s in plan.services}),
        "channels": ("Canaux", CHANNEL_LABELS),
        "communes": ("Communes", {}),
        "age_bands": ("Tranches d'âge", {}),
    }
    scope = [
        f"{names[k][0]} : {', '.join(names[k][1].get(v, v) for v in vals)}"
        for k, vals in spec.scope.items()
        if vals
    ]
    direction = (
        "plus la valeur est haute, mieux c'est"
        if spec.direction == "increase"
        else "plus la valeur est basse, mieux c'est"
    )
    facts = [
        f"Mesure : {MEASURES.get(spec.measure, (spec.measure,))[0]} ({direction})",
        f"Périmètre : {' ; '.join(scope) if scope else 'toutes les demandes'}",
        f"Référence : du {fmt_date(spec.baseline_start)} au {fmt_date(spec.baseline_end)}"
        + (" (calculée sur les données)" if spec.baseline_value is None else " (valeur saisie dans le plan)"),
        f"Incertitude : {ind.get('ci_method') or 'méthode non précisée'}",
        f"Effectif minimum : {fmt_int(spec.min_sample)} observations",
    ]
    if ind.get("interval_note"):  # registers are not samples
        facts.append(f"Nature des données : {ind['interval_note']}")
    facts += survey_method_facts(spec)  # issue 17: weighting and questionnaire
    st.markdown("\n".join(f"- {md_escape(f)}" for f in facts))
