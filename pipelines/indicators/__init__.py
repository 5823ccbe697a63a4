"""Indicators: measure views in DuckDB (``kpi_*``) and their evaluation against the plan.

Public API (used by the CLI, the app and the reports — the one place numbers come from):

- :func:`evaluate` → the ``barometre kpi --json`` document.
"""

from pipelines.indicators.evaluate import evaluate

__all__ = ["evaluate"]
