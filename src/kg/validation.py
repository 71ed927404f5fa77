"""Validating the dataset against the SHACL shapes, with results a person can act on.

The data files are validated together, with the ontology, as one dataset: Core constraints see
the union of all graphs (so sh:class follows the ontology's rdfs:subClassOf, and a node may be
described by several files), while SPARQL constraints can look into each named graph. Every
result is then traced back to the graphs, and so the files, that state the offending facts, with
the focus node's evidence quoted from each.

`validate_dataset` is the library's entry point; `validate_files` loads the files first.
`validate_store` is the build's for large graphs, where pySHACL takes minutes (100 s at 1e5
generated triples, over ten minutes at 1e6): it validates a pyoxigraph store with pyshacl-turbo,
an independent SHACL engine in Rust, for every shape but the SPARQL-based constraints that read
named graphs or that may run once for all focus nodes (kg.prebinding), which pyoxigraph
evaluates: once, joined with the focus nodes, where kg.prebinding shows that this gives each
node the solutions SHACL's pre-binding of $this gives, else for each focus node with $this
substituted. The two run side by side, on two
cores, each on the whole union of the graphs: the shapes guarantee at any size what they
guarantee on the shipped data.
Rendering the outcome is kg.validation_report's job, and the command line kg.cli's.
"""

from __future__ import annotations

import codecs
import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
import pyshacl
from owlrl import DeductiveClosure, OWLRL_Semantics, RDFS_Semantics
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib import BNode
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kg.errors import InputError
from kg.loading import load_dataset, load_file
from kg.namespaces import INFERRED_GRAPH, KGO, PREFIX_TABLE, PREFIXES, SH
from kg.prebinding import evaluable_once, query_code, whole_graph_query
from kg.project import data_files, ontology_files, shape_files
from kg.terms import to_oxigraph, to_rdflib

INFERENCE_MODES: tuple[str, ...] = ("none", "rdfs", "owlrl")

# pySHACL is the engine of record. pyshacl-turbo, an independent implementation in Rust (an
# optional dependency), gives the second opinion the tests compare against.
ENGINES: tuple[str, ...] = ("pyshacl", "pyshacl-turbo")

# How often validate_store says that pyshacl-turbo is still at work, in seconds: at 10^6
# generated triples it runs ~100 s past pyoxigraph's constraints, and silence looks like a hang.
HEARTBEAT_SECONDS = 10.0

SEVERITY_NAMES: dict[URIRef, str] = {
    SH.Violation: "Violation",
    SH.Warning: "Warning",
    SH.Info: "Info",
}


@dataclass(frozen=True)
class ValidationResult:
    """One validation result, with where its facts come from."""

    focus: Node
    path: Node | None
    value: Node | None
    message: str
    severity: URIRef
    source_shape: Node
    component: URIRef
    source_constraint: Node | None
    # The named graphs that state the offending facts, the files they were read from, and the
    # focus node's evidence (kgo:evidence) in those graphs.
    graphs: tuple[URIRef, ...]
    files: tuple[Path, ...]
    evidence: tuple[Literal, ...]

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES.get(self.severity, str(self.severity))


@dataclass(frozen=True)
class ValidationOutcome:
    """The results of one validation and the SHACL report graph they were read from."""

    results: tuple[ValidationResult, ...]
    report: Graph
    data_files: tuple[Path, ...] = ()
    shape_files: tuple[Path, ...] = ()

    @property
    def conforms(self) -> bool:
        """True when nothing is broken: warnings and infos do not count."""
        return not self.violations

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Violation)

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Warning)

    @property
    def infos(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Info)

    def passes(self, *, strict: bool = False) -> bool:
        """Whether the data is accepted: no violations, and in strict mode no result at all."""
        return not self.results if strict else self.conforms


