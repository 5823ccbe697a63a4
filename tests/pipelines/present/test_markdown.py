"""The Markdown escape for text that comes from data."""

from __future__ import annotations

import pytest

from pipelines.present.markdown import md_escape


@pytest.mark.parametrize(
    "hostile",
    [
        "[cliquez ici](https://exemple.invalid/piege)",
        "<img src=x onerror=alert(1)>",
        ":red[alerte] :material/warning:",
        "$\\frac{1}{2}$",
        "www.exemple.invalid",
        "# Titre\n- liste",
        "**gras** _italique_ `code`",
    ],
)
def test_md_escape_leaves_no_active_markdown(hostile):
    escaped = md_escape(hostile)
    assert "\n" not in escaped
    for i, ch in enumerate(escaped):  # every special character is preceded by a backslash
        if ch in "[]()<>:*_`$#!.-" and (i == 0 or escaped[i - 1] != "\\"):
            raise AssertionError(f"{ch!r} non échappé dans {escaped!r}")
    assert escaped.replace("\\", "") == hostile.replace("\n", " ").replace("\\", "")


def test_md_escape_of_nothing_is_a_dash():
    assert md_escape(None) == "—"
