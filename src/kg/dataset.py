"""The dataset as a pyoxigraph Store: the one place the commands and the server get it from.

Read-only commands and `kg serve` use the project's last good build (see kg.build), reused while
its inputs are unchanged and rebuilt first, with the options of the last `kg build`, when they
change. `kg serve --data` serves a build of other data files, and `--as-is` the files as given.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.build import Build, Reporter, SilentReporter, open_build
from kg.errors import InputError, one_line
from kg.project import display_path


@dataclass(frozen=True)
class DatasetInfo:
    """What the service description says about the data: its named graphs."""

    named_graphs: tuple[str, ...]

    @classmethod
    def of(cls, store: pyoxigraph.Store) -> "DatasetInfo":
        # Only listing graph names: the HTTP process never evaluates a query itself.
        names = sorted(g.value for g in store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))
        return cls(named_graphs=tuple(names))


def open_dataset_store(
    root: Path | None = None, reporter: Reporter = SilentReporter()
) -> pyoxigraph.Store:
    """A store holding every graph of the project's build: ontology, data files, inferred, derived."""
    return build_store(open_build(root, reporter))


def build_store(result: Build) -> pyoxigraph.Store:
    """A store holding the build's dataset: the one it was made in, else its N-Quads file."""
    if result.store is not None:
        return result.store
    return load_files([result.dataset_path])


def load_files(paths: Iterable[Path | str]) -> pyoxigraph.Store:
    """A store holding the files as they are, each in the format its extension says (.nq, .trig…)."""
    store = pyoxigraph.Store()
    for path in paths:
        _load_file(store, Path(path))
    return store


def _load_file(store: pyoxigraph.Store, path: Path) -> None:
    shown = display_path(path)
    if not path.is_file():
        raise InputError(f"{shown}: no such file")
    rdf_format = pyoxigraph.RdfFormat.from_extension(path.suffix.lstrip("."))
    if rdf_format is None:
        raise InputError(f"{shown}: unknown RDF file extension {path.suffix!r}")
    try:
        # bulk_load skips the transaction log: the fastest way in, and nothing writes afterwards.
        store.bulk_load(path=str(path), format=rdf_format)
    except SyntaxError as err:
        raise InputError(f"{shown}: {one_line(str(err))}") from err
    except OSError as err:
        raise InputError(f"{shown}: cannot read: {err}") from err
