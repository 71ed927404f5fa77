"""`kg build`: load, reason, derive and validate, then write the result under build/.

build/dataset.nq holds every graph, as sorted N-Quads: the ontology (GRAPH.ontology), one graph
per data file, the OWL 2 RL entailments (GRAPH.inferred, see kg.reasoning) and the facts the
rules derive (GRAPH.derived, see kg.derivation). Nothing is in the default graph: queries see
the union of all graphs as their default graph, and each graph stays reachable by its name.

The data go one way, through one pyoxigraph store: pyoxigraph parses the files into it
(kg.loading.load_store), the fast reasoner reads it as N-Triples text and its entailments go
back in, the rules derive their facts on it, and validation checks it, exactly what is then
written: pySHACL on an rdflib copy for small graphs, kg.validation.validate_store on the store
itself from LARGE_GRAPH_QUADS on. The on-disk store and its search index are written beside the
stages, in a thread, under temporary names (for a large input, the graphs the files gave while
the build reasons and derives, the rest while it validates); only a build that conforms names
them, then writes the dataset and the manifest (so the "write" stage's time is what was left to
do after validation).
A build is kept and reused as kg.build_cache says; a failure at any stage, a violation of the
shapes or an inconsistency of the data (exit 1) leaves the last good build where it was.
"""

import gc
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph
from rdflib import URIRef

from kg.build_cache import (
    DATASET_FILE, LOAD_THREADS, InputFile, StoreText, build_key, commit_store, discard_store,
    exclusive, fill_store, input_files, make_manifest, manifest_store, new_store_name,
    read_manifest, remove_leftovers, same_locations, write_dataset, write_manifest,
)
from kg.derivation import derive, read_rules
from kg.errors import BuildFailed, KgError
from kg.loading import load_store
from kg.namespaces import DERIVED_GRAPH, INFERRED_GRAPH
from kg.project import build_dir, display_path, project_root
from kg.reasoning import REASONERS, infer_store
from kg.search_index import index_name, write_index
from kg.terms import dataset_from_store

SERVED_DIR = "served"
STAGES = ("load", "reason", "derive", "validate", "write")
LOAD, REASON, DERIVE, VALIDATE, WRITE = STAGES
NO_REASONING = "none"
# Inputs at least this large get progress messages within the stages.
LARGE_INPUT_BYTES = 1_000_000
# From this many quads, SHACL runs on the store (kg.validation.validate_store) rather than through
# pySHACL on an rdflib copy. pySHACL's time grows with the graph, the store's barely: 2.3 s against
# 1.0 s at 4,552 quads (10^3 generated triples), 13.3 s against 1.3 s at 29,793 (10^4), 100 s at
# 10^5 and over ten minutes at 10^6. The shipped graph (5,503 quads) stays with pySHACL, the
# engine of record, with room for a few more sources.
LARGE_GRAPH_QUADS = 10_000
# Without pyshacl-turbo (it needs Python 3.11), pySHACL validates up to this many quads (about 25 s
# at 50,000), and a larger graph's build says what to install.
PYSHACL_ONLY_QUADS = 50_000
_PROBLEMS_SHOWN = 20
# The graphs the build itself adds to (a data file may name them too): written once it has.
_MADE_GRAPHS = frozenset({str(INFERRED_GRAPH), str(DERIVED_GRAPH)})
# How much lower the store's writing runs than validation, in nice(2) steps, down to the lowest.
_WRITER_NICENESS = 10
_LOWEST_PRIORITY = 19


@dataclass(frozen=True)
class BuildOptions:
    """How to build: `reasoner` is "fast", "owlrl", or "none" for no reasoning at all."""

    reasoner: str = "fast"
    # False only for data served as given (`kg serve --data … --no-validation`).
    validate: bool = True

    def __post_init__(self) -> None:
        if self.reasoner not in (*REASONERS, NO_REASONING):
            raise KgError(f"unknown reasoner {self.reasoner!r}; use one of {', '.join(REASONERS)}")

    def as_json(self) -> dict[str, Any]:
        return {"reasoner": self.reasoner, "validate": self.validate}

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> "BuildOptions":
        return cls(**manifest["options"])


@dataclass(frozen=True)
class Build:
    """A good build in `directory`: its manifest, and whether it was reused rather than made."""

    directory: Path
    manifest: dict[str, Any]
    reused: bool
    # The store the build was made in, when it was made by this process: no need to reparse.
    store: pyoxigraph.Store | None = field(default=None, compare=False, repr=False)

    @property
    def dataset_path(self) -> Path:
        return self.directory / DATASET_FILE

    @property
    def store_path(self) -> Path:
        """The build's on-disk store: named graphs, and their merge as the default graph."""
        return self.directory / self.manifest["store"]["path"]


