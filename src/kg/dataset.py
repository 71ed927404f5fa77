"""The one place read-only commands get the dataset from: the last good build (see kg.build).

The build under build/ is reused while its inputs are unchanged; when they change, the first
command to ask rebuilds it (with the options of the last `kg build`) and later ones reuse it.
"""

from pathlib import Path

from pyoxigraph import Store

from kg.build import cached_store


def open_dataset_store(root: Path | None = None) -> Store:
    """A store holding every graph of the build: ontology, data files, inferred, derived."""
    return cached_store(root)
