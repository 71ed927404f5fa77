"""The one place read-only commands get the dataset from.

Today the ontology and data files are parsed on every call; once `kg build` caches the dataset
(inferred triples included), this function is what switches to the cache.
"""

from pathlib import Path

from pyoxigraph import Store

from kg.loading import load_dataset
from kg.project import data_files, ontology_files
from kg.store import store_from_dataset


def open_dataset_store(root: Path | None = None) -> Store:
    """A store holding the project's ontology graph and one named graph per data file."""
    loaded = load_dataset(ontology_files(root), data_files(root))
    return store_from_dataset(loaded.dataset)
