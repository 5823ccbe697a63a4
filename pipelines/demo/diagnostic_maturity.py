"""The demo authority's maturity self-assessment: two waves on the shipped referential (38 statements).

- 15/02/2024, the start of the plan's diagnostic phase: 10 élus and 35 agents, kept by the
  authority in a French spreadsheet, one row per respondent (``maturite-2024-02-15.xlsx``, wide:
  « Répondant ; Groupe ; Vague ; GOV-1 … COO-4 », « NSP » for « ne sait pas »);
- 15/06/2026, mid-term: 9 élus and 33 agents answered a LimeSurvey questionnaire (array question
  ``MAT``, group question ``GRP``), exported in code mode (``results-survey482913.csv``),
  read through the mapping file ``mappings/demo-maturite-limesurvey.toml``
  written beside the exports' folder (the demo's data folder).

The levels tell the plan's story: weak at the start on online services, inclusion and data (what the
axes « acces », « inclusion », « efficacite », « experience » answer), better at mid-term on what the
actions addressed (portals, dematerialised instruction, agents' training, France Services), little
change elsewhere; élus more optimistic than agents on internal tools. Seeded: same files every time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xlsxwriter

from pipelines.diagnostic.referential import load_referential

SEED = 2024
WAVE_START, WAVE_MID = "2024-02-15", "2026-06-15"
SURVEY_ID = "482913"
# true theme level (0–5) of the authority at each wave, as an agent sees it
START = {
    "GOV": 1.8,
    "SEL": 1.1,
    "OUT": 1.9,
    "DON": 0.8,
    "INF": 2.5,
    "CYB": 1.7,
    "INC": 0.9,
    "COM": 1.5,
    "RES": 1.2,
    "COO": 2.1,
}
GAIN = {  # what the actions addressed by mid-term
    "GOV": 0.6,
    "SEL": 1.5,  # A1 portail citoyen, A6 portail famille, A3 rendez-vous en ligne
    "OUT": 1.1,  # A2 instruction dématérialisée, A8 archivage électronique
    "DON": 0.3,
    "INF": 0.2,
    "CYB": 0.2,
    "INC": 1.4,  # A4 France Services et conseillers numériques
    "COM": 0.9,  # A7 formation des agents
    "RES": 0.1,
    "COO": 0.3,
}
ELU_BIAS = {"OUT": 0.9, "COM": 0.5, "GOV": 0.4}  # élus more optimistic, above all on internal tools
ELU_DONT_KNOW = {"CYB": 0.25, "INF": 0.2, "DON": 0.2, "OUT": 0.1}
COUNTS = {WAVE_START: {"elu": 10, "agent": 35}, WAVE_MID: {"elu": 9, "agent": 33}}

MAPPING = f"""# Correspondance de démonstration : le questionnaire LimeSurvey d'autoévaluation de maturité
# (questionnaire {SURVEY_ID}), exporté avec les codes des questions : une ligne par répondant, la
# question « GRP » (groupe du répondant) et la question tableau « MAT » (une colonne par affirmation :
# MAT[GOV1] = GOV-1…, retrouvées toutes seules par leur code). Réponses A0 à A5 = niveaux 0 à 5 ;
# « sans réponse » = ne sait pas.
[match]
columns = ["GRP", "MAT[GOV1]"]
filename = "results-survey{SURVEY_ID}*.csv"

[target]
dataset = "maturity"
source = "limesurvey-{SURVEY_ID}"

[columns]
respondent_group = "GRP"

[values.respondent_group]
A1 = "elu"
A2 = "agent"

[constants]
wave = {WAVE_MID}
"""


def _answers(rng: np.random.Generator, wave: str, group: str, n: int, items) -> list[list[int | None]]:
    rows = []
    for _ in range(n):
        person = rng.normal(0.0, 0.45)
        row = []
        for item in items:
            theme = item.theme
            true = START[theme] + (GAIN[theme] if wave == WAVE_MID else 0.0)
            if group == "elu":
                true += ELU_BIAS.get(theme, 0.2)
            dont_know = ELU_DONT_KNOW.get(theme, 0.04) if group == "elu" else 0.04
            if rng.random() < dont_know:
                row.append(None)
                continue
            level = true + person + rng.normal(0.0, 0.7)
            row.append(int(np.clip(np.rint(level), 0, 5)))
        rows.append(row)
    return rows


def _spreadsheet(path: Path, rng: np.random.Generator, items) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Autoévaluation")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, ["Répondant", "Groupe", "Vague", *(i.id for i in items)], bold)
    line = 1
    for group, label in (("elu", "Élu"), ("agent", "Agent")):
        for k, answers in enumerate(
            _answers(rng, WAVE_START, group, COUNTS[WAVE_START][group], items), start=1
        ):
            sheet.write_string(line, 0, f"{label[0]}{k:02d}")
            sheet.write_string(line, 1, label)
            sheet.write_string(line, 2, "15/02/2024")
            for j, level in enumerate(answers, start=3):
                if level is None:
                    sheet.write_string(line, j, "NSP")
                else:
                    sheet.write_number(line, j, level)
            line += 1
    book.close()


def _limesurvey(path: Path, rng: np.random.Generator, items) -> None:
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "GRP"]
    header += [f"MAT[{i.id.replace('-', '')}]" for i in items]
    lines = [",".join(f'"{h}"' for h in header)]
    respondents = [
        (group, answers)
        for group in ("elu", "agent")
        for answers in _answers(rng, WAVE_MID, group, COUNTS[WAVE_MID][group], items)
    ]
    order = rng.permutation(len(respondents))
    for rid, k in enumerate(order, start=1):
        group, answers = respondents[k]
        minute = rid % 60
        start = f"2026-06-15 {9 + rid // 60:02d}:{minute:02d}:00"
        done = f"2026-06-15 {9 + rid // 60:02d}:{minute:02d}:40"
        cells = [str(rid), done, "4", "fr", str(int(rng.integers(1, 2**31))), start, done]
        cells.append("A1" if group == "elu" else "A2")
        cells += ["" if a is None else f"A{a}" for a in answers]
        lines.append(",".join(f'"{c}"' for c in cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write(folder: Path) -> list[Path]:
    """Write the two waves under ``folder`` (exports/diagnostic/) and the LimeSurvey mapping under
    the data folder's ``mappings/`` (two levels up); the paths written."""
    folder = Path(folder)
    items = [i for t in load_referential().themes for i in t.items]
    rng = np.random.default_rng(SEED)
    sheet = folder / f"maturite-{WAVE_START}.xlsx"
    _spreadsheet(sheet, rng, items)
    export = folder / f"results-survey{SURVEY_ID}.csv"
    _limesurvey(export, rng, items)
    mappings = folder.parent.parent / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    mapping = mappings / "demo-maturite-limesurvey.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return [sheet, export, mapping]
