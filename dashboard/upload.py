"""Files uploaded from the Données page: saved into the drop folder under a safe name, then taken in
by the very same ingest as ``barometre ingest`` (``pipelines.ingest.run.ingest``).

A file name from the browser is untrusted: only its last component is kept, reduced to letters,
digits, spaces, ``.``, ``-`` and ``_``, never hidden, never the warehouse's, with a supported
extension; the final path is checked to lie inside the upload folder. Sizes are bounded.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines import settings
from pipelines.errors import BarometreError
from pipelines.french import fmt_int

if TYPE_CHECKING:
    from pipelines.ingest.run import FileReport, ProgressFn

UPLOAD_DIR = "televersements"  # inside the drop folder, one subfolder per day


def supported_extensions() -> frozenset[str]:
    """The extensions the ingest takes (``.csv``…). The ingest is imported only when a file is
    uploaded or may be: it imports Pandera and pandas (over a second), which the Données page of a
    read-only viewer never needs."""
    from pipelines.ingest.run import SUPPORTED

    return frozenset(SUPPORTED)


class UploadRefused(BarometreError):
    """An uploaded file cannot be saved (type, size or name)."""


def max_upload_bytes() -> int:
    try:
        return int(float(settings.resolve("max_upload_mb")) * 1024 * 1024)
    except ValueError:
        return 200 * 1024 * 1024


def safe_name(name: str) -> str:
    """A file name that cannot leave the upload folder nor hide from the ingest."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch if (ch.isalnum() or ch in " .-_") else "_" for ch in base)
    base = re.sub(r"\s+", " ", re.sub(r"\.{2,}", ".", base)).strip(" ._")
    base = re.sub(r"(?i)\.duckdb", "_duckdb", base)  # the ingest skips warehouse-like names
    stem, ext = os.path.splitext(base)
    ext = ext.lower()
    supported = supported_extensions()
    if ext not in supported:
        allowed = ", ".join(sorted(e.lstrip(".").upper() for e in supported))
        raise UploadRefused(
            f"Type de fichier non pris en charge ({ext or 'sans extension'}) : formats acceptés {allowed}."
        )
    if not stem:
        raise UploadRefused("Nom de fichier vide : renommez le fichier avant de le déposer.")
    return stem[:120] + ext


def save_upload(name: str, content: bytes, folder: Path, max_bytes: int | None = None) -> Path:
    """Write ``content`` under a safe version of ``name`` in ``folder``; an identical file already
    there is reused, a different one with the same name gets a numbered name."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    if len(content) > limit:
        raise UploadRefused(
            f"Fichier trop volumineux ({len(content) / 1_048_576:.1f} Mo, maximum {limit / 1_048_576:.0f} Mo) : "
            "déposez-le directement dans le dossier de données puis lancez « barometre ingest »."
        )
    if not content:
        raise UploadRefused("Fichier vide : rien à importer.")
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    clean = safe_name(name)
    stem, ext = os.path.splitext(clean)
    for i in range(1, 1000):
        path = (root / (clean if i == 1 else f"{stem} ({i}){ext}")).resolve()
        if path.parent != root:  # belt and braces: safe_name already prevents it
            raise UploadRefused("Nom de fichier refusé.")
        if path.exists():
            if path.read_bytes() == content:
                return path
            continue
        tmp = root / f".{path.name}.part-{os.getpid()}"  # hidden: the ingest never picks it up
        tmp.write_bytes(content)
        os.replace(tmp, path)
        return path
    raise UploadRefused("Trop de fichiers du même nom aujourd'hui : renommez le fichier.")


def ingest_uploads(
    files: list[tuple[str, bytes]],
    *,
    data_dir: Path,
    warehouse: Path,
    plan_path: Path,
    today: dt.date | None = None,
    max_bytes: int | None = None,
    progress: ProgressFn | None = None,
) -> list[FileReport]:
    """Save then ingest uploaded files; one report per file (a refused upload is reported too)."""
    from pipelines.ingest.run import FileReport, ingest

    folder = Path(data_dir) / UPLOAD_DIR / (today or dt.date.today()).isoformat()
    saved: list[Path] = []
    reports: list[FileReport] = []
    for name, content in files:
        try:
            saved.append(save_upload(name, content, folder, max_bytes))
        except UploadRefused as err:
            reports.append(
                FileReport(path=name, sha256="", size_bytes=len(content), status="refused", message=str(err))
            )
        except OSError as err:
            reports.append(
                FileReport(
                    path=name,
                    sha256="",
                    size_bytes=len(content),
                    status="refused",
                    message=f"Impossible d'enregistrer le fichier dans {folder} : {err.strerror}.",
                )
            )
    if saved:
        reports += ingest(
            saved, Path(warehouse), data_dir=Path(data_dir), plan_path=Path(plan_path), progress=progress
        )
    return reports


def summary_sentence(reports: list[FileReport]) -> tuple[str, bool]:
    """One French sentence on an upload, and whether everything went in cleanly."""
    refused = sum(r.status == "refused" for r in reports)
    loaded = sum(r.status in ("loaded", "partial") for r in reports)
    skipped = sum(r.status == "skipped" for r in reports)
    rejected = sum(r.rows_rejected for r in reports)
    text = f"Dernier dépôt : {loaded} fichier(s) importé(s), {refused} refusé(s)"
    text += f", {skipped} déjà importé(s)" if skipped else ""
    text += f" ; {fmt_int(rejected)} ligne(s) écartée(s), détaillées plus bas." if rejected else "."
    return text, not (refused or rejected)


def upload_allowed() -> tuple[bool, str]:
    """Whether this user may upload files through the app.

    Read-only viewer mode is the default. Without authentication, ``BAROMETRE_MODE=analyst``
    (``barometre app --analyst``, and the demo) opens the upload to whoever reaches the app, so it
    is meant for a single analyst's machine. With authentication on (``BAROMETRE_AUTH=1``), only the
    signed-in users listed in ``BAROMETRE_ANALYSTS`` may upload; everyone else only reads.
    """
    if settings.resolve("auth_required") != "1":
        if settings.resolve("mode") == "analyst":
            return True, ""
        return False, (
            "Mode consultation : le dépôt de fichiers est désactivé dans l'application. Un analyste importe les "
            "exports avec « barometre ingest », ou lance l'application avec « barometre app --analyst »."
        )
    import streamlit as st

    analysts = {a.strip().lower() for a in settings.resolve("analysts").split(",") if a.strip()}
    try:
        email = (st.user.get("email") or "").lower() if st.user.is_logged_in else ""
    except Exception:  # authentication not configured on this server
        email = ""
    if email and email in analysts:
        return True, ""
    return False, "Le dépôt de fichiers est réservé aux analystes : connectez-vous avec un compte analyste."
