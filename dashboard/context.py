"""What every page needs: the warehouse and plan paths, cached reads, French error display."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from pipelines import settings
from pipelines.errors import BarometreError
from pipelines.warehouse import data_version


def warehouse_path() -> Path:
    return settings.path("warehouse")


def plan_path() -> Path:
    return settings.path("plan")


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _evaluate(warehouse: str, plan: str, plan_mtime: float, version: str, as_of: dt.date | None) -> dict:
    from pipelines.indicators import evaluate
    from pipelines.plan import load_plan

    return evaluate(Path(warehouse), load_plan(Path(plan)), as_of)


def indicators(as_of: dt.date | None = None) -> dict | None:
    """The kpi document for the current snapshot, or None after showing a French message."""
    wh, plan = warehouse_path(), plan_path()
    try:
        mtime = plan.stat().st_mtime if plan.exists() else 0.0
        return _evaluate(str(wh), str(plan), mtime, data_version(wh), as_of)
    except BarometreError as err:
        st.warning(str(err), icon="⚠️")
        return None


def sidebar_context() -> None:
    st.sidebar.caption(f"Entrepôt : `{warehouse_path().name}` · Plan : `{plan_path().name}`")
