"""What every page needs: the paths from settings, the plan, the warehouse snapshot — and the French
messages (with what to do) when one of them is missing, invalid or busy. Nothing here shows a stack
trace: :func:`page_guard` turns any error into a French message."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import queries
from pipelines import settings
from pipelines.errors import (
    BarometreError,
    PlanError,
    WarehouseBusy,
    WarehouseMissing,
    WarehouseOutdated,
    WarehouseTooNew,
)
from pipelines.french import fmt_date
from pipelines.plan import Plan
from pipelines.present.markdown import md_escape
from pipelines.warehouse import data_version

log = logging.getLogger("barometre.app")


def warehouse_path() -> Path:
    return settings.path("warehouse")


def plan_path() -> Path:
    return settings.path("plan")


def data_dir() -> Path:
    """The drop folder: the configured one, else the warehouse's folder (where the default
    warehouse lives, and where ``barometre app``/``demo`` keep their data)."""
    env = next(s.env for s in settings.SETTINGS if s.name == "data_dir")
    return settings.path("data_dir") if os.environ.get(env) else warehouse_path().parent


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


@dataclass(frozen=True)
class AppContext:
    """The current warehouse snapshot and plan, as explicit cache keys for :mod:`dashboard.queries`."""

    warehouse: str
    version: str
    plan_path: str
    mtime: float
    plan: Plan

    @property
    def wh(self) -> tuple[str, str]:
        return self.warehouse, self.version

    @property
    def keys(self) -> tuple[str, str, str, float]:
        return self.warehouse, self.version, self.plan_path, self.mtime


MISSING_WAREHOUSE = (
    "Aucune donnée n'a encore été importée (l'entrepôt « {name} » n'existe pas). Déposez vos exports "
    "(CSV, XLSX) dans le dossier de données puis lancez « barometre ingest », ou téléversez-les depuis la "
    "page **Données**. Pour découvrir l'outil : « barometre demo »."
)
EMPTY_WAREHOUSE = (
    "L'entrepôt existe mais ne contient encore aucune demande, aucun dossier ni aucune réponse. "
    "Importez vos exports (page **Données** ou « barometre ingest ») ; la page Données indique pourquoi un "
    "fichier aurait été refusé."
)


def load_plan() -> tuple[Plan | None, float]:
    path = plan_path()
    mtime = _mtime(path)
    try:
        return queries.plan(str(path), mtime), mtime
    except PlanError as err:
        st.error(md_escape(str(err)), icon=":material/description:")
        st.caption(
            "Corrigez le fichier du plan (la clé et la ligne sont indiquées ci-dessus), enregistrez-le, "
            "puis rechargez la page : l'application relit le plan à chaque modification."
        )
        return None, mtime


def page_context(require_data: bool = True) -> AppContext:
    """Plan and warehouse, or a French message and a stopped page."""
    plan, mtime = load_plan()
    if plan is None:
        st.stop()
    wh = warehouse_path()
    if not wh.exists():
        st.warning(MISSING_WAREHOUSE.format(name=md_escape(wh.name)), icon=":material/database:")
        st.stop()
    ctx = AppContext(str(wh), data_version(wh), str(plan_path()), mtime, plan)
    if require_data and not any(queries.row_counts(*ctx.wh).values()):
        st.info(EMPTY_WAREHOUSE, icon=":material/inbox:")
        st.stop()
    return ctx


def data_context(plan: Plan, mtime: float) -> AppContext | None:
    """The warehouse snapshot when it exists, silently None otherwise (for optional figures)."""
    wh = warehouse_path()
    if not wh.exists():
        return None
    return AppContext(str(wh), data_version(wh), str(plan_path()), mtime, plan)


@contextlib.contextmanager
def page_guard() -> Iterator[None]:
    """Any error of a page becomes a French message with what to do, never a stack trace."""
    try:
        yield
    except WarehouseMissing:
        st.warning(
            MISSING_WAREHOUSE.format(name=md_escape(warehouse_path().name)), icon=":material/database:"
        )
    except (WarehouseOutdated, WarehouseTooNew) as err:  # what to run is in the message
        st.warning(md_escape(str(err)), icon=":material/database:")
    except WarehouseBusy as err:
        st.warning(md_escape(str(err)), icon=":material/hourglass_top:")
        st.caption(
            "Un import est sans doute en cours : les pages affichent les données dès qu'il se termine."
        )
        st.button("Réessayer", key="retry_busy")
    except BarometreError as err:
        st.error(md_escape(str(err)), icon=":material/error:")
    except Exception as err:  # the last barrier: log for the maintainer, plain French for the user
        log.exception("page failed")
        st.error(
            "Cette page a rencontré une erreur inattendue et ne peut pas s'afficher. Rechargez la page ; "
            "si l'erreur persiste, transmettez le message ci-dessous à la personne qui administre l'outil.",
            icon=":material/error:",
        )
        with st.expander("Détail technique"):
            st.text(f"{type(err).__name__} : {err}")


def sidebar_context() -> None:
    """Who and what the app is showing: authority, plan, data freshness, files."""
    wh, plan_file = warehouse_path(), plan_path()
    with contextlib.suppress(BarometreError):
        plan = queries.plan(str(plan_file), _mtime(plan_file))
        st.sidebar.markdown(f"**{md_escape(plan.authority.get('name', ''))}**  \n{md_escape(plan.title)}")
    if wh.exists():
        with contextlib.suppress(BarometreError):
            fresh = queries.freshness(str(wh), data_version(wh))
            latest = fresh["latest_data"].max()
            ingest = fresh["last_ingest"].max()
            if latest is not None:
                st.sidebar.caption(
                    f"Données jusqu'au {fmt_date(latest)} · dernier import le {fmt_date(ingest)}"
                )
    st.sidebar.caption(f"Entrepôt : {md_escape(wh.name)} · Plan : {md_escape(plan_file.name)}")
