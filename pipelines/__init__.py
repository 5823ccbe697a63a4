"""Baromètre pipelines: the data path from dropped exports to indicator views.

The sub-packages follow the flow: ``ingest`` (detect → read → map → coerce → validate → load),
``plan`` (the plan file), ``indicators`` (SQL views in DuckDB), ``demo`` (the embedded demo authority).
"""

__version__ = "0.1.0"
