"""Status words, symbols and colours: the engine's words, capitalised; never the colour alone."""

from __future__ import annotations

from pipelines.indicators import STATUS_LABELS
from pipelines.plan import ACTION_STATUSES as PLAN_ACTION_WORDS
from pipelines.present.status_words import (
    ACTION_STATUSES,
    STATUSES,
    UNKNOWN,
    status_help,
    status_of,
    status_text,
)


def test_status_word_is_capitalised_and_has_a_symbol():
    assert status_text({"status": "off_track", "status_label": "en retard"}) == "✖ En retard"
    assert status_of({}).label == "Statut non calculé"


def test_unknown_status_key_falls_back_to_the_unknown_look():
    s = status_of({"status": "pas-un-statut"})
    assert s == UNKNOWN and s.symbol == "–"


def test_words_are_the_engines_and_the_plans():
    assert set(STATUSES) == set(STATUS_LABELS)
    assert all(s.label.lower() == STATUS_LABELS[k] for k, s in STATUSES.items())
    assert STATUSES["at_risk"].label == "À surveiller"
    assert list(ACTION_STATUSES) == list(PLAN_ACTION_WORDS)
    assert [w for _, w, _ in ACTION_STATUSES.values()] == list(PLAN_ACTION_WORDS.values())
    symbols = [s.symbol for s in STATUSES.values()]
    assert len(set(symbols)) == len(symbols)  # told apart without colour


def test_status_help_has_one_bullet_per_status_with_its_icon():
    help_text = status_help()
    for s in STATUSES.values():
        assert f"- :{s.badge}[{s.icon}]" in help_text and f"**{s.label}**" in help_text
