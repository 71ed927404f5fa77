"""A query's default graph as SPARQL makes it from the graphs it names: their RDF merge.

The default graph that FROM clauses (or the protocol's `default-graph-uri` parameters) name is the
RDF merge of those graphs (SPARQL 1.1, 13.2.2): a triple two of them hold is in it once.
pyoxigraph evaluates over their union instead, a triple once per graph that holds it (and twice
for `FROM <g> FROM <g>`), so COUNTs and plain SELECTs go wrong as soon as two sources state the
same fact: the flaw kg.store.with_merged_default_graph mends for the store's own default graph.

So when two graphs or more make a query's default graph, their merge is written into a scratch
graph of the store under a fresh name, for this one query, and the query runs with it as its
default graph. Nothing else sees it: the query's named graphs stay the ones it names (FROM NAMED,
`named-graph-uri`; with FROM and none of those, none at all), and the scratch graph is removed
once the answer is written, before the store serves another query. The copy costs 1.5 to 3 µs a
triple of the graphs named, written and removed (measured on the project's build: 5.6 ms for all
3,600 triples, 7.5 ms for its two largest graphs), paid within the query's own time and memory
limits. Queries naming one graph, or none, pay only a search of their text (under a microsecond
for a common query, 1.4 ms for a megabyte). Merges are not kept from one query to the next: a
kept one would be among the named graphs of every query that names none (`GRAPH ?g`), and the
endpoint's answer cache already replays repeated queries.

The FROM list is read from the query's tokens (kg.screening.dataset_clauses: the prologue and
the clauses before the first group), and only from texts where FROM appears twice or more outside
FROM NAMED; prefixed names and relative IRIs are resolved as the parser resolves them. (It was
read with rdflib's parser at first: 5 ms a query, and blind to the syntax rdflib lacks, such as
RDF 1.2 triple terms, where the union came back.) A name that cannot be resolved leaves the query
to pyoxigraph, which refuses it.
"""

import re
import uuid
from urllib.parse import urljoin
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import pyoxigraph
from pyoxigraph import NamedNode

from kg.screening import dataset_clauses

# A default-graph FROM, or something that looks like one: only texts with two are read in full.
_DEFAULT_FROM = re.compile(r"\bFROM\b(?!\s+NAMED\b)", re.IGNORECASE)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# A prefixed name's local part may escape punctuation with a backslash (PN_LOCAL_ESC).
_PLX_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


@contextmanager
def merged_default_graph(
    store: pyoxigraph.Store,
    text: str,
    dataset: Mapping[str, object],
    *,
    base_iri: str | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> Iterator[dict[str, object]]:
    """The dataset arguments of `store.query` for `text`, its default graph a merge, not a union.

    `dataset` holds the protocol's `default_graph` and `named_graphs` when the request gave
    them, else nothing (the query's own FROM clauses then count). Results must be consumed
    within the block: the merge is gone after it. Meanwhile the store must answer this query
    alone (as a query worker and `kg query` do): another would see the merge among its graphs.
    """
    given = dataset.get("default_graph")
    if isinstance(given, list):
        graphs: list[NamedNode] | None = given
    else:
        graphs = _default_graphs_of(text, base_iri, prefixes)
    distinct = list(dict.fromkeys(graphs or ()))
    if graphs is None or len(graphs) < 2:
        yield dict(dataset)
    elif len(distinct) == 1:
        yield {**dataset, "default_graph": distinct}
    else:
        scratch = NamedNode(f"urn:uuid:{uuid.uuid4()}")
        _write_merge(store, distinct, scratch)
        try:
            yield {**dataset, "default_graph": [scratch]}
        finally:
            store.remove_graph(scratch)


def _default_graphs_of(
    text: str, base_iri: str | None, prefixes: Mapping[str, str] | None
) -> list[NamedNode] | None:
    """The graphs the query's FROM clauses name, in order; None when there are fewer than two,
    or when a name cannot be resolved (pyoxigraph's parser will then say why)."""
    # Counting first: 0.4 µs for a common query, where the regular expression alone takes 7.
    if text.lower().count("from") < 2 or len(_DEFAULT_FROM.findall(text)) < 2:
        return None
    clauses = dataset_clauses(text)
    base = urljoin(base_iri or "", _unescaped(clauses.base)) if clauses.base else base_iri
    declared = {**(prefixes or {}), **clauses.prefixes}
    graphs = []
    for name in clauses.default_graphs:
        if name.startswith("<"):
            iri = _unescaped(name[1:-1])
        else:
            prefix, _, local = name.partition(":")
            if prefix not in declared:
                return None
            iri = _unescaped(declared[prefix]) + _PLX_ESCAPE.sub(r"\1", local)
        resolved = urljoin(base, iri) if base else iri
        if ":" not in resolved:
            return None  # relative, with no base to resolve it against
        graphs.append(NamedNode(resolved))
    return graphs if len(graphs) >= 2 else None


def _unescaped(iri: str) -> str:
    """The IRI with its \\uXXXX and \\UXXXXXXXX escapes decoded, as the parser decodes them."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


def _write_merge(store: pyoxigraph.Store, graphs: Sequence[NamedNode], into: NamedNode) -> None:
    # One update, evaluated in Rust: copying through Python objects took four times as long.
    names = " ".join(str(graph) for graph in graphs)
    store.update(
        f"INSERT {{ GRAPH {into} {{ ?s ?p ?o }} }} "
        f"WHERE {{ VALUES ?g {{ {names} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    )
