"""Reading RDF files, with errors that name the file and line at fault.

The project's own dataset is the ontology (one graph) plus one named graph per data file;
`load_dataset` (into an rdflib Dataset) and `load_store` (into a pyoxigraph store, what the build
uses: ten times faster, and a tenth of the memory) check that each data file holds exactly one
named graph and nothing else, with the same messages.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax import SAXException, SAXParseException

import pyoxigraph
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.exceptions import Error as RdflibError
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.errors import InputError, one_line
from kg.namespaces import ONTOLOGY_GRAPH
from kg.project import display_path
from kg.terms import to_oxigraph, to_rdflib

# rdflib's format names, by file suffix.
FORMATS_BY_SUFFIX: dict[str, str] = {
    ".trig": "trig",
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".jsonld": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
}
TRIPLE_FORMATS = frozenset({"turtle", "nt", "xml"})

# rdflib accepts some things pyoxigraph (and the RDF specs) reject, such as IRIs with spaces,
# which would later break the N-Quads hand-over to the store; so files are also checked with
# pyoxigraph. JSON-LD is left out: pyoxigraph does not fetch remote contexts.
_STRICT_FORMATS: dict[str, pyoxigraph.RdfFormat] = {
    "trig": pyoxigraph.RdfFormat.TRIG,
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "nquads": pyoxigraph.RdfFormat.N_QUADS,
    "xml": pyoxigraph.RdfFormat.RDF_XML,
}

# Files up to this size that pyoxigraph finds bad are parsed again by rdflib, for its wording of
# the error (as load_file gives it); larger ones get pyoxigraph's, which is located as well.
_REPARSED_FOR_MESSAGE_BYTES = 1_000_000
# How often load_store reports progress, in quads.
_PROGRESS_EVERY = 250_000

# The errors rdflib's parsers raise for bad input (BadSyntax is a SyntaxError; the JSON-LD
# parser raises ValueError and its subclass JSONDecodeError).
_PARSE_ERRORS = (SyntaxError, RdflibError, ValueError, SAXException)


@dataclass(frozen=True)
class LoadedDataset:
    """A dataset and, for each of its named graphs, the files it was read from."""

    dataset: Dataset
    graph_files: dict[URIRef, tuple[Path, ...]]


@dataclass(frozen=True)
class LoadedStore:
    """A store of the files' graphs and, for each named graph, the files it was read from."""

    store: pyoxigraph.Store
    graph_files: dict[URIRef, tuple[Path, ...]]


def rdf_format(path: Path) -> str:
    """The rdflib format name for a file, from its suffix."""
    try:
        return FORMATS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(FORMATS_BY_SUFFIX)
        raise InputError(
            f"{display_path(path)}: unknown RDF file suffix {path.suffix!r} (known: {known})"
        ) from None


def file_graph_name(path: Path) -> URIRef:
    """The graph name a triples-only file gets by default: the file's own IRI."""
    return URIRef(path.resolve().as_uri())


def load_file(path: Path, *, graph: URIRef | None = None) -> Dataset:
    """Parse one RDF file; its default-graph triples go into `graph`.

    Unless told otherwise, a triples-only file (Turtle, N-Triples, RDF/XML) goes into the
    graph named by the file's IRI, and a dataset file keeps its default graph.
    """
    fmt = rdf_format(path)
    data = _read(path, fmt)
    if graph is None and fmt in TRIPLE_FORMATS:
        graph = file_graph_name(path)
    dataset = Dataset()
    sink = dataset.graph(graph) if fmt in TRIPLE_FORMATS else dataset
    try:
        sink.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except _PARSE_ERRORS as err:
        raise _located_parse_error(path, data, fmt, err) from err
    _check_strictly(path, data, fmt)
    if graph is not None and fmt not in TRIPLE_FORMATS:
        _move_default_graph(dataset, graph)
    if fmt == "json-ld":
        dataset = _with_fresh_blank_nodes(dataset)
    return dataset


def _with_fresh_blank_nodes(dataset: Dataset) -> Dataset:
    """The dataset with each blank node renamed afresh: rdflib keeps a JSON-LD file's labels, and
    two files that say "_:x" speak of two nodes, as two Turtle files do."""
    fresh: dict[BNode, BNode] = {}

    def renamed(node: Node) -> Node:
        if isinstance(node, BNode):
            return fresh.setdefault(node, BNode())
        return node

    result = Dataset()
    for s, p, o, context in dataset.quads((None, None, None, None)):
        name = getattr(context, "identifier", context)
        target = result.default_context if name == DATASET_DEFAULT_GRAPH_ID else result.graph(renamed(name))
        target.add((renamed(s), p, renamed(o)))
    for prefix, namespace in dataset.namespaces():
        result.bind(prefix, namespace, override=False)
    return result


def named_graphs(dataset: Dataset) -> dict[URIRef, Graph]:
    """The dataset's non-empty named graphs (the default graph left out), by name."""
    return {
        g.identifier: g
        for g in dataset.graphs()
        if g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g) > 0
    }


