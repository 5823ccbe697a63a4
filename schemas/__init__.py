"""One Pandera (Polars backend) model per canonical dataset, and the registry that ties each
dataset to its warehouse table. Column descriptions here are the data dictionary: the warehouse
table comments and the README are generated from them."""

from schemas.registry import DATASETS, Dataset, dataset_for

__all__ = ["DATASETS", "Dataset", "dataset_for"]
