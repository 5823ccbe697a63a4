"""Settings as data: every path and knob in one place, with its default, environment variable and help.

Resolution order for each setting: explicit argument (CLI flag) > environment variable > default.
Pages and commands never hold literal paths; they call :func:`resolve`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "BAROMETRE_DATA_DIR", "data", "Dossier de dépôt des exports (CSV, XLSX) et du plan."),
    Setting(
        "warehouse",
        "BAROMETRE_WAREHOUSE",
        "{data_dir}/warehouse.duckdb",
        "Fichier de l'entrepôt DuckDB (jamais versionné).",
    ),
    Setting("plan", "BAROMETRE_PLAN", "{data_dir}/plan.toml", "Fichier du plan (cibles, jalons, actions)."),
    Setting(
        "demo_dir",
        "BAROMETRE_DEMO_DIR",
        "~/.cache/barometre/demo",
        "Dossier où la démo écrit ses données (jamais le dossier data/ de l'utilisateur).",
    ),
    Setting(
        "writer_wait",
        "BAROMETRE_WRITER_WAIT",
        "30",
        "Secondes pendant lesquelles un import attend qu'un autre import se termine avant d'abandonner.",
    ),
    Setting(
        "max_upload_mb",
        "BAROMETRE_MAX_UPLOAD_MB",
        "200",
        "Taille maximale d'un fichier déposé par l'application (Mo).",
    ),
    Setting(
        "mode",
        "BAROMETRE_MODE",
        "viewer",
        "viewer : consultation seule (par défaut) ; analyst : le dépôt de fichiers est permis dans l'application "
        "(sans authentification ; avec authentification, seuls les analystes listés déposent).",
    ),
    Setting(
        "auth_required",
        "BAROMETRE_AUTH",
        "0",
        "1 : l'application exige une connexion (st.login) ; le dépôt de fichiers est réservé au rôle analyste.",
    ),
    Setting(
        "analysts",
        "BAROMETRE_ANALYSTS",
        "",
        "Adresses e-mail (séparées par des virgules) ayant le rôle analyste quand l'authentification est active.",
    ),
    Setting(
        "accessibility_contact",
        "BAROMETRE_ACCESSIBILITY_CONTACT",
        "",
        "Contact (adresse e-mail, page ou formulaire) où signaler un défaut d'accessibilité, affiché par la "
        "déclaration d'accessibilité ; vide : le service numérique de la collectivité.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def resolve(name: str, explicit: str | os.PathLike[str] | None = None, **context: str) -> str:
    """Value of setting ``name``: explicit > environment > default (``{data_dir}`` expanded)."""
    setting = _BY_NAME[name]
    if explicit not in (None, ""):
        return str(explicit)
    value = os.environ.get(setting.env) or setting.default
    if "{data_dir}" in value:
        value = value.format(data_dir=context.get("data_dir") or resolve("data_dir"))
    return value


def path(name: str, explicit: str | os.PathLike[str] | None = None, **context: str) -> Path:
    """Same as :func:`resolve`, as an expanded :class:`Path`."""
    return Path(resolve(name, explicit, **context)).expanduser()