def load_dataset(ontology_paths: Iterable[Path], data_paths: Iterable[Path]) -> LoadedDataset:
    """The ontology files merged into the ontology graph, plus one named graph per data file."""
    dataset = Dataset()
    graph_files: dict[URIRef, tuple[Path, ...]] = {}
    for path in ontology_paths:
        name, graph = _single_named_graph(load_file(path, graph=ONTOLOGY_GRAPH), path)
        if name != ONTOLOGY_GRAPH:
            raise InputError(
                f"{display_path(path)}: an ontology file may not name a graph (<{name}>)"
            )
        _add_graph(dataset, ONTOLOGY_GRAPH, graph)
        graph_files[ONTOLOGY_GRAPH] = graph_files.get(ONTOLOGY_GRAPH, ()) + (path,)
    for path in data_paths:
        name, graph = _single_named_graph(load_file(path), path)
        if name in graph_files:
            earlier = ", ".join(display_path(p) for p in graph_files[name])
            raise InputError(
                f"{display_path(path)}: graph <{name}> is already loaded from {earlier}"
            )
        _add_graph(dataset, name, graph)
        graph_files[name] = (path,)
    return LoadedDataset(dataset, graph_files)


def load_store(
    ontology_paths: Iterable[Path], data_paths: Iterable[Path],
    progress: Callable[[str], None] | None = None,
) -> LoadedStore:
    """What load_dataset loads, and refuses, in a pyoxigraph store, parsed by pyoxigraph."""
    store = pyoxigraph.Store()
    graph_files: dict[URIRef, tuple[Path, ...]] = {}
    ontology = pyoxigraph.NamedNode(str(ONTOLOGY_GRAPH))
    loaded = [0]
    for path in ontology_paths:
        graphs = _load_into(store, path, ontology, loaded, progress)
        if graphs != {ontology}:
            if len(graphs) > 1:
                raise _graphs_error(path, graphs)
            raise InputError(
                f"{display_path(path)}: an ontology file may not name a graph (<{_name(graphs)}>)"
            )
        graph_files[ONTOLOGY_GRAPH] = graph_files.get(ONTOLOGY_GRAPH, ()) + (path,)
    for path in data_paths:
        graphs = _load_into(store, path, None, loaded, progress)
        if len(graphs) > 1:
            raise _graphs_error(path, graphs)
        name = URIRef(_name(graphs))
        if name in graph_files:
            earlier = ", ".join(display_path(p) for p in graph_files[name])
            raise InputError(
                f"{display_path(path)}: graph <{name}> is already loaded from {earlier}"
            )
        graph_files[name] = (path,)
    return LoadedStore(store, graph_files)


def _load_into(
    store: pyoxigraph.Store, path: Path, graph: pyoxigraph.NamedNode | None, loaded: list[int],
    progress: Callable[[str], None] | None,
) -> set[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
    """Add one file's quads to the store; the graphs they went to (never the default graph).

    Default-graph quads go to `graph`, or else (a triples file) to the file's own graph; a
    dataset file with default-graph quads and no `graph` given is refused, as load_dataset does.
    """
    fmt = rdf_format(path)
    data = _read(path, fmt)
    if graph is None and fmt in TRIPLE_FORMATS:
        graph = pyoxigraph.NamedNode(str(file_graph_name(path)))
    graphs: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = set()
    stray: set[tuple[object, object, object]] = set()

    def placed(quads: Iterable[pyoxigraph.Quad]) -> Iterator[pyoxigraph.Quad]:
        for quad in quads:
            if isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
                if graph is None:
                    stray.add((quad.subject, quad.predicate, quad.object))
                    continue
                quad = pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, graph)
            graphs.add(quad.graph_name)
            loaded[0] += 1
            if progress and loaded[0] % _PROGRESS_EVERY == 0:
                progress(f"{loaded[0]:,} triples read")
            yield quad

    strict_format = _STRICT_FORMATS.get(fmt)
    if strict_format is None:  # JSON-LD: rdflib, which can fetch a remote context
        store.extend(placed(_quads_of(load_file(path))))
    else:
        base = path.resolve().as_uri()
        try:
            store.extend(placed(pyoxigraph.parse(data, strict_format, base_iri=base, rename_blank_nodes=True)))
        except SyntaxError as err:
            if len(data) <= _REPARSED_FOR_MESSAGE_BYTES:
                load_file(path)  # raises the error as load_file words it
            raise _syntax_error(path, err) from err
    if stray:
        raise InputError(
            f"{display_path(path)}: {len(stray)} triple(s) outside any named graph; "
            "a data file holds exactly one named graph"
        )
    if not graphs:
        raise InputError(f"{display_path(path)}: holds no triples")
    return graphs


