"""Writing the whole dataset out in one RDF format, in a stable order."""

from collections.abc import Iterator
from typing import BinaryIO

import pyoxigraph
from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store, Triple
from rdflib import Dataset

from kg.errors import UnsupportedFormat
from kg.querying import used_prefixes
from kg.terms import store_from_dataset

EXPORT_FORMATS: dict[str, RdfFormat] = {
    "trig": RdfFormat.TRIG,
    "nquads": RdfFormat.N_QUADS,
    "jsonld": RdfFormat.JSON_LD,
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
}
# These formats hold a single graph: all named graphs are merged into it.
FLATTENING_FORMATS = frozenset({"turtle", "ntriples", "rdfxml"})
_LINE_FORMATS = frozenset({"nquads", "ntriples"})


def export_dataset(source: Dataset | Store, fmt: str, out: BinaryIO) -> None:
    """Write every quad (or, for a flattening format, every distinct triple) to `out`.

    Statements are sorted, and N-Quads/N-Triples lines sorted bytewise, so the same dataset
    exports to the same bytes; blank node labels are the one thing that may differ.
    """
    if fmt not in EXPORT_FORMATS:
        known = ", ".join(EXPORT_FORMATS)
        raise UnsupportedFormat(f"unknown export format {fmt!r}; use one of {known}")
    # A Store, or a build's graphs (kg.store.NamedGraphs), is read as it is.
    store = store_from_dataset(source) if isinstance(source, Dataset) else source
    statements: list[Quad] | list[Triple] = sorted(store, key=_quad_order)
    if fmt in FLATTENING_FORMATS:
        statements = sorted({quad.triple for quad in statements}, key=_triple_order)
    prefixes = used_prefixes(_terms(statements))
    data = pyoxigraph.serialize(statements, format=EXPORT_FORMATS[fmt], prefixes=prefixes)
    if fmt in _LINE_FORMATS:
        data = b"".join(sorted(set(data.splitlines(keepends=True))))
    out.write(data)


def _terms(statements: list[Quad] | list[Triple]) -> Iterator[object]:
    for statement in statements:
        yield from (statement.subject, statement.predicate, statement.object)
        if isinstance(statement, Quad):
            yield statement.graph_name


def _triple_order(triple: Triple) -> tuple[str, str, str]:
    return str(triple.subject), str(triple.predicate), str(triple.object)


def _quad_order(quad: Quad) -> tuple[bool, str, str, str, str]:
    # The default graph first, then the named graphs by name, so TriG groups each graph once.
    named = not isinstance(quad.graph_name, DefaultGraph)
    return (named, str(quad.graph_name), *_triple_order(quad.triple))