class Reporter(Protocol):
    """Where a build says what it does: one line per finished stage, progress within one, and
    notes on the build as a whole (why it is made, that it waits for another)."""

    def stage(self, name: str, seconds: float, summary: str) -> None: ...

    def progress(self, stage: str, message: str) -> None: ...

    def note(self, message: str) -> None: ...


class SilentReporter:
    def stage(self, name: str, seconds: float, summary: str) -> None:
        pass

    def progress(self, stage: str, message: str) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class PrintingReporter:
    """Stage lines to `out` ("reason  0.03 s  fast: 1244 inferred"), progress and notes to `err`."""

    def __init__(self, out: Callable[[str], None], err: Callable[[str], None]) -> None:
        self._out, self._err = out, err

    def stage(self, name: str, seconds: float, summary: str) -> None:
        self._out(stage_line(name, seconds, summary))

    def progress(self, stage: str, message: str) -> None:
        self._err(f"kg: {stage}: {message}")

    def note(self, message: str) -> None:
        self._err(f"kg: {message}")


def stage_line(name: str, seconds: float, summary: str) -> str:
    return f"{name:<9} {seconds:7.2f} s  {summary}".rstrip()


def status_line(result: Build) -> str:
    """One line saying what the build's folder now holds."""
    manifest = result.manifest
    dataset = manifest["dataset"]
    what = "up to date, reused" if result.reused else "written"
    return (
        f"{display_path(result.dataset_path)}: {what}; {dataset['quads']} quads in "
        f"{len(manifest['graphs'])} graphs, key {manifest['key'][:12]}"
    )


def build(
    root: Path | None = None,
    options: BuildOptions = BuildOptions(),
    *,
    force: bool = False,
    reporter: Reporter = SilentReporter(),
    data: list[Path] | None = None,
) -> Build:
    """Reuse the build in build/ if its key matches the inputs and options, else make it anew.

    `data` replaces the project's data files (the ontology, rules and shapes stay the project's);
    such a build goes to build/served/, so the project's own build is left as it is.
    """
    root = project_root() if root is None else root
    directory = build_dir(root) if data is None else build_dir(root) / SERVED_DIR
    inputs = input_files(root, data)
    key = build_key(inputs, options.as_json())
    if not force:
        reused = _matching_build(directory, key, inputs)
        if reused is not None:
            return reused
    waiting = f"another build of {display_path(directory)}/ is under way; waiting for it to end…"
    with exclusive(directory, lambda: reporter.note(waiting)):
        # Another process may have made this very build while we waited for the lock.
        reused = None if force else _matching_build(directory, key, inputs)
        if reused is not None:
            return reused
        # Hashed again, each file now with the location its output may depend on, decided from
        # the bytes hashed: the manifest records what the key was made of (80 ms at 1e6).
        inputs = input_files(root, data, located=True)
        key = build_key(inputs, options.as_json())
        remove_leftovers(directory)
        kept = manifest_store(directory)
        with _no_cyclic_collection(_is_large(inputs)):
            try:
                return _make(directory, inputs, key, options, reporter)
            except BuildFailed as failed:
                raise BuildFailed(failed.reason, failed.details, _kept(directory, kept)) from failed


def open_build(root: Path | None = None, reporter: Reporter = SilentReporter()) -> Build:
    """The last good build if its inputs are unchanged, else a new one with the same options."""
    root = project_root() if root is None else root
    directory = build_dir(root)
    manifest = read_manifest(directory)
    options = BuildOptions.from_manifest(manifest) if manifest else BuildOptions()
    inputs = input_files(root)
    # Checked here rather than by build(), which would read and hash the dataset a second time.
    if (
        manifest is not None
        and manifest["key"] == build_key(inputs, options.as_json())
        and same_locations(manifest, inputs)
    ):
        return Build(directory, manifest, reused=True)
    # Said before a build a read command or a server makes unasked: 13 s at 10^5 triples.
    reporter.note(_why_built(manifest, inputs))
    return build(root, options, reporter=reporter)


