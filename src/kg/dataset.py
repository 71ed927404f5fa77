"""The dataset as a pyoxigraph Store: the one place the commands and the server get it from.

Read-only commands and `kg serve` use the project's last good build (see kg.build), reused while
its inputs are unchanged and rebuilt first, with the options of the last `kg build`, when they
change. They open the build's on-disk store read-only, where it lies: nothing is loaded, the
operating system's page cache is what the processes share, and its default graph already holds
the merge of the named graphs. `kg serve --data` serves a build of other data files (a store of
its own under build/served/), and `--as-is` the files as given, loaded into memory.

A RocksDB handle is not safe across fork (its threads stay behind), so every process opens its
own (SharedStore): the HTTP processes granian forks, and each query worker forked from those.
"""

import fcntl
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.build import Build, Reporter, SilentReporter, open_build
from kg.build_cache import READERS_FILE
from kg.errors import InputError, one_line
from kg.project import display_path
from kg.store import NamedGraphs, merged_quads


@dataclass(frozen=True)
class DatasetInfo:
    """What the service description says about the data: its named graphs."""

    named_graphs: tuple[str, ...]

    @classmethod
    def of(cls, store: "pyoxigraph.Store | NamedGraphs") -> "DatasetInfo":
        # Only listing graph names: the HTTP process never evaluates a query itself.
        names = sorted(g.value for g in store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))
        return cls(named_graphs=tuple(names))


class SharedStore:
    """A store every process reads through a handle of its own: a build's store opened
    read-only once per process, or a store in memory (shared copy-on-write, as forked).

    Its default graph is the merge of its named graphs: `store()` is for queries, `dataset`
    (kg.store.NamedGraphs) for everything that lists quads.
    """

    def __init__(self, path: Path | None = None, memory: pyoxigraph.Store | None = None) -> None:
        if (path is None) == (memory is None):
            raise ValueError("give a store's path or a store in memory")
        self.path = path
        # Inherited handles are kept, never dropped: closing one in a forked child would wait
        # for threads that only its parent has.
        self._handles: dict[int, pyoxigraph.Store] = {} if memory is None else {-1: memory}
        # One shared lock per process on the store's readers file: a build deletes an old store
        # only once nobody holds it (kg.build_cache.remove_leftovers).
        self._readers: dict[int, int] = {}
        self.dataset = NamedGraphs(self.store)

    def store(self) -> pyoxigraph.Store:
        """This process's handle."""
        if self.path is None:
            return self._handles[-1]
        pid = os.getpid()
        handle = self._handles.get(pid)
        if handle is None:
            created = not (self.path / READERS_FILE).exists()
            reader = hold_as_reader(self.path)
            try:
                opened = open_store(self.path)
            except InputError:
                if reader >= 0:
                    os.close(reader)
                if created:  # a folder that holds no store is left as it was
                    (self.path / READERS_FILE).unlink(missing_ok=True)
                raise
            # Threads of a fresh build's first requests open it at once: one lock and one handle
            # are kept (setdefault is atomic), the others let go, or release() would leave a lock
            # that keeps the store on disk for good. No threading.Lock: query workers fork.
            if self._readers.setdefault(pid, reader) != reader and reader >= 0:
                os.close(reader)
            handle = self._handles.setdefault(pid, opened)
        return handle

    def release(self) -> None:
        """Close this process's handle, before forking processes that will open their own, or
        once a newer build is served."""
        if self.path is not None:
            self._handles.pop(os.getpid(), None)
            reader = self._readers.pop(os.getpid(), -1)
            if reader >= 0:
                os.close(reader)


def hold_as_reader(path: Path) -> int:
    """A descriptor holding a shared lock on the store's readers file; -1 if none can be made.

    Locks belong to open files, not descriptors: a child that closes its inherited copy leaves
    the parent's lock in place, and the kernel drops it when the last holder ends, killed or not.
    """
    try:
        reader = os.open(path / READERS_FILE, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return -1  # a store on a read-only disk: no build can delete it from under us either
    fcntl.flock(reader, fcntl.LOCK_SH)
    return reader


def open_store(path: Path) -> pyoxigraph.Store:
    """The on-disk store at `path`, read-only; InputError if there is none."""
    try:
        return pyoxigraph.Store.read_only(str(path))
    except OSError as err:
        raise InputError(f"{display_path(path)}: cannot open the store: {one_line(str(err))}") from err


def open_dataset_store(
    root: Path | None = None, reporter: Reporter = SilentReporter()
) -> NamedGraphs:
    """Every graph of the project's build: ontology, data files, inferred, derived."""
    return build_store(open_build(root, reporter))


def open_query_store(root: Path | None = None, reporter: Reporter = SilentReporter()) -> pyoxigraph.Store:
    """The project's build for queries: its default graph is the merge of its named graphs."""
    return open_store(open_build(root, reporter).store_path)


def build_store(result: Build) -> NamedGraphs:
    """The graphs of a build, read from its store on disk."""
    return SharedStore(result.store_path).dataset


def open_served(paths: Iterable[Path | str]) -> SharedStore:
    """What `kg serve` serves: a build's store (a folder), or RDF files loaded into memory."""
    paths = [Path(p) for p in paths]
    if len(paths) == 1 and paths[0].is_dir():
        shared = SharedStore(paths[0])
        # Opened now, so that a store that cannot be opened stops the server before it starts;
        # the handle then serves the reads made before forking (a RocksDB open is 20 ms).
        shared.store()
        return shared
    return SharedStore(memory=merged_store(load_files(paths)))


def merged_store(store: pyoxigraph.Store) -> pyoxigraph.Store:
    """A store in memory holding the store's named graphs and, as default graph, their merge."""
    merged = pyoxigraph.Store()
    merged.bulk_extend(merged_quads(store))
    return merged


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
