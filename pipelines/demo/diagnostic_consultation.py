"""The demo authority's citizen consultation of the diagnostic phase (February–March 2024), in the
layouts authorities get them:

- a LimeSurvey response export in full-text French headings (``results-survey424242.csv``), one
  multiple-choice question « Quelles démarches aimeriez-vous faire en ligne en priorité ? » and its
  « Autre » column, about 400 participants: recognised on its own (no mapping file needed). Ten
  démarches, eight named by the demo plan's catalogue aliases and two it does not know
  (« Paiement des amendes », « Inscription à la médiathèque »); the plan's axes answer the most
  requested ones, except the déchèterie badges, left without an action (a blind spot to show);
- a small Decidim proposals export (0.27 layout, ``;``) of the participatory space « plan numérique
  2024 », with authors' names as Decidim writes them (never stored). No row of either file is
  rejected (the demo's warehouse has no rejected rows).

Deterministic: a fixed seed, whatever the demo's own seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

QUESTION = "Quelles démarches aimeriez-vous faire en ligne en priorité ?"
# (answer as written in the questionnaire, probability a participant ticks it)
ANSWERS = (
    ("Carte nationale d'identité", 0.58),
    ("Acte de naissance", 0.49),
    ("Badge déchèterie", 0.45),
    ("Cantine", 0.41),
    ("Inscription à l'école", 0.34),
    ("Permis de construire", 0.26),
    ("Inscription à la médiathèque", 0.22),
    ("Demande de place en crèche", 0.19),
    ("Paiement des amendes", 0.15),
    ("Carte de stationnement résidentiel", 0.09),
)
OTHER_TEXTS = (
    "Prendre rendez-vous avec le CCAS",
    "Payer l'eau en ligne",
    "Suivre ma demande de logement social",
    "Réserver le minibus pour les anciens",
    "Payer l'eau en ligne, écrivez-moi à habitant.sorne@example.org",
    "Être rappelé au 03 84 00 00 00 pour les encombrants",
)
SYSTEM = (
    "ID de la réponse",
    "Date de soumission",
    "Dernière page",
    "Langue de départ",
    "Tête de série",
    "Date de début",
    "Date de la dernière action",
)
RESPONSES = 430
START = dt.datetime(2024, 2, 5, 8, 0, 0)
DAYS = 55  # closed on 2024-03-31

SPACE = "https://participer.val-de-sorne.example/processes/plan-numerique-2024"
DECIDIM_HEADER = (
    "id;category/id;category/name/fr;scope/id;scope/name/fr;participatory_space/id;participatory_space/url;"
    "component/id;title/fr;body/fr;address;latitude;longitude;state;reference;answer/fr;votes;"
    "endorsements/total_count;endorsements/user_endorsements;comments;attachments;followers;published_at;url;"
    "meeting_urls;related_proposals;is_amend;original_proposal/title;original_proposal/url;withdrawn;withdrawn_at;"
    "author/id;author/name;author/url"
)
# (title, category, body, votes, state, withdrawn, author)
PROPOSALS = (
    (
        "Badge déchèterie",
        "",
        "<p>Commander le badge en ligne au lieu de passer en mairie.</p>",
        64,
        "evaluating",
        False,
        "Claire Fontaine",
    ),
    (
        "Acte de naissance",
        "État civil",
        "<p>Recevoir l'acte par courriel sans se déplacer.</p>",
        41,
        "accepted",
        False,
        "Marc Duval",
    ),
    (
        "Un espace numérique à la médiathèque de Sorne-le-Haut",
        "",
        "<p>Avec un médiateur le samedi.</p>",
        38,
        "accepted",
        False,
        "Lina Moreau",
    ),
    (
        "Portail famille",
        "",
        "<p>Inscrire les enfants à la cantine et au périscolaire en une fois.</p>",
        35,
        "accepted",
        False,
        "Hugo Bernard",
    ),
    (
        "Wi-Fi public sur la place du marché",
        "",
        "<p>Pour les commerçants et les visiteurs.</p>",
        22,
        "evaluating",
        False,
        "Sami Girard",
    ),
    (
        "Permis de construire",
        "",
        "<p>Déposer les plans en ligne. Questions : 03 84 11 22 33</p>",
        17,
        "accepted",
        False,
        "Paul Lemoine",
    ),
    (
        "Signaler un problème",
        "",
        "<p>Une application pour signaler un lampadaire en panne.</p>",
        15,
        "evaluating",
        False,
        "Inès Robert",
    ),
)


def _limesurvey() -> str:
    rng = random.Random(20240331)
    header = [*SYSTEM, *(f"{QUESTION} [{a}]" for a, _ in ANSWERS), f"{QUESTION} [Autre]"]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    for i in range(1, RESPONSES + 1):
        started = START + dt.timedelta(seconds=rng.randrange(DAYS * 86400))
        done = started + dt.timedelta(seconds=rng.randrange(40, 400))
        complete = rng.random() > 0.05
        ticks = ["Oui" if rng.random() < p else "" for _, p in ANSWERS]
        other = rng.choice(OTHER_TEXTS) if rng.random() < 0.06 else ""
        if not complete:  # abandoned on the page: nothing submitted
            ticks = ["Oui" if t and rng.random() < 0.5 else "" for t in ticks]
        stamp = done.strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow(
            [
                str(i),
                stamp if complete else "",
                "1",
                "fr",
                str(rng.randrange(10**8, 10**9)),
                started.strftime("%Y-%m-%d %H:%M:%S"),
                stamp,
                *ticks,
                other,
            ]
        )
    return out.getvalue()


def _decidim() -> str:
    lines = [DECIDIM_HEADER]
    for n, (title, category, body, votes, state, withdrawn, author) in enumerate(PROPOSALS, start=1):
        pid = 200 + n
        published = dt.datetime(2024, 2, 1, 9, 0) + dt.timedelta(days=3 * n)
        nickname = author.lower().replace(" ", "")
        lines.append(
            ";".join(
                [
                    str(pid),
                    "4" if category else "",
                    category,
                    "",
                    "",
                    "2",
                    SPACE,
                    "7",
                    title,
                    body,
                    "",
                    "",
                    "",
                    state,
                    f"VDS-PROP-2024-02-{pid}",
                    "",
                    str(votes),
                    str(votes // 6),
                    "[]",
                    str(votes // 10),
                    "0",
                    str(votes // 8 + 1),
                    published.strftime("%Y-%m-%d %H:%M:%S +0100"),
                    f"{SPACE}/f/7/proposals/{pid}",
                    "[]",
                    "[]",
                    "false",
                    "",
                    "",
                    "true" if withdrawn else "false",
                    "2024-03-01 10:00:00 +0100" if withdrawn else "",
                    str(500 + n),
                    author,
                    f"https://participer.val-de-sorne.example/profiles/{nickname}",
                ]
            )
        )
    return "\n".join(lines) + "\n"


def write(folder: Path) -> list[Path]:
    """Write the consultation files into ``folder/consultation/``; the paths written."""
    target = Path(folder) / "consultation"
    target.mkdir(parents=True, exist_ok=True)
    survey = target / "results-survey424242.csv"
    survey.write_text(_limesurvey(), encoding="utf-8")
    proposals = target / "decidim-plan-numerique-2024-proposals.csv"
    proposals.write_text(_decidim(), encoding="utf-8")
    return [survey, proposals]
