"""Display tables and the CSV export of rejected rows (French, formulas neutralised)."""

from __future__ import annotations

import polars as pl

from pipelines.present.tables import rejected_csv, review_table


def test_rejected_csv_opens_in_a_french_spreadsheet():
    rejected = pl.DataFrame(
        {
            "file_id": [3],
            "path": ["/data/x/export.csv"],
            "dataset": ["usage_events"],
            "line": [12],
            "col": ["channel"],
            "chk": ["isin"],
            "value": ['=HYPERLINK("x")'],
            "message": ["Canal inconnu « =HYPERLINK »."],
        }
    )
    text = rejected_csv(rejected).decode("utf-8")
    assert text.startswith("\ufeffFichier;Ligne;Colonne;Valeur lue;Raison;Contrôle")
    assert "export.csv;12;channel;\"'=HYPERLINK" in text


def test_review_table_puts_status_first_and_states_significance():
    row = {
        "label": "Délai",
        "unit": "jours",
        "baseline_value": 42.2,
        "baseline_ci_low": 41.4,
        "baseline_ci_high": 43.6,
        "baseline_n": 2590,
        "review_value": 23.6,
        "ci_low": 23.0,
        "ci_high": 24.2,
        "n": 2748,
        "delta": -18.6,
        "p_value": 1e-9,
        "significant": True,
        "target_value": 18.0,
        "status": "on_track",
        "status_label": "en bonne voie",
    }
    table = review_table([row])
    assert table.columns[:2] == ["Indicateur", "Statut"]
    assert table["Statut"][0] == "✔ En bonne voie"
    assert table["Évolution"][0] == "−18,6\u00a0j, significative (p <\u00a00,001)"
    assert table["n (réf.)"][0] == "2\u202f590"


def test_every_ledger_status_has_french_words():
    """The Données page shows every status the ingest writes in words, never its code."""
    import datetime as dt

    from pipelines.ingest.run import STATUS_LABELS
    from pipelines.present.tables import ingest_table

    history = pl.DataFrame(
        {
            "started_at": [dt.datetime(2026, 11, 2, 9, 30)] * len(STATUS_LABELS),
            "path": [f"data/f{i}.csv" for i in range(len(STATUS_LABELS))],
            "source": ["fichier-canonique"] * len(STATUS_LABELS),
            "dataset": ["usage_events"] * len(STATUS_LABELS),
            "status": list(STATUS_LABELS),
            "rows_read": [1] * len(STATUS_LABELS),
            "rows_loaded": [1] * len(STATUS_LABELS),
            "rows_rejected": [0] * len(STATUS_LABELS),
            "message": [None] * len(STATUS_LABELS),
        }
    )
    shown = ingest_table(history)["Statut"].to_list()
    assert not set(shown) & set(STATUS_LABELS), shown
    assert "↻ relu depuis (correspondance modifiée)" in shown
