"""`kg build`: load, reason, derive and validate, then write the result under build/.

build/dataset.nq holds every graph, as sorted N-Quads: the ontology (GRAPH.ontology), one graph
per data file, the OWL 2 RL entailments (GRAPH.inferred, see kg.reasoning) and the facts the
rules derive (GRAPH.derived, see kg.derivation). Nothing is in the default graph: queries see
the union of all graphs as their default graph, and each graph stays reachable by its name.

build/manifest.json describes it: the key, the options, every input file with its sha256, the
triples of each graph, the stage timings and the versions of the tools.

The key is a sha256 over the content of every input (ontology, data, rules, shapes), the
build's options, the code of the modules that decide what a build holds, and the versions of
rdflib, owlrl, pyoxigraph and pyshacl. A build whose key matches is reused as it is: neither
`kg build` nor a later start reasons again until an input changes.

Writes are atomic: the dataset is written to a temporary file and renamed over the old one,
then the manifest likewise; the manifest carries the dataset's sha256, and a build whose
dataset does not match its manifest is not reused. A failure at any stage, a violation of the
shapes or an inconsistency of the data (exit 1) leaves the last good build where it was.
"""

import fcntl
import hashlib
import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg import __version__
from kg.derivation import derive, read_rules, rule_files
from kg.errors import BuildFailed, InputError, KgError
from kg.loading import LoadedDataset, load_dataset
from kg.namespaces import DERIVED_GRAPH, INFERRED_GRAPH, XSD
from kg.project import (
    build_dir, data_files, display_path, ontology_files, project_root, shape_files,
)
from kg.reasoning import REASONERS, Triple, infer
from kg.store import store_from_dataset

BUILD_FORMAT = 1
DATASET_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
SERVED_DIR = "served"
STAGES = ("load", "reason", "derive", "validate", "write")
NO_REASONING = "none"
# Inputs at least this large get progress messages within the stages.
LARGE_INPUT_BYTES = 1_000_000
# The modules whose code decides what a build holds: a change to any of them is a new key.
_PIPELINE_MODULES = (
    "build", "derivation", "export", "loading", "namespaces", "querying", "reasoning", "store",
    "validation",
)
_TOOLS = ("rdflib", "owlrl", "pyoxigraph", "pyshacl")
_PROBLEMS_SHOWN = 20


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
class InputFile:
    """One file the build reads, by role (ontology, data, rules, shapes), with its content hash."""

    role: str
    path: Path
    relative: str
    sha256: str
    size: int


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


class Reporter(Protocol):
    """Where a build says what it does: one line per finished stage, and progress within one."""

    def stage(self, name: str, seconds: float, summary: str) -> None: ...

    def progress(self, stage: str, message: str) -> None: ...


class SilentReporter:
    def stage(self, name: str, seconds: float, summary: str) -> None:
        pass

    def progress(self, stage: str, message: str) -> None:
        pass


class PrintingReporter:
    """Stage lines to `out` ("reason  0.03 s  fast: 1244 inferred"), progress lines to `err`."""

    def __init__(self, out: Callable[[str], None], err: Callable[[str], None]) -> None:
        self._out, self._err = out, err

    def stage(self, name: str, seconds: float, summary: str) -> None:
        self._out(stage_line(name, seconds, summary))

    def progress(self, stage: str, message: str) -> None:
        self._err(f"kg: {stage}: {message}")


def stage_line(name: str, seconds: float, summary: str) -> str:
    return f"{name:<9} {seconds:7.2f} s  {summary}".rstrip()


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
    key = build_key(inputs, options)
    if not force:
        reused = _matching_build(directory, key)
        if reused is not None:
            return reused
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise KgError(f"{display_path(directory)}: cannot create: {err.strerror}") from err
    with _exclusive(directory):
        # Another process may have made this very build while we waited for the lock.
        reused = None if force else _matching_build(directory, key)
        if reused is not None:
            return reused
        return _make(root, directory, inputs, key, options, reporter)