def _quads_of(dataset: Dataset) -> Iterator[pyoxigraph.Quad]:
    for s, p, o, graph in dataset.quads((None, None, None, None)):
        name = getattr(graph, "identifier", graph)
        yield pyoxigraph.Quad(
            to_oxigraph(s), to_oxigraph(p), to_oxigraph(o),
            pyoxigraph.DefaultGraph() if name in (None, DATASET_DEFAULT_GRAPH_ID) else to_oxigraph(name),
        )


def _name(graphs: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode]) -> str:
    return str(to_rdflib(next(iter(graphs))))


def _graphs_error(path: Path, graphs: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode]) -> InputError:
    names = " ".join(f"<{name}>" for name in sorted(str(to_rdflib(g)) for g in graphs))
    return InputError(
        f"{display_path(path)}: holds {len(graphs)} named graphs ({names}); expected exactly one"
    )


def _read(path: Path, fmt: str) -> str | bytes:
    """The file's content: text for the UTF-8 formats, bytes for RDF/XML (it declares its own)."""
    shown = display_path(path)
    if not path.exists():
        raise InputError(f"{shown}: no such file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{shown}: cannot read: {err.strerror}") from err
    if fmt == "xml":
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(f"{shown}:{line}: not valid UTF-8 (byte 0x{data[err.start]:02x})") from err


def _single_named_graph(dataset: Dataset, path: Path) -> tuple[URIRef, Graph]:
    shown = display_path(path)
    stray = len(dataset.graph(DATASET_DEFAULT_GRAPH_ID))
    if stray:
        raise InputError(
            f"{shown}: {stray} triple(s) outside any named graph; "
            "a data file holds exactly one named graph"
        )
    graphs = named_graphs(dataset)
    if not graphs:
        raise InputError(f"{shown}: holds no triples")
    if len(graphs) > 1:
        names = " ".join(f"<{name}>" for name in sorted(graphs))
        raise InputError(
            f"{shown}: holds {len(graphs)} named graphs ({names}); expected exactly one"
        )
    [(name, graph)] = graphs.items()
    return name, graph


def _add_graph(dataset: Dataset, name: URIRef, graph: Graph) -> None:
    target = dataset.graph(name)
    target += graph


def _move_default_graph(dataset: Dataset, name: URIRef) -> None:
    default = dataset.graph(DATASET_DEFAULT_GRAPH_ID)
    _add_graph(dataset, name, default)
    default.remove((None, None, None))


def _located_parse_error(path: Path, data: str | bytes, fmt: str, err: Exception) -> InputError:
    """An InputError "path:line: bad syntax: why" from whatever rdflib's parser raised."""
    shown = display_path(path)
    line, why = _rdflib_error_position(err)
    if line is None:
        # rdflib's N-Triples/N-Quads parsers give no line number; pyoxigraph does.
        strict = _strict_error(path, data, fmt)
        if strict is not None:
            return strict
        return InputError(f"{shown}: bad syntax: {why}")
    return InputError(f"{shown}:{line}: bad syntax: {why}")


def _rdflib_error_position(err: Exception) -> tuple[int | None, str]:
    """The 1-based line of a parse error, if the error says, and the reason in one line."""
    if isinstance(err, SAXParseException):
        return err.getLineNumber(), one_line(err.getMessage())
    if isinstance(err, json.JSONDecodeError):
        return err.lineno, one_line(err.msg)
    why = getattr(err, "_why", None)
    if why is not None:  # rdflib's notation3.BadSyntax (Turtle, TriG)
        return _bad_syntax_line(err), one_line(str(why))
    return None, one_line(str(err))


def _bad_syntax_line(err: Exception) -> int:
    # BadSyntax.lines runs ahead when the parser has skipped whitespace looking for the next
    # token; counting newlines up to the error's offset in the parsed text is exact. BadSyntax
    # keeps that text encoded as UTF-8 but the offset in characters: decoded, they agree again.
    text, index = getattr(err, "_str", None), getattr(err, "_i", None)
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="surrogateescape")
    if isinstance(text, str) and isinstance(index, int):
        return text.count("\n", 0, index) + 1
    return int(getattr(err, "lines", 0)) + 1


def _check_strictly(path: Path, data: str | bytes, fmt: str) -> None:
    error = _strict_error(path, data, fmt)
    if error is not None:
        raise error


def _strict_error(path: Path, data: str | bytes, fmt: str) -> InputError | None:
    """The first error pyoxigraph finds in the file, located, or None if it finds none."""
    strict_format = _STRICT_FORMATS.get(fmt)
    if strict_format is None:
        return None
    try:
        for _ in pyoxigraph.parse(data, strict_format, base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as err:
        return _syntax_error(path, err)
    return None


def _syntax_error(path: Path, err: SyntaxError) -> InputError:
    why = one_line(re.sub(r"^Parser error (?:at|between) .*?: ", "", str(err.msg)))
    where = f":{err.lineno}" if err.lineno else ""
    return InputError(f"{display_path(path)}{where}: bad syntax: {why}")
