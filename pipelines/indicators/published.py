"""Published reviews are snapshots: ``barometre review`` stores the figures it published (values,
intervals, statuses, the tests of the changes), the plan's fingerprint, the data's fingerprint and
the pack's manifest in the warehouse (``published_reviews``, ``published_review_figures``); the Revue
page shows a published review beside today's recomputation and explains any difference.

Decisions:

- a review is identified by its name and the date it was read at (``review_key`` = « name|as_of »):
  publishing the same review at the same date again replaces it (the figures are then those of the
  latest publication, whose date is kept);
- the explanation of a difference compares what changed since the publication: the plan file (its
  SHA-256), files imported after it (the ledger's ``file_id`` beyond the last one at the publication) (a file whose path was already imported before the publication
  is a corrected export, any other is late data), and for each indicator the value and the status;
- publishing writes through the one writer (:func:`pipelines.warehouse.write_snapshot`); the data
  fingerprint of the packs covers the canonical tables only, so a publication never changes the
  bytes of a pack rebuilt from the same data: a published review is reproduced byte for byte by
  ``barometre review --at <as_of> --name <name>`` while the data and the plan are unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import polars as pl

from pipelines.published_tables import create_published_tables

FIGURES = (
    "id",
    "label",
    "unit",
    "baseline_value",
    "baseline_ci_low",
    "baseline_ci_high",
    "baseline_n",
    "review_value",
    "ci_low",
    "ci_high",
    "n",
    "delta",
    "p_value",
    "significant",
    "status",
    "status_label",
    "target_value",
)


def review_key(name: str, as_of: dt.date) -> str:
    return f"{name}|{as_of.isoformat()}"


def publish(
    warehouse: Path, doc: dict, as_of: dt.date, plan_sha256: str, data_fingerprint: str, manifest: dict
) -> str:
    """Store a review as published (``doc``: :func:`pipelines.indicators.review`); its key."""
    from pipelines.warehouse import write_snapshot

    key = review_key(doc["name"], as_of)
    with write_snapshot(Path(warehouse)) as con:
        create_published_tables(con)
        con.execute("delete from published_review_figures where review_key = ?", [key]).fetchall()
        con.execute("delete from published_reviews where review_key = ?", [key]).fetchall()
        con.execute(
            "insert into published_reviews values "
            "(?, ?, ?, localtimestamp, ?, ?, ?, ?, ?, ?, ?, (select max(file_id) from ingest_files), ?)",
            [
                key,
                doc["name"],
                as_of,
                doc["baseline_start"],
                doc["baseline_end"],
                doc["start"],
                doc["end"],
                doc.get("complete"),
                plan_sha256,
                data_fingerprint,
                json.dumps(manifest, ensure_ascii=False, sort_keys=True),
            ],
        ).fetchall()
        con.executemany(
            f"insert into published_review_figures values (?, {', '.join('?' for _ in FIGURES)})",
            [[key, *(row.get(k) for k in FIGURES)] for row in doc["indicators"]],
        )
    return key


def published_reviews(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every published review, the latest publication first ([] in a warehouse without any)."""
    try:
        cur = con.execute(
            "select review_key, name, as_of, published_at, plan_sha256, data_fingerprint, last_file_id "
            "from published_reviews order by published_at desc, review_key"
        )
    except duckdb.CatalogException:
        return []
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def published_figures(con: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    return con.sql(
        "select * exclude (review_key) from published_review_figures where review_key = ? order by indicator_id",
        params=[key],
    ).pl()


def explain(
    con: duckdb.DuckDBPyConnection, published: dict, figures: pl.DataFrame, today: dict, plan_sha256: str
) -> list[str]:
    """French sentences saying why today's recomputation differs from the published figures."""
    out = []
    if published["plan_sha256"] != plan_sha256:
        out.append(
            "Le plan a changé depuis la publication (cibles, jalons, révisions ou indicateurs) : les statuts et les "
            "valeurs attendues peuvent en dépendre."
        )
    last = published["last_file_id"] or 0  # the ledger's last file at the publication (ids only grow)
    after = con.execute(
        "select path, (select count(*) from ingest_files b where b.path = a.path and b.file_id <= ?) > 0 "
        "from ingest_files a where a.file_id > ? and a.status in ('loaded', 'partial') order by a.file_id",
        [last, last],
    ).fetchall()
    corrected = [Path(p).name for p, again in after if again]
    late = [Path(p).name for p, again in after if not again]
    if corrected:
        out.append(
            f"{len(corrected)} export{'s' if len(corrected) > 1 else ''} corrigé{'s' if len(corrected) > 1 else ''} "
            f"importé{'s' if len(corrected) > 1 else ''} depuis la publication : {', '.join(corrected)}."
        )
    if late:
        out.append(
            f"{len(late)} fichier{'s' if len(late) > 1 else ''} de données arrivé{'s' if len(late) > 1 else ''} "
            f"depuis la publication : {', '.join(late)}."
        )
    now = {r["id"]: r for r in today["indicators"]}
    changed = []
    for row in figures.iter_rows(named=True):
        current = now.get(row["indicator_id"])
        if current is None:
            changed.append(f"« {row['label']} » n'est plus dans le plan")
            continue
        a, b = row["review_value"], current["review_value"]
        moved = (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-9 * max(1.0, abs(a)))
        if moved or row["status"] != current["status"]:
            changed.append(f"« {row['label']} »")
    if changed:
        out.append(
            "Indicateurs dont la valeur ou le statut diffère aujourd'hui : " + ", ".join(changed) + "."
        )
    elif not out:
        out.append("Aucune différence : la revue recalculée aujourd'hui redonne les chiffres publiés.")
    return out


def comparison(warehouse: Path, plan, key: str) -> dict | None:
    """A published review beside today's recomputation (same review, same date of reading): the
    published row, a table-ready list of ``{id, label, unit, published, today, status_published,
    status_today}`` and the French explanations; None when the key is unknown."""
    import hashlib

    from pipelines.indicators.review import review
    from pipelines.warehouse import read_connection

    with read_connection(Path(warehouse)) as con:
        found = [p for p in published_reviews(con) if p["review_key"] == key]
        if not found:
            return None
        pub = found[0]
        figures = published_figures(con, key)
    today = review(Path(warehouse), plan, pub["name"], pub["as_of"])
    plan_sha = hashlib.sha256(Path(plan.path).read_bytes()).hexdigest() if Path(plan.path).exists() else ""
    with read_connection(Path(warehouse)) as con:
        reasons = explain(con, pub, figures, today, plan_sha)
    now = {r["id"]: r for r in today["indicators"]}
    rows = [
        {
            "id": f["indicator_id"],
            "label": f["label"],
            "unit": f["unit"],
            "published": f["review_value"],
            "today": now.get(f["indicator_id"], {}).get("review_value"),
            "status_published": f["status_label"],
            "status_today": now.get(f["indicator_id"], {}).get("status_label"),
        }
        for f in figures.iter_rows(named=True)
    ]
    return {"review": pub, "rows": rows, "reasons": reasons}
