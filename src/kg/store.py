"""The pyoxigraph store every query runs against, and running a query on it."""

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pyoxigraph

from kg.errors import NetworkRefused, QueryError, one_line
from kg.terms import Term

QueryResults = pyoxigraph.QuerySolutions | pyoxigraph.QueryTriples | pyoxigraph.QueryBoolean

_MAX_REASON = 200
_MERGE_NAMED_GRAPHS = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def with_merged_default_graph(store: "pyoxigraph.Store | NamedGraphs") -> pyoxigraph.Store:
    """A store whose default graph is the RDF merge of all its named graphs.

    Query it with `union_default_graph=False`. pyoxigraph's own union view
    (`use_default_graph_as_union`) yields a triple once per graph that states it, so as soon as
    two sources state the same fact, plain SELECTs repeat rows and COUNTs are off; SPARQL's
    default graph is a merge, where each triple counts once. The named graphs stay as they are.
    A build's store holds that merge already (kg.build_cache.write_store): it is returned as it
    is; any other store is copied.
    """
    if isinstance(store, NamedGraphs):
        return store.query_store
    merged = pyoxigraph.Store()
    merged.bulk_extend(store)
    merged.update(_MERGE_NAMED_GRAPHS)
    return merged


def merged_quads(store: pyoxigraph.Store) -> Iterator[pyoxigraph.Quad]:
    """Every quad of the store's named graphs, then each of their triples in the default graph.

    What a build's store holds; the same terms throughout, so a blank node shared by two graphs
    stays one node in the merge (loading their text twice would rename it).
    """
    yield from store.quads_for_pattern(None, None, None, None)
    for quad in store.quads_for_pattern(None, None, None, None):
        if not isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
            yield pyoxigraph.Quad(quad.subject, quad.predicate, quad.object)


class NamedGraphs:
    """The dataset of a store whose default graph holds the merge of its named graphs: the
    named graphs alone, as pages, dumps, VoID and statistics must see them.

    Looking quads up, iterating and counting skip the default graph (the merge would double
    every fact); a query's default graph is empty, or with `use_default_graph_as_union` the
    merge (each triple once, where pyoxigraph's union would count the copy too). `source`
    gives the store to read; kg.dataset passes one that opens a handle per process.
    """

    def __init__(self, source: Callable[[], pyoxigraph.Store]) -> None:
        self._source = source

    @property
    def query_store(self) -> pyoxigraph.Store:
        """The store itself, its default graph the merge: what SPARQL queries run on."""
        return self._source()

    def quads_for_pattern(
        self, subject: object, predicate: object, obj: object, graph_name: object = None
    ) -> Iterator[pyoxigraph.Quad]:
        if isinstance(graph_name, pyoxigraph.DefaultGraph):
            return iter(())  # the dataset has no default graph of its own
        quads = self._source().quads_for_pattern(subject, predicate, obj, graph_name)
        if graph_name is not None:
            return iter(quads)
        return (q for q in quads if not isinstance(q.graph_name, pyoxigraph.DefaultGraph))

    def __iter__(self) -> Iterator[pyoxigraph.Quad]:
        store = self._source()
        for graph in store.named_graphs():
            yield from store.quads_for_pattern(None, None, None, graph)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def named_graphs(self) -> Iterator[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
        return self._source().named_graphs()

    def contains_named_graph(self, graph_name: object) -> bool:
        return self._source().contains_named_graph(graph_name)

    def query(
        self, query: str, *, use_default_graph_as_union: bool = False, **arguments: Any
    ) -> QueryResults:
        if "default_graph" not in arguments:
            arguments["default_graph"] = pyoxigraph.DefaultGraph() if use_default_graph_as_union else []
        return self._source().query(query, **arguments)


def run_query(
    store: pyoxigraph.Store,
    text: str,
    *,
    union_default_graph: bool = True,
    prefixes: Mapping[str, str] | None = None,
    substitutions: Mapping[pyoxigraph.Variable, Term] | None = None,
    source: str = "query",
    dataset: Mapping[str, object] | None = None,
) -> QueryResults:
    """Run a SPARQL query; by default its default graph is the union of all graphs.

    `prefixes` are predeclared, `substitutions` bind variables to values (never splice
    user input into the text), `source` names the query in error messages, and `dataset`
    holds `store.query`'s dataset arguments (kg.dataset_selection.merged_default_graph).
    """
    try:
        return store.query(
            text,
            use_default_graph_as_union=union_default_graph,
            prefixes=dict(prefixes) if prefixes else None,
            substitutions=dict(substitutions) if substitutions else None,
            **(dataset or {}),
        )
    except SyntaxError as err:
        raise QueryError(syntax_error_message(source, str(err))) from err
    except RuntimeError as err:
        raise QueryError(evaluation_error_message(source, str(err))) from err
    except OSError as err:
        # The store is in memory: a system error is a socket the sandbox denied (kg.sandbox).
        raise NetworkRefused(f"{source}: {NetworkRefused.MESSAGE}") from err


def evaluation_error_message(source: str, error: str) -> str:
    """ "source: the query cannot be evaluated: reason", for what pyoxigraph parses but refuses."""
    return f"{source}: the query cannot be evaluated: {_shortened(error)}"


_CHARACTER_CLASSES = (
    (re.compile(r"^expected \[_\]$"), "the query ends too early"),
    (re.compile(r"\['0'\s*\.\.=\s*'9'\]"), "a digit"),
    (
        re.compile(r"\['0'\s*\.\.=\s*'9'\s*\|\s*'A'\s*\.\.=\s*'F'\s*\|\s*'a'\s*\.\.=\s*'f'\]"),
        "a hexadecimal digit",
    ),
    (re.compile(r"\[[^\[\]]*\.\.=[^\[\]]*\]"), "a name character"),
    (re.compile(r"\['(.)'\]"), r"'\1'"),
    (re.compile(r"\[_\]"), "more text"),
)


def syntax_error_message(source: str, error: str) -> str:
    """ "source:line:column: reason" from pyoxigraph's "error at line:column: reason"."""
    match = re.match(r"error at (\d+):(\d+): (.*)", error, re.DOTALL)
    if match is None:
        return f"{source}: {_shortened(error)}"
    line, column, reason = match.groups()
    return f"{source}:{line}:{column}: {_shortened(reason)}"


def _shortened(reason: str) -> str:
    # pyoxigraph names the characters it expected as its parser's classes, the Unicode ranges of a
    # name character spelled out over several lines.
    reason = one_line(reason)
    for pattern, words in _CHARACTER_CLASSES:
        reason = pattern.sub(words, reason)
    return reason if len(reason) <= _MAX_REASON else reason[: _MAX_REASON - 1] + "…"
