"""The shipped maturity referential is valid; a faulty one is refused in French, naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.diagnostic.referential import DEFAULT_REFERENTIAL, OECD_DIMENSIONS, load_referential
from pipelines.errors import PlanError


def test_shipped_referential():
    ref = load_referential()
    assert 8 <= len(ref.themes) <= 10
    assert all(3 <= len(t.items) <= 6 for t in ref.themes)
    assert all(t.oecd and set(t.oecd) <= set(OECD_DIMENSIONS) for t in ref.themes)
    assert len(ref.levels) == 6 and ref.levels[0] == "Rien n'existe."
    assert ref.min_respondents >= 1
    assert ref.items["GOV-1"].theme == "GOV"
    # every OECD dimension is covered by at least one theme
    assert {d for t in ref.themes for d in t.oecd} == set(OECD_DIMENSIONS)


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_REFERENTIAL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "referentiel.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'ocde = ["digital_by_design", "proactiveness"]',
            'ocde = ["numerique"]',
            "clé « themes[1].ocde » : dimension inconnue « numerique »",
        ),
        (
            '{ id = "GOV-2"',
            '{ id = "GOV-1"',
            "clé « themes[1].items[2].id » : l'affirmation « GOV-1 » figure deux fois",
        ),
        (
            '{ id = "SEL-3"',
            '{ id = "GOV-5"',
            "clé « themes[2].items[3].id » : « GOV-5 » : identifiant attendu de la forme SEL-1",
        ),
        ("min_respondents = 5", "min_respondents = 0", "clé « min_respondents »"),
        ('0 = "Rien n\'existe."', "", "clé « niveaux.0 » : descripteur du niveau absent ou vide"),
        (
            'libelle = "Numérique responsable"',
            'libelle = ""',
            "clé « themes[9].libelle » : texte obligatoire",
        ),
    ],
)
def test_faulty_referential_is_refused_naming_the_key(tmp_path, old, new, expected):
    with pytest.raises(PlanError) as err:
        load_referential(_variant(tmp_path, old, new))
    assert expected in str(err.value)
    assert str(err.value).startswith("Référentiel de maturité referentiel.toml")


def test_too_few_items_refused(tmp_path):
    path = _variant(
        tmp_path,
        '  { id = "COM-3", enonce = "Des référents numériques relaient les usages dans les services." },\n',
        "",
    )
    with pytest.raises(
        PlanError, match=r"themes\[8\]\.items » : 3 à 6 affirmations attendues par thème, 2 trouvée"
    ):
        load_referential(path)
