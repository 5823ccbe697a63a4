"""One Pandera (Polars backend) model per canonical dataset, and the registry that ties each
dataset to its warehouse table. Column descriptions here are the data dictionary: the warehouse
table comments and the README are generated from them.

The registry is loaded lazily (module ``__getattr__``, PEP 562): ``from schemas import DATASETS``
imports :mod:`schemas.registry`, hence Pandera and the pandas it imports (about 1.5 s), only when
a name of the registry is asked for. Modules that need only the shared vocabularies
(``schemas.common``: channels, patterns…), such as the plan reader on the app's path, no longer
pay for Pandera by importing a submodule of this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and IDEs; at run time, see __getattr__
    from schemas.registry import DATASETS, Dataset, dataset_for

__all__ = ["DATASETS", "Dataset", "dataset_for"]


def __getattr__(name: str):
    if name in __all__:
        from schemas import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
