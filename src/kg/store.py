"""The pyoxigraph store every query runs against, and running a query on it."""

import re
from collections.abc import Mapping

import pyoxigraph

from kg.errors import NetworkRefused, QueryError, one_line
from kg.terms import Term

QueryResults = pyoxigraph.QuerySolutions | pyoxigraph.QueryTriples | pyoxigraph.QueryBoolean

_MAX_REASON = 200
_MERGE_NAMED_GRAPHS = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def with_merged_default_graph(store: pyoxigraph.Store) -> pyoxigraph.Store:
    """A copy of the store whose default graph is the RDF merge of all its named graphs.

    Query this copy with `union_default_graph=False`. pyoxigraph's own union view
    (`use_default_graph_as_union`) yields a triple once per graph that states it, so as soon as
    two sources state the same fact, plain SELECTs repeat rows and COUNTs are off; SPARQL's
    default graph is a merge, where each triple counts once. The named graphs stay as they are.
    """
    merged = pyoxigraph.Store()
    merged.bulk_extend(store)
    merged.update(_MERGE_NAMED_GRAPHS)
    return merged


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
