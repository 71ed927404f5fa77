"""Loading the served files into one in-memory pyoxigraph Store, and what is said about them."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.errors import InputError, one_line
from kg.project import display_path


@dataclass(frozen=True)
class DatasetInfo:
    """What the service description says about the data: its named graphs."""

    named_graphs: tuple[str, ...]


def load_store(paths: Iterable[Path | str]) -> pyoxigraph.Store:
    """A Store holding every file; the format comes from each file's extension (.nq, .trig…)."""
    store = pyoxigraph.Store()
    for path in paths:
        _load_file(store, Path(path))
    return store


def describe_store(store: pyoxigraph.Store) -> DatasetInfo:
    # Only listing graph names: the HTTP process never evaluates a query itself.
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))
    return DatasetInfo(named_graphs=tuple(names))


def _load_file(store: pyoxigraph.Store, path: Path) -> None:
    shown = display_path(path)
    if not path.is_file():
        raise InputError(f"{shown}: no such file (run `kg build` first, or pass --data)")
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
