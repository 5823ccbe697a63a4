"""Indicators: measure views in DuckDB (``kpi_*``) and their evaluation against the plan.

The numbers (value, 95 % interval, n) are computed once, by the SQL macros and views created in the
warehouse at every ingest (:func:`create_views`, ``sql/*.sql``); this package reads them and adds
what needs the plan or scipy (status, projection, significance). Public API, used by the CLI, the
app and the reports:

- :func:`evaluate` → the ``barometre kpi --json`` document;
- :func:`indicator_change` → one indicator's change since its baseline, with its test;
- :func:`series` → monthly values of an indicator (month, value, ci_low, ci_high, n);
- :func:`trajectory` → the plan's expected path (date, expected, kind);
- :func:`breakdown` → an indicator per service, channel, commune or age band;
- :func:`review` → baseline vs review period for every indicator, with the tests;
- :func:`filter_options` → the sidebar's choices.

Each takes a short read-only connection (:func:`pipelines.warehouse.read_connection`); filters are
query parameters, never SQL text.
"""

from pipelines.indicators.evaluate import evaluate, indicator_change
from pipelines.indicators.query import Filters
from pipelines.indicators.review import review
from pipelines.indicators.series import breakdown, filter_options, series, trajectory
from pipelines.indicators.status import STATUS_LABELS, STATUS_RULE
from pipelines.indicators.views import create_views

__all__ = [
    "STATUS_LABELS",
    "STATUS_RULE",
    "Filters",
    "breakdown",
    "create_views",
    "evaluate",
    "filter_options",
    "indicator_change",
    "review",
    "series",
    "trajectory",
]