def validate_files(
    data_paths: Sequence[Path] | None = None,
    shape_paths: Sequence[Path] | None = None,
    *,
    ontology_paths: Sequence[Path] | None = None,
    inference: str = "none",
) -> ValidationOutcome:
    """Load the data (with the ontology) and the shapes, and validate; None means the shipped files."""
    data = list(data_files() if data_paths is None else data_paths)
    shapes_list = list(shape_files() if shape_paths is None else shape_paths)
    ontology = list(ontology_files() if ontology_paths is None else ontology_paths)
    if not data:
        raise InputError("no data files to validate")
    if not ontology:
        raise InputError("no ontology files found: set KG_ROOT to the kg project folder")
    loaded = load_dataset(ontology, data)
    shapes = load_shapes(shapes_list)
    outcome = validate_dataset(
        loaded.dataset, shapes, inference=inference, graph_files=loaded.graph_files
    )
    return ValidationOutcome(outcome.results, outcome.report, tuple(data), tuple(shapes_list))


def load_shapes(paths: Iterable[Path]) -> Graph:
    """The shapes files merged into one graph, parsed by rdflib like the data.

    Data and shapes must come from the same parser: pyoxigraph reads "x" as "x"^^xsd:string
    where rdflib keeps a plain literal, and sh:in then fails on values that match. kg's prefix
    table comes with any shapes, so that a SPARQL constraint finds its sh:prefixes.
    """
    paths = list(paths)
    if not paths:
        raise InputError("no shapes files found: set KG_ROOT to the kg project folder or give --shapes")
    if PREFIX_TABLE.resolve() not in {path.resolve() for path in paths}:
        paths.append(PREFIX_TABLE)
    shapes = Graph()
    for path in paths:
        for s, p, o, _ in load_file(path).quads((None, None, None, None)):
            shapes.add((s, p, o))
    _bind_prefixes(shapes)
    return shapes


def validate_dataset(
    dataset: Dataset,
    shapes: Graph,
    *,
    inference: str = "none",
    graph_files: Mapping[URIRef, Sequence[Path]] | None = None,
    engine: str = "pyshacl",
) -> ValidationOutcome:
    """Validate the dataset (ontology and data graphs) against the shapes.

    `inference` adds the RDFS or OWL 2 RL closure of the whole dataset, in its own graph, before
    validating, the same for every engine. `graph_files` names the files each graph came from,
    for the results.
    """
    if inference not in INFERENCE_MODES:
        raise ValueError(f"inference must be one of {', '.join(INFERENCE_MODES)}, not {inference!r}")
    data = _validation_view(dataset, with_closure=inference != "none")
    if inference != "none":
        _add_closure(data, inference)
    report = _run_engine(engine, data, shapes)
    _bind_prefixes(report)
    results = read_results(report, data, graph_files or {})
    return ValidationOutcome(results, report)