def _why_built(manifest: dict[str, Any] | None, inputs: list[InputFile]) -> str:
    if manifest is None:
        return "no complete build yet; building…"
    described = [[i.get("role"), i.get("path"), i.get("sha256")] for i in manifest.get("inputs", [])]
    if described == [[f.role, f.relative, f.sha256] for f in inputs]:
        if not same_locations(manifest, inputs):
            return ("a file named by its location (a triples file's graph, or relative IRIs) "
                    "is read elsewhere now; rebuilding…")
        return "kg or its tools changed since the last build; rebuilding…"
    return "data changed since the last build; rebuilding…"


def _kept(directory: Path, store: str | None) -> str:
    """What a failed build says of the last good one: where its store is and how to serve it."""
    if store is None:
        return "there is no earlier good build to keep"
    shown = display_path(directory / store)
    return f"the last good build is kept: `kg serve --data {shown}` serves it while the data are fixed"


def _matching_build(directory: Path, key: str, inputs: list[InputFile]) -> Build | None:
    manifest = read_manifest(directory)
    if manifest is None or manifest.get("key") != key or not same_locations(manifest, inputs):
        return None
    return Build(directory, manifest, reused=True)


def _make(
    directory: Path, inputs: list[InputFile], key: str, options: BuildOptions, reporter: Reporter,
) -> Build:
    timings: dict[str, float] = {}
    large = _is_large(inputs)

    def progress(stage: str) -> Callable[[str], None] | None:
        return (lambda message: reporter.progress(stage, message)) if large else None

    def files(role: str) -> list[Path]:
        return [f.path for f in inputs if f.role == role]

    with _stage(LOAD, timings, reporter) as note:
        rdf_files = files("ontology") + files("data")
        if large:
            reporter.progress(LOAD, f"{len(rdf_files)} files, {sum(f.size for f in inputs):,} bytes")
        loaded = load_store(files("ontology"), files("data"), progress(LOAD))
        store = loaded.store
        note(f"{len(rdf_files)} files, {len(store)} triples in {len(loaded.graph_files)} graphs")
    # The on-disk store and its search index are written beside the stages that follow, under
    # temporary names that only a build that conforms makes final. For a large input, the graphs
    # the files gave go in while the build reasons and derives (a core is free), the rest beside
    # validation; a small one waits and loads each kind of text at once, so that each index
    # keeps the one file bulk loading made of it (compacting two made the shipped store 1.7x).
    asserted = [g for g in store.named_graphs() if g.value not in _MADE_GRAPHS] if large else []
    store_name = new_store_name(key)
    derived, cancelled = threading.Event(), threading.Event()
    beside: Future[tuple[Path, Path, float]] | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="kg-write") as writer:
        try:
            # Beside a validation, one load at a time (kg.build_cache.LOAD_THREADS says why).
            threads = 1 if options.validate and files("shapes") else LOAD_THREADS
            texts = _store_texts(store, asserted, derived, cancelled)
            beside = writer.submit(
                _write_store_and_index, directory, store_name, store, texts, cancelled, threads
            )
            with _stage(REASON, timings, reporter) as note:
                inferred = _reason(store, options, progress(REASON))
                _add_inferred(store, inferred)
                note(
                    f"{options.reasoner}: {len(inferred)} triples inferred"
                    if options.reasoner != NO_REASONING else "off (--no-reasoning): no inferred graph"
                )
            with _stage(DERIVE, timings, reporter) as note:
                rules = read_rules(files("rules"))
                outputs = derive(store, rules, progress(DERIVE))
                note(f"{len(rules)} rules, {sum(len(o.triples) for o in outputs)} triples")
            derived.set()
            _raise_if_failed(beside)  # a full disk, say: said now rather than after validation
            with _stage(VALIDATE, timings, reporter) as note:
                note(_validate(store, loaded.graph_files, files("shapes"), options, progress(VALIDATE)))
            with _stage(WRITE, timings, reporter) as note:
                said = progress(WRITE)
                # Sorted while the store may still be loading: validation's memory is freed.
                if said:
                    said(f"sorting {len(store):,} quads for {display_path(directory / DATASET_FILE)}")
                dataset = _sorted_nquads(store)
                if said and not beside.done():
                    said("waiting for the store and search index being written")
                temporary, index, seconds = beside.result()
                if said:
                    said(f"naming the store {display_path(directory / store_name)} "
                         f"and writing {display_path(directory / DATASET_FILE)}")
                commit_store(directory, temporary, store_name, index)
                write_dataset(directory, dataset)
                beside_what = "reason, derive and validate" if asserted else "validate"
                note(f"{display_path(directory / DATASET_FILE)}, {display_path(directory / store_name)}, "
                     f"{len(store)} quads; store and search index written beside {beside_what} "
                     f"({seconds:.2f} s)")
            rules_output = {o.rule.name: len(o.triples) for o in outputs}
            manifest = make_manifest(
                key, options.as_json(), inputs, store, dataset, timings, rules_output, store_name
            )
            manifest["search"] = {"path": index_name(store_name)}
            write_manifest(directory, manifest)
        except BaseException:
            cancelled.set()
            derived.set()  # the writer may be waiting for the derived graphs: it stops instead
            if beside is not None:
                _discard_written(beside)
            discard_store(directory, store_name)  # no manifest will ever name it
            raise
    remove_leftovers(directory)
    return Build(directory, manifest, reused=False, store=store)