def open_build(root: Path | None = None, reporter: Reporter = SilentReporter()) -> Build:
    """The last good build if its inputs are unchanged, else a new one with the same options."""
    root = project_root() if root is None else root
    directory = build_dir(root)
    manifest = read_manifest(directory)
    options = BuildOptions.from_manifest(manifest) if manifest else BuildOptions()
    # Checked here rather than by build(), which would read and hash the dataset a second time.
    if manifest is not None and manifest["key"] == build_key(input_files(root), options):
        return Build(directory, manifest, reused=True)
    return build(root, options, reporter=reporter)


def build_store(result: Build) -> pyoxigraph.Store:
    """A store holding the build's dataset."""
    if result.store is not None:
        return result.store
    store = pyoxigraph.Store()
    store.bulk_load(path=str(result.dataset_path), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def cached_store(root: Path | None = None) -> pyoxigraph.Store:
    """The store every command queries: the last good build, rebuilt first if inputs changed."""
    return build_store(open_build(root))


def input_files(root: Path, data: list[Path] | None = None) -> list[InputFile]:
    """Every file the build reads, in a fixed order; `data` replaces the project's data files."""
    groups = [
        ("ontology", ontology_files(root)),
        ("data", data_files(root) if data is None else data),
        ("rules", rule_files(root)),
        ("shapes", shape_files(root)),
    ]
    return [_input_file(role, path, root) for role, paths in groups for path in paths]


def build_key(inputs: list[InputFile], options: BuildOptions) -> str:
    """The sha256 naming a build: over the inputs' content, the options, the code and the tools."""
    payload = {
        "format": BUILD_FORMAT,
        "options": options.as_json(),
        "code": _code_fingerprint(),
        "versions": tool_versions(),
        "inputs": [[f.role, f.relative, f.sha256] for f in inputs],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of the build in `directory`, or None unless it describes a complete build."""
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        expected = manifest["dataset"]["sha256"]
        if manifest.get("format") != BUILD_FORMAT:
            return None
        actual = hashlib.sha256((directory / DATASET_FILE).read_bytes()).hexdigest()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # A dataset renamed into place whose manifest never followed (a crash in between).
    return manifest if actual == expected else None


def tool_versions() -> dict[str, str]:
    versions = {"kg": __version__, "python": platform.python_version()}
    for tool in _TOOLS:
        try:
            versions[tool] = metadata.version(tool)
        except metadata.PackageNotFoundError:
            versions[tool] = "absent"
    return versions


def describe(result: Build) -> str:
    """One line saying what build/ now holds."""
    manifest = result.manifest
    dataset = manifest["dataset"]
    what = "up to date, reused" if result.reused else "written"
    return (
        f"{display_path(result.dataset_path)}: {what}; {dataset['quads']} quads in "
        f"{len(manifest['graphs'])} graphs, key {manifest['key'][:12]}"
    )


# ---------------------------------------------------------------------------------------------
# Making a build


def _matching_build(directory: Path, key: str) -> Build | None:
    manifest = read_manifest(directory)
    if manifest is None or manifest.get("key") != key:
        return None
    return Build(directory, manifest, reused=True)


def _make(
    root: Path, directory: Path, inputs: list[InputFile], key: str, options: BuildOptions,
    reporter: Reporter,
) -> Build:
    timings: dict[str, float] = {}
    large = sum(f.size for f in inputs) >= LARGE_INPUT_BYTES

    def progress(stage: str) -> Callable[[str], None] | None:
        return (lambda message: reporter.progress(stage, message)) if large else None

    def files(role: str) -> list[Path]:
        return [f.path for f in inputs if f.role == role]

    with _stage("load", timings, reporter) as note:
        rdf_files = files("ontology") + files("data")
        if large:
            reporter.progress("load", f"{len(rdf_files)} files, {sum(f.size for f in inputs):,} bytes")
        loaded = load_dataset(files("ontology"), files("data"))
        asserted = {(s, p, o) for s, p, o, _ in loaded.dataset.quads((None, None, None, None))}
        store = store_from_dataset(loaded.dataset)
        note(f"{len(rdf_files)} files, {len(asserted)} triples in {len(loaded.graph_files)} graphs")
    with _stage("reason", timings, reporter) as note:
        inferred = _reason(asserted, options, progress("reason"))
        store.extend(_quads(inferred, INFERRED_GRAPH))
        note(
            f"{options.reasoner}: {len(inferred)} triples inferred"
            if options.reasoner != NO_REASONING else "off (--no-reasoning): no inferred graph"
        )
    with _stage("derive", timings, reporter) as note:
        rules = read_rules(files("rules"))
        outputs = derive(store, rules, progress("derive"))
        note(f"{len(rules)} rules, {sum(len(o.triples) for o in outputs)} triples")
    with _stage("validate", timings, reporter) as note:
        note(_validate(loaded, inferred, store, files("shapes"), options, progress("validate")))
    with _stage("write", timings, reporter) as note:
        data = _sorted_nquads(store)
        _write_atomically(directory / DATASET_FILE, data)
        note(f"{display_path(directory / DATASET_FILE)}, {len(store)} quads")
    manifest = _manifest(key, options, inputs, store, data, timings, outputs)
    _write_atomically(directory / MANIFEST_FILE, (json.dumps(manifest, indent=2) + "\n").encode())
    return Build(directory, manifest, reused=False, store=store)


@contextmanager
def _stage(name: str, timings: dict[str, float], reporter: Reporter) -> Iterator[Callable[[str], None]]:
    """Time a stage, and report it with the summary the stage notes."""
    summary: list[str] = []
    start = time.perf_counter()
    yield summary.append
    timings[name] = round(time.perf_counter() - start, 4)
    reporter.stage(name, timings[name], summary[-1] if summary else "")


def _reason(
    asserted: set[Triple], options: BuildOptions, progress: Callable[[str], None] | None
) -> frozenset[Triple]:
    """The inferred graph's triples; BuildFailed if the data are inconsistent."""
    if options.reasoner == NO_REASONING:
        return frozenset()
    closure = infer(asserted, options.reasoner, progress)
    if closure.inconsistencies:
        raise BuildFailed(
            f"the data are inconsistent: {len(closure.inconsistencies)} OWL 2 RL "
            "inconsistencies; the last good build is kept",
            _shown(closure.inconsistencies),
        )
    return closure.inferred


def _validate(
    loaded: LoadedDataset, inferred: frozenset[Triple], store: pyoxigraph.Store,
    shape_paths: list[Path], options: BuildOptions, progress: Callable[[str], None] | None,
) -> str:
    """Check the whole build, entailments and derived facts included, against the shapes."""
    if not shape_paths:
        return "skipped: no shapes"
    if not options.validate:
        return "skipped: --no-validation"
    try:
        from kg.validation import load_shapes, validate_dataset
        from kg.validation_report import render_text, summary_line
    except ImportError:
        return "skipped: kg.validation is not available"
    if progress:
        progress(f"{len(shape_paths)} shapes files")
    dataset = loaded.dataset
    graph = dataset.graph(INFERRED_GRAPH)
    graph.addN((s, p, o, graph) for s, p, o in inferred)
    graph = dataset.graph(DERIVED_GRAPH)
    derived = store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(str(DERIVED_GRAPH)))
    graph.addN((_rdflib(q.subject), _rdflib(q.predicate), _rdflib(q.object), graph) for q in derived)
    # The entailments are in the dataset already: the validator must not reason again.
    outcome = validate_dataset(
        dataset, load_shapes(shape_paths), inference="none", graph_files=loaded.graph_files
    )
    if not outcome.conforms:
        raise BuildFailed(
            f"the build violates the shapes ({summary_line(outcome)}); the last good build is kept",
            tuple(render_text(outcome).splitlines()),
        )
    return summary_line(outcome)


def _quads(triples: Iterable[Triple], graph: URIRef) -> Iterator[pyoxigraph.Quad]:
    """The triples as pyoxigraph quads in `graph`, each distinct term converted once."""
    converted: dict[Node, Any] = {}
    name = pyoxigraph.NamedNode(str(graph))
    for triple in triples:
        terms = []
        for node in triple:
            term = converted.get(node)
            if term is None:
                term = converted[node] = _oxigraph(node)
            terms.append(term)
        yield pyoxigraph.Quad(*terms, name)


def _oxigraph(node: Node) -> Any:
    if isinstance(node, URIRef):
        return pyoxigraph.NamedNode(str(node))
    if isinstance(node, BNode):
        return pyoxigraph.BlankNode(str(node))
    if isinstance(node, Literal) and node.language:
        return pyoxigraph.Literal(str(node), language=node.language)
    if isinstance(node, Literal) and node.datatype is not None:
        return pyoxigraph.Literal(str(node), datatype=pyoxigraph.NamedNode(str(node.datatype)))
    return pyoxigraph.Literal(str(node))


def _rdflib(term: Any) -> Node:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        # A plain literal, as rdflib reads "x" from the files: sh:in and sh:hasValue compare terms.
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _shown(problems: tuple[str, ...]) -> tuple[str, ...]:
    if len(problems) <= _PROBLEMS_SHOWN:
        return problems
    return (*problems[:_PROBLEMS_SHOWN], f"... and {len(problems) - _PROBLEMS_SHOWN} more")


def _manifest(
    key: str, options: BuildOptions, inputs: list[InputFile], store: pyoxigraph.Store,
    data: bytes, timings: dict[str, float], outputs: list[Any],
) -> dict[str, Any]:
    return {
        "format": BUILD_FORMAT,
        "key": key,
        "options": options.as_json(),
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [
            {"role": f.role, "path": f.relative, "sha256": f.sha256, "bytes": f.size} for f in inputs
        ],
        "dataset": {
            "path": DATASET_FILE,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "quads": len(store),
        },
        "graphs": _graph_sizes(store),
        "rules": {o.rule.name: len(o.triples) for o in outputs},
        "timings": {**timings, "total": round(sum(timings.values()), 4)},
        "versions": tool_versions(),
    }


def _sorted_nquads(store: pyoxigraph.Store) -> bytes:
    """The store as N-Quads, lines sorted bytewise: the same quads always give the same bytes.

    The same bytes as `kg export --format nquads`, without its sorting of quad objects first.
    """
    lines = store.dump(format=pyoxigraph.RdfFormat.N_QUADS).splitlines(keepends=True)
    return b"".join(sorted(set(lines)))


def _graph_sizes(store: pyoxigraph.Store) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    sizes = {row["g"].value: int(row["n"].value) for row in store.query(query)}
    return dict(sorted(sizes.items()))


# ---------------------------------------------------------------------------------------------
# Files


def _input_file(role: str, path: Path, root: Path) -> InputFile:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{display_path(path)}: cannot read: {err.strerror}") from err
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = str(path)
    return InputFile(role, path, relative, hashlib.sha256(data).hexdigest(), len(data))


def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for name in _PIPELINE_MODULES:
        module = package / f"{name}.py"
        digest.update(name.encode() + b"\0" + (module.read_bytes() if module.exists() else b""))
    return digest.hexdigest()


@contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """One build at a time per build folder, across processes (readers need no lock)."""
    with open(directory / LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` by `data` in one step: readers see the old file or the new, never part."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _replace(temporary, path)
        _sync_directory(path.parent)
    except OSError as err:
        raise KgError(f"{display_path(path)}: cannot write: {err.strerror or err}") from err
    finally:
        temporary.unlink(missing_ok=True)


def _replace(source: Path, target: Path) -> None:
    os.replace(source, target)


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
