"""Consolidation across authorities: the members' Parquet exports → one warehouse with every
member's figures and the pooled ones (``barometre consolidate``), on DuckDB or Apache Spark.

- :mod:`.members`: which exports are taken (manifests, newest export of a member, schema version);
- :mod:`.portable`: the marts' SQL, from its one definition, for both engines (sqlglot);
- :mod:`.engine`: the heavy scan, DuckDB or Spark;
- :mod:`.build`: per-member and pooled evaluation, the consolidated warehouse.
"""

from pipelines.consolidate.build import Consolidation, consolidate, is_consolidated
from pipelines.consolidate.members import ConsolidationError

__all__ = ["Consolidation", "ConsolidationError", "consolidate", "is_consolidated"]
