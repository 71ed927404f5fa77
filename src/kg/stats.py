"""Counting what the dataset holds: triples per graph, entities per class, triples per property."""

import json
from dataclasses import asdict, dataclass

from pyoxigraph import NamedNode, Store

from kg.errors import UnsupportedFormat
from kg.querying import render_table, shorten_iri
from kg.store import run_query

STATS_FORMATS = ("text", "json")
DEFAULT_GRAPH_KEY = "default"

_GRAPH_SIZES = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY DESC(?n) ?g
"""
_DEFAULT_GRAPH_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# The same triple asserted in two graphs is one triple of the merged graph.
_DISTINCT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
_CLASS_SIZES = """
SELECT ?c (COUNT(DISTINCT ?s) AS ?n)
WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c ORDER BY DESC(?n) ?c
"""
_PROPERTY_SIZES = """
SELECT ?p (COUNT(*) AS ?n)
WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } GROUP BY ?p ORDER BY DESC(?n) ?p
"""


@dataclass(frozen=True)
class DatasetStats:
    """Counts over a dataset; class and property counts are over all its graphs merged."""

    statements: int  # quads: a triple asserted in two graphs counts twice
    triples: int  # distinct triples of the merged graph
    graphs: dict[str, int]  # graph IRI (or "default") -> its triples
    classes: dict[str, int]  # class IRI -> its distinct instances
    properties: dict[str, int]  # property IRI -> distinct triples using it


def compute_stats(store: Store) -> DatasetStats:
    graphs = _counts(store, _GRAPH_SIZES, "g", union=False)
    default_size = _count(store, _DEFAULT_GRAPH_SIZE, union=False)
    if default_size:
        graphs = {DEFAULT_GRAPH_KEY: default_size, **graphs}
    return DatasetStats(
        statements=sum(graphs.values()),
        triples=_count(store, _DISTINCT_TRIPLES, union=True),
        graphs=graphs,
        classes=_counts(store, _CLASS_SIZES, "c", union=True),
        properties=_counts(store, _PROPERTY_SIZES, "p", union=True),
    )


def format_stats(stats: DatasetStats, fmt: str) -> str:
    """The counts as text tables for a terminal, or as JSON with full IRIs."""
    if fmt == "json":
        return json.dumps(asdict(stats), indent=2) + "\n"
    if fmt != "text":
        known = ", ".join(STATS_FORMATS)
        raise UnsupportedFormat(f"unknown stats format {fmt!r}; use one of {known}")
    summary = (
        f"{stats.triples} triples ({stats.statements} statements in {len(stats.graphs)} graphs)\n"
    )
    sections = [
        _count_table("graph", "triples", stats.graphs),
        _count_table("class", "entities", stats.classes),
        _count_table("property", "triples", stats.properties),
    ]
    return "\n".join([summary, *sections])


def _count_table(name_header: str, count_header: str, counts: dict[str, int]) -> str:
    rows = [
        [key if key == DEFAULT_GRAPH_KEY else shorten_iri(key), str(count)]
        for key, count in counts.items()
    ]
    return render_table([name_header, count_header], rows, right_aligned=[1])


def _count(store: Store, query: str, *, union: bool) -> int:
    [solution] = run_query(store, query, union_default_graph=union)
    return int(solution["n"].value)


def _counts(store: Store, query: str, key: str, *, union: bool) -> dict[str, int]:
    solutions = run_query(store, query, union_default_graph=union)
    return {
        solution[key].value: int(solution["n"].value)
        for solution in solutions
        if isinstance(solution[key], NamedNode)
    }