def validate_store(
    store: pyoxigraph.Store,
    shapes: Graph,
    *,
    graph_files: Mapping[URIRef, Sequence[Path]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ValidationOutcome:
    """Validate the union of the store's named graphs against the shapes, at any size.

    pyshacl-turbo checks every shape except the SPARQL-based constraints of node shapes that
    pyoxigraph evaluates better (_by_pyoxigraph), on the store's text, in a thread; pyoxigraph
    meanwhile runs each of those. The same results as
    pySHACL's on every shape case (tests/test_shape_engines.py), bar the engines' known
    disagreements listed there.
    """
    try:
        import pyshacl_turbo
    except ImportError as err:
        raise InputError(
            "validating a graph this large needs pyshacl-turbo (pip install pyshacl-turbo), "
            "or build with --no-validation"
        ) from err
    core, sparql = _split_sparql_constraints(shapes)
    if progress:
        progress(f"pyshacl-turbo: {len(set(core.subjects(RDF.type, SH.NodeShape)))} node shapes, "
                 "beside pyoxigraph")
    # pyshacl-turbo's engine leaves the GIL while it validates, so pyoxigraph's queries run on
    # the other core meanwhile; each writes its own report, merged once both are done. The
    # store's text is made first: made in the thread, each chunk of the dump would wait for the
    # GIL held by the loop of queries.
    text, blank_nodes = _ascii_union(store)
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        turbo = pool.submit(_turbo_report, pyshacl_turbo, text, blank_nodes, core)
        del text  # the thread holds it while pyshacl-turbo reads it, and no longer
        sparql_report = Graph()
        for shape, constraint in sparql:
            whole = evaluable_once(str(shapes.value(constraint, SH.select)), _declared_prefixes(shapes, constraint))
            if progress:
                how = "once over the whole graph" if whole else "once per focus node"
                progress(f"pyoxigraph: {_short(constraint)}, {how}")
            _add_sparql_results(sparql_report, store, shapes, shape, constraint, whole_graph=whole)
        if progress and not turbo.done():
            progress("waiting for pyshacl-turbo")
            _wait_with_heartbeat(turbo, started, progress)
        report = turbo.result()
    _merge_report(report, sparql_report)
    _bind_prefixes(report)
    return ValidationOutcome(read_results(report, _StoreView(store), graph_files or {}), report)


def read_results(
    report: Graph, data: Dataset, graph_files: Mapping[URIRef, Sequence[Path]]
) -> tuple[ValidationResult, ...]:
    """The results of a SHACL validation report, each traced to its graphs, files and evidence."""
    results = [
        _read_result(report, node, data, graph_files)
        for node in report.objects(None, SH.result)
    ]
    return tuple(sorted(results, key=_result_order))


# ---------------------------------------------------------------------------------------------


def _run_engine(engine: str, data: Dataset, shapes: Graph) -> Graph:
    """The SHACL validation report of one engine; both read the same rdflib graphs."""
    if engine == "pyshacl":
        _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
        return report
    if engine == "pyshacl-turbo":
        try:
            import pyshacl_turbo
        except ImportError as err:
            raise InputError("the pyshacl-turbo engine is not installed (pip install pyshacl-turbo)") from err
        _, report, _ = pyshacl_turbo.validate(data, shacl_graph=shapes, inference="none")
        return report
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")


def _wait_with_heartbeat(turbo: Future[Graph], started: float, progress: Callable[[str], None]) -> None:
    """Wait for pyshacl-turbo, saying every HEARTBEAT_SECONDS how long it has run."""
    while not wait([turbo], timeout=HEARTBEAT_SECONDS).done:
        progress(f"pyshacl-turbo still running ({time.monotonic() - started:.0f} s)")


def _turbo_report(pyshacl_turbo: Any, text: str, blank_nodes: dict[str, BNode], core: Graph) -> Graph:
    """pyshacl-turbo's report on a graph given as N-Triples text (_ascii_union); the blank nodes
    the text names otherwise than the store (by label in the text) come back as the store's."""
    from pyshacl_turbo.rdf import Input  # what pyshacl-turbo makes of a store itself

    _, report, _ = pyshacl_turbo.validate(
        Input(text, "nt", None, blank_nodes, preserve_ids=True), shacl_graph=core, inference="none"
    )
    return report


def _ascii_union(store: pyoxigraph.Store) -> tuple[str, dict[str, BNode]]:
    """The union of the store's graphs as N-Triples text in ASCII (other characters as \\u
    escapes), and the blank nodes the text labels otherwise than the store.

    The Core shapes read the union of the graphs, and the constraints that look into one graph
    are pyoxigraph's (_by_pyoxigraph): triples without their graph's name are less to hold and
    to parse. A blank node keeps its label across graphs, the store's own. pyshacl-turbo takes a
    str and reads it as UTF-8: Python keeps a UTF-8 copy beside a str with any character beyond
    ASCII once it is read so (and one character beyond Latin-1, such as a typographic apostrophe,
    makes every character of it two or four bytes), while an ASCII str is its own UTF-8. The dump
    is written to the text as it streams, never held whole as bytes.

    N-Triples has no escapes in a blank node's label, and rdflib keeps a JSON-LD file's
    "_:coopération": such a label gets an ASCII one in the text, and the blank nodes so renamed
    come with it, by their label in the text.
    """
    sink = _AsciiText()
    for graph in (pyoxigraph.DefaultGraph(), *store.named_graphs()):
        store.dump(sink, format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph)
    return _ascii_labels(sink.text())


# A blank node label the escapes reached: as subject (the line's first term) or as object (its
# last, before " ."; a literal ends with '"', a language tag or a datatype's '>'). A label has no
# backslash of its own. (ASCII classes: a third of the time of \w on a text of blank nodes.)
_ESCAPED_LABEL = re.compile(r"_:[-.0-9A-Za-z_]*\\[uU]")
_ESCAPED_SUBJECT_OR_OBJECT = re.compile(
    r'^_:([^ ]*\\[^ ]*)(?= )|(?<= )_:([^ "<>]*\\[^ "<>]*)(?= \.$)', re.MULTILINE
)


def _ascii_labels(text: str) -> tuple[str, dict[str, BNode]]:
    """The text with an ASCII label for each blank node whose label has escapes, and those nodes."""
    if "_:" not in text or not _ESCAPED_LABEL.search(text):
        return text, {}
    renamed: dict[str, BNode] = {}

    def ascii_label(match: re.Match[str]) -> str:
        label = (match.group(1) or match.group(2)).encode("ascii").decode("unicode_escape")
        name = f"kg-nonascii-{label.encode('utf-8').hex()}"
        renamed[name] = BNode(label)
        return f"_:{name}"

    return _ESCAPED_SUBJECT_OR_OBJECT.sub(ascii_label, text), renamed


def _unicode_escape(error: UnicodeError) -> tuple[str, int]:
    """N-Triples' escapes (\\uXXXX, \\UXXXXXXXX) for the characters ASCII cannot encode."""
    assert isinstance(error, UnicodeEncodeError)
    chars = error.object[error.start:error.end]
    return "".join(
        f"\\u{ord(c):04X}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08X}" for c in chars
    ), error.end


codecs.register_error("kg-ntriples-escape", _unicode_escape)


class _AsciiText:
    """A binary file that keeps what is written to it as ASCII text (see _ascii_union)."""

    def __init__(self) -> None:
        # A chunk may end inside a character's UTF-8 bytes: the decoder keeps them for the next.
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._parts: list[str] = []

    def write(self, chunk: bytes) -> int:
        decoded = self._decoder.decode(chunk)
        if not decoded.isascii():
            decoded = decoded.encode("ascii", "kg-ntriples-escape").decode("ascii")
        self._parts.append(decoded)
        return len(chunk)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        self._parts.append(self._decoder.decode(b"", final=True))
        text, self._parts = "".join(self._parts), []
        return text


def _merge_report(report: Graph, extra: Graph) -> None:
    """Add the results of another SHACL report to `report`, and say whether the whole conforms."""
    report_node = report.value(None, RDF.type, SH.ValidationReport) or _new_report(report)
    extra_node = extra.value(None, RDF.type, SH.ValidationReport)
    for s, p, o in extra:
        if s != extra_node:
            report.add((s, p, o))
        elif p == SH.result:
            report.add((report_node, p, o))
    report.set((report_node, SH.conforms, Literal(not any(report.objects(None, SH.result)))))


def _short(node: Node) -> str:
    return str(node).rsplit("#", 1)[-1]


# The SPARQL-based constraints that pyoxigraph evaluates rather than pyshacl-turbo: those whose
# query reads named graphs (GRAPH), which pyshacl-turbo evaluated in 54 s at 2e4 generated
# triples (pyoxigraph: 1 s at 1e5), and those that pyoxigraph can evaluate once for every focus
# node together (kg.prebinding), which takes pyshacl-turbo's work off the longest path.
_GRAPH_PATTERN = re.compile(r"\bGRAPH\b", re.IGNORECASE)


def _by_pyoxigraph(select: str, prefixes: Mapping[str, str]) -> bool:
    return bool(_GRAPH_PATTERN.search(query_code(select))) or evaluable_once(select, prefixes)


def _split_sparql_constraints(shapes: Graph) -> tuple[Graph, list[tuple[Node, Node]]]:
    """The shapes without the SPARQL-based constraints pyoxigraph evaluates, and those."""
    core = Graph()
    for prefix, namespace in shapes.namespaces():
        core.bind(prefix, namespace)
    moved = [
        (shape, constraint) for shape, constraint in shapes.subject_objects(SH.sparql)
        if shapes.value(shape, SH.path) is None
        and (constraint, SH.select, None) in shapes
        and _by_pyoxigraph(str(shapes.value(constraint, SH.select)), _declared_prefixes(shapes, constraint))
        and not _deactivated(shapes, shape) and not _deactivated(shapes, constraint)
    ]
    for triple in shapes:
        if triple[1] != SH.sparql or (triple[0], triple[2]) not in moved:
            core.add(triple)
    return core, sorted(moved)


def _deactivated(shapes: Graph, node: Node) -> bool:
    return shapes.value(node, SH.deactivated) == Literal(True)


def _add_sparql_results(
    report: Graph, store: pyoxigraph.Store, shapes: Graph, shape: Node, constraint: Node,
    *, whole_graph: bool,
) -> None:
    """SHACL-SPARQL for one constraint of a node shape: its query per focus node, or once."""
    select = str(shapes.value(constraint, SH.select))
    prefixes = _declared_prefixes(shapes, constraint)
    messages = list(shapes.objects(constraint, SH.message)) or list(shapes.objects(shape, SH.message))
    severity = shapes.value(shape, SH.severity) or SH.Violation
    this = pyoxigraph.Variable("this")
    report_node = report.value(None, RDF.type, SH.ValidationReport) or _new_report(report)
    found: set[tuple[Node, frozenset[tuple[str, Node]]]] = set()
    if whole_graph:
        targets = _targets_pattern(shapes, shape, "this")
        query = whole_graph_query(select, targets)
        evaluations = [(None, store.query(query, prefixes=prefixes, use_default_graph_as_union=True))] if targets else []
    else:
        evaluations = (
            (focus, store.query(select, prefixes=prefixes, substitutions={this: focus}, use_default_graph_as_union=True))
            for focus in _focus_nodes(store, shapes, shape)
        )
    for focus, solutions in evaluations:
        for solution in solutions:
            bound = {
                v.value: to_rdflib(solution[v]) for v in solutions.variables if solution[v] is not None
            }
            focus_node = to_rdflib(focus) if focus is not None else bound["this"]
            path = bound.get("path")
            value = bound.get("value", focus_node)
            # The union of the graphs gives a solution once per graph stating it: one result for
            # each distinct solution, as pySHACL gives. Two solutions that differ only in a
            # variable the message names (the third node with the same Wikidata link) are two.
            solution_key = (focus_node, frozenset(bound.items()))
            if solution_key in found:
                continue
            found.add(solution_key)
            result = BNode()
            report.add((report_node, SH.result, result))
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, focus_node))
            if path is not None:
                report.add((result, SH.resultPath, path))
            report.add((result, SH.value, value))
            report.add((result, SH.resultSeverity, severity))
            report.add((result, SH.sourceShape, shape))
            report.add((result, SH.sourceConstraint, constraint))
            report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
            variables = {"this": focus_node, **bound}
            for message in messages:
                report.add((result, SH.resultMessage, _filled(message, variables)))
    report.set((report_node, SH.conforms, Literal(not any(report.objects(None, SH.result)))))


