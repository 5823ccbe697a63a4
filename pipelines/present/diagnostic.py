"""The diagnostic in French display form (no Streamlit): the tables of maturity, of the priority
rankings and of the blind spots, built from the document of :mod:`pipelines.diagnostic.document`,
shared by the console (``barometre diagnostic``), the app's Diagnostic page and the reports."""

from __future__ import annotations

import polars as pl

from pipelines.french import fmt_date, fmt_int, fmt_number, fmt_pct

GROUP_LABELS = {
    "all": "Tous",
    "elu": "Élus",
    "agent": "Agents",
    "citoyen": "Citoyens",
    "entreprise": "Entreprises",
    "association": "Associations",
    "partenaire": "Partenaires",
}
SERVICE_COLUMNS = {
    "offline_volume": ("Demandes hors ligne", lambda v: fmt_int(v)),
    "take_up_gap": ("Part non dématérialisée", lambda v: fmt_pct(v)),
    "delay_vs_deadline": ("Délais dépassés", lambda v: fmt_pct(v)),
    "dissatisfaction": ("Insatisfaction", lambda v: fmt_pct(v)),
    "demand": ("Demande citoyenne", lambda v: fmt_pct(v)),
}
COMMUNE_COLUMNS = {
    "offline_share": ("Part des demandes hors ligne", lambda v: fmt_pct(v)),
    "fragility_index": ("Fragilité numérique (IFN)", lambda v: fmt_number(v, 1)),
}
NO_ACTION = "aucune — angle mort"


def sentence(text: str) -> str:
    """A sentence ends with one full stop."""
    return text if text.endswith(".") else text + "."


def _score(x: float | None) -> str:
    return fmt_number(None if x is None else 100 * x, 0)


def _actions(row: dict, top: int) -> str:
    if row["actions"]:
        axes = f" ({' ; '.join(row['axes'])})" if row.get("axes") else ""
        return ", ".join(row["actions"]) + axes
    return NO_ACTION if row["rank"] <= top and row["score"] is not None else "aucune"


def maturity_table(doc: dict, group: str = "all") -> pl.DataFrame:
    """Scores by theme and wave for one group: score, 95 % interval, respondents, minimum reached."""
    rows = [
        {
            "Thème": m["label"],
            "Vague": fmt_date(m["wave"]),
            "Score (0–5)": fmt_number(m["score"], 1),
            "IC 95 %": "—"
            if m["ci_low"] is None
            else f"{fmt_number(m['ci_low'], 1)} – {fmt_number(m['ci_high'], 1)}",
            "Répondants": fmt_int(m["n"]),
            "Effectif": "sous le minimum" if m["below_min"] else "suffisant",
        }
        for m in doc["maturity"]
        if m["group"] == group
    ]
    return pl.DataFrame(
        rows,
        schema=dict.fromkeys(
            ["Thème", "Vague", "Score (0–5)", "IC 95 %", "Répondants", "Effectif"], pl.String
        ),
    )


def services_table(doc: dict) -> pl.DataFrame:
    """The services' ranking: rank, score (0–100), each component's value, the actions."""
    top = doc["priorities"]["weights"]["top"]
    rows = []
    for s in doc["priorities"]["services"]:
        row = {"Rang": str(s["rank"]), "Service": s["label"], "Score (0–100)": _score(s["score"])}
        for key, (title, fmt) in SERVICE_COLUMNS.items():
            row[title] = fmt(s["components"][key]) if s["components"][key] is not None else "—"
        row["Actions du plan"] = _actions(s, top)
        rows.append(row)
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def communes_table(doc: dict) -> pl.DataFrame:
    """The communes' ranking: rank, score (0–100), offline share, fragility, the actions."""
    top = doc["priorities"]["weights"]["top"]
    rows = []
    for c in doc["priorities"]["communes"]:
        name = c["name"] if c["name"] != c["commune"] else ""
        row = {
            "Rang": str(c["rank"]),
            "Commune": f"{name} ({c['commune']})" if name else c["commune"],
            "Score (0–100)": _score(c["score"]),
        }
        for key, (title, fmt) in COMMUNE_COLUMNS.items():
            row[title] = fmt(c["components"][key]) if c["components"][key] is not None else "—"
        row["Actions du plan"] = _actions(c, top)
        rows.append(row)
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def score_rule(doc: dict) -> str:
    """The ranking rule in one French paragraph, with the plan's weights."""
    w = doc["priorities"]["weights"]
    parts = ", ".join(
        f"{title.lower()} × {fmt_number(w[key], 1)}" for key, (title, _) in SERVICE_COLUMNS.items()
    )
    return (
        "Chaque composante est ramenée à son rang centile parmi les services renseignés (0 = la valeur la plus "
        "faible, 100 = la plus forte) ; le score est la moyenne de ces rangs pondérée par les poids du plan "
        f"([priorities] : {parts}), une composante absente étant laissée de côté. Les composantes portent sur "
        f"les 12 mois du {fmt_date(doc['period_start'])} au {fmt_date(doc['period_end'])}. Un service ou une "
        f"commune classé dans les {w['top']} premiers sans action du plan qui le vise est un angle mort."
    )