def _write_store_and_index(
    directory: Path, store_name: str, store: pyoxigraph.Store, texts: Iterator[StoreText],
    cancelled: threading.Event, threads: int,
) -> tuple[Path, Path, float]:
    """The build's on-disk store of `texts` and its search index, under temporary names; and the
    seconds taken."""
    start = time.perf_counter()
    _yield_to_validation()
    temporary = fill_store(directory, store_name, texts, cancelled, threads)
    index = directory / f".{index_name(store_name)}.{os.getpid()}.tmp"
    try:
        write_index(store, index)  # kg.search_index, for /search
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        index.unlink(missing_ok=True)
        raise
    return temporary, index, time.perf_counter() - start


def _raise_if_failed(beside: "Future[tuple[Path, Path, float]]") -> None:
    """The writer's error, if it has failed already."""
    if beside.done():
        beside.result()


def _yield_to_validation() -> None:
    """Lower this thread's priority, and so that of the threads it starts (pyoxigraph's loaders,
    RocksDB's compactions), below validation's: pyshacl-turbo is the build's longest path.

    Linux gives each thread its own nice value, inherited by the threads it creates (RocksDB's
    background threads, started with the first store the process writes, keep it for the
    process's life; the CLI's build ends it). At 10^6 generated triples, with the three running
    at one priority, pyshacl-turbo took 80-90 s of a validation it takes 51 s alone.
    """
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        with suppress(OSError):
            # Relative to the build's own priority, which `nice kg build` may have lowered already.
            niceness = min(_LOWEST_PRIORITY, os.getpriority(os.PRIO_PROCESS, thread) + _WRITER_NICENESS)
            os.setpriority(os.PRIO_PROCESS, thread, niceness)


def _discard_written(beside: "Future[tuple[Path, Path, float]]") -> None:
    """Wait for the store's writing to stop, and remove what it wrote."""
    try:
        temporary, index, _ = beside.result()
    except BaseException:
        return  # fill_store and _write_store_and_index removed what they had begun
    shutil.rmtree(temporary, ignore_errors=True)
    index.unlink(missing_ok=True)


def _is_large(inputs: list[InputFile]) -> bool:
    return sum(f.size for f in inputs) >= LARGE_INPUT_BYTES


@contextmanager
def _no_cyclic_collection(large: bool) -> Iterator[None]:
    """Python's cycle collector off for the block of a large build, as it was before after it.

    The reasoner and the reports make millions of objects that live as long as the build, and the
    collector walked them again and again: 4 s of reason and derive at 10^6 generated triples,
    with the same peak memory (what the build leaves for it is collected once it is back on).
    A small build keeps it: pySHACL's cycles took 40 MiB more at 16,500 generated triples.
    """
    if not large:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _stage(name: str, timings: dict[str, float], reporter: Reporter) -> Iterator[Callable[[str], None]]:
    """Time a stage, and report it with the summary the stage notes."""
    summary: list[str] = []
    start = time.perf_counter()
    yield summary.append
    timings[name] = round(time.perf_counter() - start, 4)
    reporter.stage(name, timings[name], summary[-1] if summary else "")


def _reason(
    store: pyoxigraph.Store, options: BuildOptions, progress: Callable[[str], None] | None
) -> frozenset[tuple[str, str, str]]:
    """The inferred graph's triples (N-Triples keys); BuildFailed if the data are inconsistent."""
    if options.reasoner == NO_REASONING:
        return frozenset()
    closure = infer_store(store, options.reasoner, progress)
    if closure.inconsistencies:
        raise BuildFailed(
            f"the data are inconsistent: {len(closure.inconsistencies)} OWL 2 RL "
            "inconsistencies",
            _shown(closure.inconsistencies),
        )
    return closure.inferred