def _new_report(report: Graph) -> Node:
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    return node


def _filled(message: Node, variables: Mapping[str, Node]) -> Literal:
    """A message with each {?var} or {$var} replaced by the variable's value, as pySHACL does."""
    text = re.sub(
        r"\{[?$](\w+)\}", lambda m: str(variables[m.group(1)]) if m.group(1) in variables else m.group(0),
        str(message),
    )
    return Literal(text, lang=message.language if isinstance(message, Literal) else None)


def _declared_prefixes(shapes: Graph, constraint: Node) -> dict[str, str]:
    return {
        str(shapes.value(declaration, SH.prefix)): str(shapes.value(declaration, SH.namespace))
        for prefixes in shapes.objects(constraint, SH.prefixes)
        for declaration in shapes.objects(prefixes, SH.declare)
    }


def _focus_nodes(store: pyoxigraph.Store, shapes: Graph, shape: Node) -> Iterator[pyoxigraph.NamedNode]:
    """The shape's focus nodes in the union of the store's graphs (SHACL 2.1.3, the targets)."""
    targets = _targets_pattern(shapes, shape, "focus")
    if not targets:
        return iter(())
    query = f"SELECT DISTINCT ?focus WHERE {{ {targets} }}"
    return (row[0] for row in store.query(query, use_default_graph_as_union=True))