def commune_label(code: str | None, names: dict[str, str]) -> str:
    """« Nom (code) » when the territory names the commune, the code otherwise."""
    if code is None:
        return "Tout le territoire"
    name = names.get(code)
    return f"{name} ({code})" if name else code


def commune_names(doc: dict) -> dict[str, str]:
    """INSEE code → name, from the communes' ranking (which reads the territory)."""
    return {c["commune"]: c["name"] for c in doc["priorities"]["communes"] if c["name"] != c["commune"]}


def inventory_table(doc: dict) -> pl.DataFrame:
    """Assets per commune and kind at the date of reading, counted by status."""
    from pipelines.ingest.adapters.equipment import KIND_LABELS, STATUS_LABELS

    names = commune_names(doc)
    cells: dict[tuple[str | None, str], dict[str, int]] = {}
    for row in doc["inventory"]["summary"]:
        cell = cells.setdefault((row["commune"], row["kind"]), {})
        cell[row["status"]] = cell.get(row["status"], 0) + int(row["assets"])
    order = sorted(
        cells,
        key=lambda k: (
            k[0] is None,
            k[0] or "",
            list(KIND_LABELS).index(k[1]) if k[1] in KIND_LABELS else 99,
        ),
    )
    columns = ["Commune", "Nature", *(label.capitalize() for label in STATUS_LABELS.values())]
    rows = [
        [
            commune_label(commune, names),
            KIND_LABELS.get(kind, kind).capitalize(),
            *(fmt_int(cells[(commune, kind)].get(status, 0)) for status in STATUS_LABELS),
        ]
        for commune, kind in order
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def territory_table(doc: dict) -> pl.DataFrame:
    """The communes: name, population, density class, digital fragility, very-high-speed coverage."""
    columns = [
        "Commune",
        "Population",
        "Densité",
        "Fragilité numérique (IFN)",
        "Locaux éligibles au THD",
        "Année",
    ]
    rows = [
        [
            commune_label(t["commune"], {t["commune"]: t["name"]} if t["name"] else {}),
            fmt_int(t["population"]) if t["population"] is not None else "—",
            t["density_class"] or "—",
            fmt_number(t["fragility_index"], 1) if t["fragility_index"] is not None else "—",
            fmt_pct(t["thd_coverage"]) if t["thd_coverage"] is not None else "—",
            str(t["year"]),
        ]
        for t in doc.get("territory", [])
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def consultations(doc: dict) -> list[tuple[str, str, list[dict]]]:
    """(id, title, items best supported first) of each consultation."""
    out: dict[str, tuple[str, list[dict]]] = {}
    for row in doc.get("consultation", []):
        title = row["consultation_label"] or row["consultation"]
        if row["closed_on"]:
            title += f" (clôturée le {fmt_date(row['closed_on'])})"
        out.setdefault(row["consultation"], (title, []))[1].append(row)
    return [(key, title, rows) for key, (title, rows) in out.items()]


def consultation_frame(rows: list[dict]) -> pl.DataFrame:
    """The items of one consultation in the shape of a breakdown chart (label, value, interval, n)."""
    return pl.DataFrame(
        [
            {
                "key": r["item"],
                "label": r["item"],
                "value": r["share"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "n": r["participants"],
            }
            for r in rows
        ],
        schema={
            "key": pl.String,
            "label": pl.String,
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "n": pl.Int64,
        },
    )


def consultation_table(rows: list[dict], labels: dict[str, str]) -> pl.DataFrame:
    """Rank, item, supports, participants, share with its interval, the catalogue service it names."""
    columns = ["Rang", "Élément", "Soutiens", "Participants", "Part", "IC 95 %", "Service du catalogue"]
    out = [
        [
            str(r["rank"]),
            r["item"],
            fmt_int(r["supports"]),
            fmt_int(r["participants"]) if r["participants"] is not None else "—",
            fmt_pct(r["share"]) if r["share"] is not None else "—",
            f"{fmt_pct(r['ci_low'])} – {fmt_pct(r['ci_high'])}" if r["ci_low"] is not None else "—",
            labels.get(r["service"], r["service"]) if r["service"] else "—",
        ]
        for r in rows
    ]
    return pl.DataFrame(out, schema=dict.fromkeys(columns, pl.String), orient="row")


def themes_table(doc: dict) -> pl.DataFrame:
    """Each maturity theme: score at the diagnostic wave and at the latest one (all respondents), the
    plan's actions that name it."""
    pooled = [m for m in doc["maturity"] if m["group"] == "all"]
    waves = sorted({m["wave"] for m in pooled})
    at = {(m["theme"], m["wave"]): m for m in pooled}
    columns = ["Thème", "Au diagnostic", "Dernière vague", "Actions du plan"]
    rows = []
    for t in doc.get("themes", []):
        first = at.get((t["theme"], waves[0])) if waves else None
        last = at.get((t["theme"], waves[-1])) if len(waves) > 1 else None
        rows.append(
            [
                t["label"],
                fmt_number(first["score"], 1) if first else "—",
                fmt_number(last["score"], 1) if last else "—",
                ", ".join(t["actions"]) or "aucune",
            ]
        )
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
