"""The digital-maturity referential: themes × items (statements) × levels 0–5, read from TOML.

The project ships its own (``referential.toml`` beside this module); a plan may point to another
file written on the same model. :func:`load_referential` validates it and stops with a French
message naming the faulty key (:class:`pipelines.errors.PlanError`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.errors import PlanError

DEFAULT_REFERENTIAL = Path(__file__).with_name("referential.toml")
OECD_DIMENSIONS = (
    "digital_by_design",
    "data_driven",
    "government_as_a_platform",
    "open_by_default",
    "user_driven",
    "proactiveness",
)
LEVELS = range(0, 6)
THEME_ID = re.compile(r"^[A-Z]{2,6}$")
ITEMS_PER_THEME = (3, 6)
THEMES_COUNT = (1, 20)


@dataclass(frozen=True)
class Item:
    id: str
    theme: str
    statement: str


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    oecd: tuple[str, ...]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Referential:
    path: Path
    version: str
    title: str
    min_respondents: int
    levels: tuple[str, ...]  # descriptor of level 0 … 5
    themes: tuple[Theme, ...]

    @property
    def items(self) -> dict[str, Item]:
        return {i.id: i for t in self.themes for i in t.items}


def _fail(path: Path, key: str, why: str) -> PlanError:
    return PlanError(f"Référentiel de maturité {path.name}, clé « {key} » : {why}")


def _text(doc: dict, key: str, where: str, path: Path) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"{where}{key}", "texte obligatoire absent ou vide.")
    return value.strip()


def _theme(raw: object, k: int, path: Path, seen_items: set[str]) -> Theme:
    where = f"themes[{k + 1}]."
    if not isinstance(raw, dict):
        raise _fail(path, f"themes[{k + 1}]", "chaque thème est une table [[themes]].")
    tid = _text(raw, "id", where, path)
    if not THEME_ID.match(tid):
        raise _fail(path, f"{where}id", f"« {tid} » : 2 à 6 lettres majuscules attendues (ex. GOV).")
    label = _text(raw, "libelle", where, path)
    oecd = raw.get("ocde")
    if not isinstance(oecd, list) or not oecd:
        raise _fail(path, f"{where}ocde", "au moins une dimension de l'indice de l'OCDE attendue.")
    unknown = [d for d in oecd if d not in OECD_DIMENSIONS]
    if unknown:
        raise _fail(
            path,
            f"{where}ocde",
            f"dimension inconnue « {unknown[0]} » (valeurs admises : {', '.join(OECD_DIMENSIONS)}).",
        )
    items_raw = raw.get("items")
    lo, hi = ITEMS_PER_THEME
    if not isinstance(items_raw, list) or not lo <= len(items_raw) <= hi:
        n = len(items_raw) if isinstance(items_raw, list) else 0
        raise _fail(path, f"{where}items", f"{lo} à {hi} affirmations attendues par thème, {n} trouvée(s).")
    items = []
    for j, it in enumerate(items_raw):
        iwhere = f"{where}items[{j + 1}]."
        if not isinstance(it, dict):
            raise _fail(path, f"{where}items[{j + 1}]", "chaque affirmation est une table { id, enonce }.")
        iid = _text(it, "id", iwhere, path)
        if not re.fullmatch(rf"{tid}-\d+", iid):
            raise _fail(path, f"{iwhere}id", f"« {iid} » : identifiant attendu de la forme {tid}-1, {tid}-2…")
        if iid in seen_items:
            raise _fail(path, f"{iwhere}id", f"l'affirmation « {iid} » figure deux fois.")
        seen_items.add(iid)
        items.append(Item(iid, tid, _text(it, "enonce", iwhere, path)))
    return Theme(tid, label, tuple(oecd), tuple(items))


def _french_toml(err: tomllib.TOMLDecodeError) -> str:
    """The TOML error with its place in French: « … (ligne 12, colonne 8) »."""
    text = str(err)
    m = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if m:
        text = text[: m.start()].strip() + f" (ligne {m[1]}, colonne {m[2]})"
    return text


def parse_referential(text: str, path: Path) -> Referential:
    """The referential from its TOML text, validated (PlanError in French naming the key)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlanError(
            f"Référentiel de maturité {path.name} illisible (TOML) : {_french_toml(err)}"
        ) from err
    version = str(doc.get("version", "")).strip() or "sans version"
    title = _text(doc, "titre", "", path)
    mini = doc.get("min_respondents")
    if not isinstance(mini, int) or isinstance(mini, bool) or mini < 1:
        raise _fail(path, "min_respondents", "nombre entier de répondants d'au moins 1 attendu.")
    levels_raw = doc.get("niveaux")
    if not isinstance(levels_raw, dict):
        raise _fail(path, "niveaux", "table [niveaux] attendue, de 0 à 5.")
    levels = []
    for level in LEVELS:
        descriptor = levels_raw.get(str(level))
        if not isinstance(descriptor, str) or not descriptor.strip():
            raise _fail(path, f"niveaux.{level}", "descripteur du niveau absent ou vide.")
        levels.append(descriptor.strip())
    extra = sorted(set(levels_raw) - {str(v) for v in LEVELS})
    if extra:
        raise _fail(path, f"niveaux.{extra[0]}", "l'échelle va de 0 à 5.")
    themes_raw = doc.get("themes")
    if not isinstance(themes_raw, list) or not themes_raw:
        raise _fail(path, "themes", "au moins un thème [[themes]] attendu.")
    seen_items: set[str] = set()
    themes = [_theme(t, k, path, seen_items) for k, t in enumerate(themes_raw)]
    ids = [t.id for t in themes]
    dup = next((t for t in ids if ids.count(t) > 1), None)
    if dup:
        raise _fail(path, "themes.id", f"le thème « {dup} » figure deux fois.")
    return Referential(path, version, title, mini, tuple(levels), tuple(themes))


@cache
def _load(path: Path, mtime_ns: int) -> Referential:
    return parse_referential(path.read_text(encoding="utf-8"), path)


def load_referential(path: Path | None = None) -> Referential:
    """The referential at ``path`` (the shipped one by default), validated."""
    path = Path(path or DEFAULT_REFERENTIAL)
    if not path.exists():
        raise PlanError(f"Référentiel de maturité introuvable : {path}.")
    return _load(path.resolve(), path.stat().st_mtime_ns)


def plan_referential_path(plan_path: Path | None) -> Path | None:
    """The referential a plan names (``[diagnostic] referential``, relative to the plan file), None
    when the plan names none or cannot be read (the plan's own validation reports that)."""
    if plan_path is None or not Path(plan_path).is_file():
        return None
    try:
        doc = tomllib.loads(Path(plan_path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return None
    diagnostic = doc.get("diagnostic")
    value = diagnostic.get("referential") if isinstance(diagnostic, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    return (Path(plan_path).parent / value.strip()).resolve()


def referential_in_use(plan_path: Path | None) -> Referential:
    """The plan's own referential when it names one (PlanError in French if it is missing or
    broken), else the shipped one."""
    own = plan_referential_path(plan_path)
    if own is not None and not own.is_file():
        raise PlanError(
            f"Référentiel de maturité introuvable : {own} (clé « referential » de la section [diagnostic] du plan)."
        )
    return load_referential(own)