def _targets_pattern(shapes: Graph, shape: Node, variable: str) -> str:
    """A graph pattern binding ?variable to each focus node of the shape once, or ""."""
    patterns = [f"VALUES ?{variable} {{ {to_oxigraph(n)} }}" for n in shapes.objects(shape, SH.targetNode)]
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
        classes.append(shape)
    patterns += [f"?{variable} a/<{RDFS.subClassOf}>* {to_oxigraph(c)}" for c in classes]
    patterns += [f"?{variable} {to_oxigraph(p)} ?_object" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    patterns += [f"?_subject {to_oxigraph(p)} ?{variable}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    if not patterns:
        return ""
    union = " UNION ".join(f"{{ {p} }}" for p in patterns)
    return f"SELECT DISTINCT ?{variable} WHERE {{ {union} }}"


class _StoreView:
    """What read_results asks of a Dataset (its named graphs, a triple in one), of a store."""

    def __init__(self, store: pyoxigraph.Store) -> None:
        self._store = store

    def graphs(self) -> Iterator["_StoreGraph"]:
        for name in self._store.named_graphs():
            yield _StoreGraph(self._store, to_rdflib(name))

    def graph(self, name: Node) -> "_StoreGraph":
        return _StoreGraph(self._store, name)


class _StoreGraph:
    def __init__(self, store: pyoxigraph.Store, name: Node) -> None:
        self._store, self.identifier = store, name
        self._name = to_oxigraph(name)

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool:
        terms = [None if t is None else to_oxigraph(t) for t in triple]
        return next(iter(self._store.quads_for_pattern(*terms, self._name)), None) is not None

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        for quad in self._store.quads_for_pattern(to_oxigraph(subject), to_oxigraph(predicate), None, self._name):
            yield to_rdflib(quad.object)


class _PreparedQueryDataset(Dataset):
    """A Dataset that parses each SPARQL text once.

    pySHACL re-sends a SPARQL constraint's query text for every focus node, and rdflib parses it
    every time; the parsing took nine tenths of the validation time of the shipped data.
    """

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_object, str):
            query_object = _prepared_query(query_object)
        return super().query(query_object, *args, **kwargs)

    # rdflib's own Dataset.triples reads this deprecated alias of default_graph on every call,
    # and the DeprecationWarning it raises each time cost a fifth of the validation time.
    @property
    def default_context(self) -> Graph:
        return self.default_graph

    @default_context.setter
    def default_context(self, value: Graph) -> None:
        self.default_graph = value


@functools.lru_cache(maxsize=256)
def _prepared_query(text: str) -> Query:
    # A prepared query is rdflib's reusable form: evaluating it never changes it.
    return prepareQuery(text)


def _validation_view(dataset: Dataset, *, with_closure: bool) -> _PreparedQueryDataset:
    """The dataset as validation reads it: a view of the same store, or a copy to add to."""
    if not with_closure:
        return _PreparedQueryDataset(store=dataset.store, default_union=True)
    copy = _PreparedQueryDataset(default_union=True)
    for graph in dataset.graphs():
        if len(graph) == 0:
            continue
        target = copy.graph(graph.identifier)
        for triple in graph.triples((None, None, None)):
            target.add(triple)
    return copy


def _add_closure(data: Dataset, inference: str) -> None:
    """Add the RDFS or OWL 2 RL closure of all graphs to the inferred graph."""
    union = Graph()
    for s, p, o, _ in data.quads((None, None, None, None)):
        union.add((s, p, o))
    asserted = set(union)
    semantics = RDFS_Semantics if inference == "rdfs" else OWLRL_Semantics
    # Axiomatic and datatype triples would only add noise (rdf:_1, xsd:decimal facets, ...).
    # owlrl's "improved" datatype conversions stay installed in rdflib after the closure, for
    # every literal parsed later in the process: keep rdflib's own.
    closure = DeductiveClosure(
        semantics, axiomatic_triples=False, datatype_axioms=False, improved_datatypes=False
    )
    closure.expand(union)
    inferred = data.graph(INFERRED_GRAPH)
    for triple in union:
        if triple not in asserted and _entailed(triple, asserted, union):
            inferred.add(triple)


def _entailed(triple: tuple[Node, Node, Node], asserted: set[Any], closure: Graph) -> bool:
    """Whether an inferred triple is RDF the semantics can entail, as far as literals go.

    owlrl stands in for each literal by its lexical form while it computes the closure, so
    "T-34-85"@fr, "T-34-85" and "T-34-85"^^xsd:string become one: it then "infers" an rdfs:label
    as a kgo:designation, or a plain string as someone's evidence. RDFS and OWL 2 RL give a node
    a literal only through a super-property (or an equivalent one) of a property that already
    has it, so any other inferred literal is dropped.
    """
    subject, predicate, obj = triple
    if isinstance(subject, Literal):
        return False  # generalised RDF (owlrl types literals): no RDF store accepts it
    if not isinstance(obj, Literal):
        return True
    return any(
        (subject, asserted_property, obj) in asserted
        for asserted_property in closure.subjects(RDFS.subPropertyOf, predicate)
    ) or any(
        (subject, equivalent, obj) in asserted
        for equivalent in closure.objects(predicate, OWL.equivalentProperty)
    )


def _read_result(
    report: Graph, node: Node, data: Dataset, graph_files: Mapping[URIRef, Sequence[Path]]
) -> ValidationResult:
    # Each result's triples read once: one lookup rather than one per property (thousands of
    # results at 1e6 generated triples).
    about: dict[Node, list[Node]] = {}
    for predicate, obj in report.predicate_objects(node):
        about.setdefault(predicate, []).append(obj)
    focus = _one(about, SH.focusNode)
    path = _first(about, SH.resultPath)
    value = _first(about, SH.value)
    graphs = _stating_graphs(data, focus, path, value, graph_files)
    return ValidationResult(
        focus=focus,
        path=path,
        value=value,
        message=min((str(m) for m in about.get(SH.resultMessage, ())), default=""),
        severity=_one(about, SH.resultSeverity),
        source_shape=_one(about, SH.sourceShape),
        component=_one(about, SH.sourceConstraintComponent),
        source_constraint=_first(about, SH.sourceConstraint),
        graphs=graphs,
        files=tuple(dict.fromkeys(f for g in graphs for f in graph_files.get(g, ()))),
        evidence=tuple(e for g in graphs for e in _evidence(data, g, focus)),
    )


def _first(about: Mapping[Node, list[Node]], predicate: URIRef) -> Any:
    values = about.get(predicate)
    return values[0] if values else None


def _one(about: Mapping[Node, list[Node]], predicate: URIRef) -> Any:
    value = _first(about, predicate)
    if value is None:
        raise ValueError(f"SHACL result without {predicate}")
    return value


def _stating_graphs(
    data: Dataset,
    focus: Node,
    path: Node | None,
    value: Node | None,
    graph_files: Mapping[URIRef, Sequence[Path]],
) -> tuple[URIRef, ...]:
    """The named graphs that state the facts a result is about.

    Those holding the offending triple itself if there is one; for a result that names a graph
    as its value (a graph without provenance), that graph; otherwise every graph that says
    something about the focus node.
    """
    names = [
        g.identifier for g in data.graphs()
        if isinstance(g.identifier, URIRef) and g.identifier != DATASET_DEFAULT_GRAPH_ID
    ]
    if path is None and isinstance(value, URIRef) and value in graph_files:
        return (value,)
    if isinstance(path, URIRef) and value is not None:
        stating = [g for g in names if (focus, path, value) in data.graph(g)]
        if stating:
            return tuple(sorted(stating))
    return tuple(sorted(g for g in names if (focus, None, None) in data.graph(g)))


def _evidence(data: Dataset, graph: URIRef, focus: Node) -> list[Literal]:
    quotes = data.graph(graph).objects(focus, KGO.evidence)
    return sorted((q for q in quotes if isinstance(q, Literal)), key=str)


def _result_order(result: ValidationResult) -> tuple[str, ...]:
    severity_rank = {SH.Violation: "0", SH.Warning: "1", SH.Info: "2"}
    return (
        ",".join(str(f) for f in result.files),
        str(result.focus),
        severity_rank.get(result.severity, "3"),
        str(result.source_shape),
        str(result.path or ""),
        str(result.value or ""),
        # Ties broken by what differs, not by the order an engine found them in.
        str(result.source_constraint or ""),
        result.message,
    )


def _bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)

