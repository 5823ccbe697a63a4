"""Silent edits of the plan caught by ``plan_history`` (a real ingest into a real DuckDB file, real
plan TOML text): an unrevised target change warns, a revised one does not, the warning persists
until the plan is fixed, restoring the value clears it."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import migrations
from pipelines.ingest.run import ingest
from pipelines.plan_history import plan_warnings
from tests.pipelines.test_plan import VALID

TARGET = "target = { value = 20, date = 2028-12-31 }\n"
REVISION = (
    'revisions = [ { date = 2026-01-15, decision = "Délibération n° 2026-001", '
    "target = { value = 15, date = 2028-12-31 } } ]\n"
)


@pytest.fixture
def work(tmp_path):
    return tmp_path / "plan.toml", tmp_path / "w.duckdb"


def _load(work, text: str) -> tuple[list[str], list[str]]:
    """Ingest with this plan: (warnings of the ingest report, warnings stored for the app)."""
    plan_path, warehouse = work
    plan_path.write_text(text, encoding="utf-8")
    reports = ingest([], warehouse, plan_path=plan_path, wait_seconds=5)
    said = [r.message for r in reports if r.status == "warning"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return said, plan_warnings(con)
    finally:
        con.close()


def test_an_unrevised_target_change_warns_until_restored(work):
    assert _load(work, VALID) == ([], [])
    said, stored = _load(work, VALID.replace(TARGET, "target = { value = 15, date = 2028-12-31 }\n"))
    assert len(said) == 1 and said == stored
    assert "« Délai médian » (delai)" in said[0]
    assert "la cible (20,0\u00a0jours au 31/12/2028 → 15,0\u00a0jours au 31/12/2028)" in said[0]
    assert "sans révision" in said[0]
    # loaded again unchanged: the warning persists (the reference is the last accepted load)
    assert len(_load(work, VALID.replace(TARGET, "target = { value = 15, date = 2028-12-31 }\n"))[0]) == 1
    # the value restored: nothing left to say
    assert _load(work, VALID) == ([], [])


def test_a_revised_target_change_does_not_warn(work):
    _load(work, VALID)
    assert _load(work, VALID.replace(TARGET, TARGET + REVISION)) == ([], [])
    assert _load(work, VALID.replace(TARGET, TARGET + REVISION)) == ([], [])
    # the unrevised change, then fixed by a revision: the revision clears the warning
    changed = VALID.replace(TARGET, "target = { value = 12, date = 2028-12-31 }\n" + REVISION)
    said, _ = _load(work, changed)
    assert len(said) == 1 and "la cible (20,0\u00a0jours" in said[0]
    second = REVISION.replace(
        " } ]",
        ' }, { date = 2026-06-01, decision = "Délibération n° 2026-050", '
        "target = { value = 12, date = 2028-12-31 } } ]",
    )
    assert _load(work, VALID.replace(TARGET, "target = { value = 12, date = 2028-12-31 }\n" + second)) == (
        [],
        [],
    )


def test_a_baseline_or_a_recorded_revision_edited_warns(work):
    _load(work, VALID.replace(TARGET, TARGET + REVISION))
    said, _ = _load(work, VALID.replace(TARGET, TARGET + REVISION.replace("value = 15", "value = 14")))
    assert len(said) == 1 and "une révision déjà enregistrée" in said[0]
    said, _ = _load(work, VALID.replace(TARGET, TARGET + REVISION).replace("value = 40 }", "value = 45 }"))
    assert len(said) == 1 and "la valeur de référence (40,0\u00a0jours → 45,0\u00a0jours)" in said[0]


def test_history_keeps_one_row_per_indicator_and_load(work):
    _load(work, VALID)
    _load(work, VALID.replace(TARGET, "target = { value = 15, date = 2028-12-31 }\n"))
    con = duckdb.connect(str(work[1]), read_only=True)
    try:
        rows = con.execute(
            "select load_number, indicator_id, target_value, warning is not null from plan_history order by 1, 2"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        (1, "delai", 20.0, False),
        (1, "taux", 0.7, False),
        (2, "delai", 15.0, True),
        (2, "taux", 0.7, False),
    ]


def test_the_plan_history_step_alone_creates_the_table():
    con = duckdb.connect()
    try:
        con.execute(migrations.META_DDL)
        next(m for m in migrations.MIGRATIONS if m.from_version == 6).apply(con)
        cols = [r[0] for r in con.execute("describe plan_history").fetchall()]
        assert {"indicator_id", "target_value", "milestones_json", "revisions_count", "plan_sha256"} <= set(
            cols
        )
    finally:
        con.close()


def test_the_ingest_command_prints_the_warning_and_still_succeeds(tmp_path, capsys):
    from pipelines.cli import main

    data = tmp_path / "donnees"
    data.mkdir()
    (data / "plan.toml").write_text(VALID, encoding="utf-8")
    assert main(["ingest", "--data-dir", str(data)]) == 0
    capsys.readouterr()
    (data / "plan.toml").write_text(
        VALID.replace(TARGET, "target = { value = 15, date = 2028-12-31 }\n"), encoding="utf-8"
    )
    assert main(["ingest", "--data-dir", str(data)]) == 0  # a warning, not a refusal
    out = capsys.readouterr().out.replace("\u00a0", " ")
    assert (
        "• plan.toml (avertissement) : Plan modifié sans révision : indicateur « Délai médian » (delai)"
        in out
    )
