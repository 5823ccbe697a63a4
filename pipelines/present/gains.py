"""The gains of the plan in French (app page, console): each figure with its interval, its formula
with the numbers put in, its inputs and where they come from — never a figure alone.

Reads the document of :func:`pipelines.indicators.gains.gains`; numbers through
:mod:`pipelines.french`.
"""

from __future__ import annotations

import polars as pl

from pipelines.french import MISSING, NBSP_WIDE, fmt_date, fmt_interval, fmt_number, fmt_value, missing

UNITS = {
    "demandes": "demandes",
    "heures": "heures",
    "jours": "jours",
    "dossiers": "dossiers",
    "minutes": "minutes",
}


def fmt_gain(x: float | None, unit: str) -> str:
    """A gain or an input in its unit: ``1 234 demandes``, ``12 345 €``, ``63,1 %``, ``23,6 jours``."""
    if missing(x):
        return MISSING
    if unit == "%":
        return fmt_value(x, "%")
    if unit == "€":
        return f"{fmt_number(x, 0 if abs(x) >= 100 else 2)}{NBSP_WIDE}€"
    if unit in ("demandes", "dossiers"):
        return f"{fmt_number(x, 0)}{NBSP_WIDE}{unit}"
    return f"{fmt_number(x, 0 if abs(x) >= 100 else 1)}{NBSP_WIDE}{UNITS.get(unit, unit)}".rstrip()


def fmt_gain_interval(low: float | None, high: float | None, unit: str) -> str:
    if missing(low) or missing(high):
        return "pas d'intervalle"
    return f"{fmt_gain(low, unit)} à {fmt_gain(high, unit)}"


def applied(item: dict) -> str:
    """The formula with its numbers: ``(55,0 % − 20,0 %) × 20 demandes = 7 demandes``."""
    i, value = item["inputs"], fmt_gain(item["value"], item["unit"])
    v = {k: fmt_gain(x["value"], x["unit"]) for k, x in i.items()}
    if item["id"] == "offline_requests_avoided":
        return f"({v['take_up_period']} − {v['take_up_baseline']}) × {v['requests_period']} = {value}"
    if item["id"] == "money_saved":
        return f"{v['offline_requests_avoided']} × ({v['offline_unit_euros']} − {v['online_unit_euros']}) = {value}"
    if item["id"] == "agent_hours_saved":
        return (
            f"{v['offline_requests_avoided']} × ({v['offline_unit_minutes']} − {v['online_unit_minutes']}) "
            f"÷ 60 = {value}"
        )
    if item["id"] == "waiting_days_saved":
        return f"({v['delay_mean_baseline']} − {v['delay_mean_period']}) × {v['cases_decided']} = {value}"
    return value


def inputs_table(item: dict) -> pl.DataFrame:
    """One row per input: Donnée, Valeur, Intervalle à 95 %, Effectif, Période, Source."""
    rows = []
    for x in item["inputs"].values():
        period = x.get("period")
        rows.append(
            {
                "Donnée": x["label"],
                "Valeur": fmt_gain(x["value"], x["unit"]),
                "Intervalle à 95 %": fmt_interval(x.get("ci_low"), x.get("ci_high"), x["unit"])
                if x["unit"] in ("%", "jours")
                else fmt_gain_interval(x.get("ci_low"), x.get("ci_high"), x["unit"]),
                "Effectif": fmt_number(x["n"], 0) if x.get("n") is not None else MISSING,
                "Période": f"{fmt_date(period['start'])} – {fmt_date(period['end'])}" if period else MISSING,
                "Source": x["source"],
            }
        )
    return pl.DataFrame(rows)


def per_year_table(item: dict) -> pl.DataFrame:
    """One row per calendar year of the plan so far: Année, Période, Gain, Intervalle à 95 %."""
    return pl.DataFrame(
        [
            {
                "Année": str(y["year"]),
                "Période": f"{fmt_date(y['period_start'])} – {fmt_date(y['period_end'])}",
                "Gain": fmt_gain(y["value"], item["unit"]),
                "Intervalle à 95 %": fmt_gain_interval(y["ci_low"], y["ci_high"], item["unit"]),
            }
            for y in item["per_year"]
        ],
        schema={"Année": pl.String, "Période": pl.String, "Gain": pl.String, "Intervalle à 95 %": pl.String},
    )


def summary_table(doc: dict) -> pl.DataFrame:
    """One row per gain: Gain, Valeur, Intervalle à 95 %, Calcul."""
    return pl.DataFrame(
        [
            {
                "Gain": item["label"],
                "Valeur": fmt_gain(item["value"], item["unit"]),
                "Intervalle à 95 %": fmt_gain_interval(item["ci_low"], item["ci_high"], item["unit"]),
                "Calcul": item.get("note") or f"{item['formula']} : {applied(item)}",
            }
            for item in doc["items"]
        ]
    )


def period_sentence(doc: dict) -> str:
    return (
        f"Depuis le début du plan ({fmt_date(doc['period_start'])} – {fmt_date(doc['period_end'])}), "
        f"par rapport à la période de référence ({fmt_date(doc['baseline_start'])} – "
        f"{fmt_date(doc['baseline_end'])}, {doc['baseline_source']})."
    )


def console_text(doc: dict) -> str:
    """The gains as plain French text (``barometre gains``)."""
    out = ["Gains du plan", period_sentence(doc), ""]
    for item in doc["items"]:
        out.append(f"• {item['label']} : {fmt_gain(item['value'], item['unit'])}")
        out.append(
            f"    Intervalle à 95 % : {fmt_gain_interval(item['ci_low'], item['ci_high'], item['unit'])}"
        )
        out.append(f"    Formule : {item['formula']}")
        if item.get("note"):
            out.append(f"    {item['note']}")
        else:
            out.append(f"    Calcul : {applied(item)}")
        for x in item["inputs"].values():
            out.append(f"    – {x['label']} : {fmt_gain(x['value'], x['unit'])} ({x['source']})")
        for y in item["per_year"]:
            out.append(
                f"    {y['year']} : {fmt_gain(y['value'], item['unit'])} "
                f"({fmt_gain_interval(y['ci_low'], y['ci_high'], item['unit'])})"
            )
        out.append("")
    out.append("Hypothèses :")
    out += [f"  – {a}" for a in doc["assumptions"]]
    return "\n".join(out)