def _add_inferred(store: pyoxigraph.Store, inferred: frozenset[tuple[str, str, str]]) -> None:
    """Put the inferred triples in the inferred graph, handed over as N-Quads text."""
    graph = f"<{INFERRED_GRAPH}>"
    text = "".join(f"{s} {p} {o} {graph} .\n" for s, p, o in inferred)
    if "_:" in text:
        # Parsed, not loaded: a store's load renames blank nodes, and these are the store's own.
        store.extend(pyoxigraph.parse(text, pyoxigraph.RdfFormat.N_QUADS))
    else:
        # Without blank nodes a load is the same, without a Python object per quad (4 s at 10^6).
        store.load(text, pyoxigraph.RdfFormat.N_QUADS)


def _validate(
    store: pyoxigraph.Store, graph_files: dict[URIRef, tuple[Path, ...]], shape_paths: list[Path],
    options: BuildOptions, progress: Callable[[str], None] | None,
) -> str:
    """Check the whole build, entailments and derived facts included, against the shapes."""
    if not shape_paths:
        return "skipped: no shapes"
    if not options.validate:
        return "skipped: --no-validation"
    # Imported here: pySHACL is slow to import, and a build without shapes never needs it.
    from kg.validation import load_shapes, validate_dataset, validate_store
    from kg.validation_report import render_text, summary_line

    large = _validates_on_the_store(len(store))
    if progress:
        engine = "pyshacl-turbo and pyoxigraph" if large else "pySHACL"
        progress(f"{len(shape_paths)} shapes files, {engine}")
    if large:
        outcome = validate_store(store, load_shapes(shape_paths), graph_files=graph_files, progress=progress)
    else:
        # The entailments are in the store already: the validator must not reason again.
        outcome = validate_dataset(
            dataset_from_store(store), load_shapes(shape_paths), inference="none", graph_files=graph_files
        )
    if not outcome.conforms:
        raise BuildFailed(
            f"the build violates the shapes ({summary_line(outcome)})",
            tuple(render_text(outcome).splitlines()),
        )
    return summary_line(outcome)


def _validates_on_the_store(quads: int) -> bool:
    """Whether SHACL runs on the store (kg.validation.validate_store) rather than through pySHACL."""
    if quads < LARGE_GRAPH_QUADS:
        return False
    if quads >= PYSHACL_ONLY_QUADS:
        return True  # validate_store says what to install if pyshacl-turbo is missing
    try:
        import pyshacl_turbo  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def _shown(problems: tuple[str, ...]) -> tuple[str, ...]:
    if len(problems) <= _PROBLEMS_SHOWN:
        return problems
    return (*problems[:_PROBLEMS_SHOWN], f"... and {len(problems) - _PROBLEMS_SHOWN} more")


def _sorted_nquads(store: pyoxigraph.Store) -> bytes:
    """The store as N-Quads, lines sorted bytewise: the same quads always give the same bytes.

    The same bytes as `kg export --format nquads`, without its sorting of quad objects first.
    """
    lines = store.dump(format=pyoxigraph.RdfFormat.N_QUADS).splitlines(keepends=True)
    lines.sort()
    return b"".join(lines)


def _store_texts(
    store: pyoxigraph.Store, asserted: list[pyoxigraph.NamedNode], derived: threading.Event,
    cancelled: threading.Event,
) -> Iterator[StoreText]:
    """The named graphs as N-Quads, then their triples for the default graph, which so holds their
    RDF merge (a triple stated in two graphs is kept once): first for the `asserted` graphs, those
    the files gave, then, once `derived` is set, for those the build made of them (KgError if it
    was `cancelled` instead).

    Each graph is dumped by pyoxigraph to a file as N-Triples, for each of its two loads, and
    loaded from it a piece at a time, never held whole. The graphs of one kind of text run on into
    the same pieces: fewer and larger files for the store to compact.
    """

    def texts(graphs: list[pyoxigraph.NamedNode]) -> Iterator[StoreText]:
        for graph in graphs:
            yield StoreText(pyoxigraph.RdfFormat.N_QUADS, dump(graph), graph)
        for graph in graphs:
            yield StoreText(pyoxigraph.RdfFormat.N_TRIPLES, dump(graph))

    def dump(graph: pyoxigraph.NamedNode) -> Callable[[str], object]:
        return lambda path: store.dump(path, format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph)

    yield from texts(asserted)
    derived.wait()
    if cancelled.is_set():
        raise KgError("the build stopped while its store was written")
    written = set(asserted)
    yield from texts([g for g in store.named_graphs() if g not in written])
