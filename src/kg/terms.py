"""RDF terms between rdflib and pyoxigraph: the one place that converts them, either way.

rdflib parses the files and runs the reasoners and pySHACL; pyoxigraph holds the dataset and
answers queries. RDF 1.1 makes "x" and "x"^^xsd:string one and the same term: pyoxigraph always
writes the datatype, while rdflib reads "x" as a plain Literal and tells it apart from a typed
one, so sh:in and sh:hasValue would miss values that match. A string literal from pyoxigraph
therefore becomes the plain Literal rdflib would have read from the file.
"""

import functools
from collections.abc import Iterable, Iterator

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib import BNode, Dataset, URIRef
from rdflib import Literal as RdflibLiteral
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import KgError

# A term of pyoxigraph's, as a quad's subject, predicate or object.
Term = NamedNode | BlankNode | Literal | Triple

_XSD_STRING = str(XSD.string)


def to_oxigraph(node: Node) -> Term:
    """The pyoxigraph term for an rdflib IRI, blank node or literal."""
    if isinstance(node, URIRef):
        return NamedNode(str(node))
    if isinstance(node, BNode):
        return BlankNode(str(node))
    if isinstance(node, RdflibLiteral):
        if node.language:
            return Literal(str(node), language=node.language)
        if node.datatype is not None:
            return Literal(str(node), datatype=NamedNode(str(node.datatype)))
        return Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


def to_rdflib(term: Term) -> Node:
    """The rdflib term for a pyoxigraph IRI, blank node or literal; strings become plain literals."""
    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return BNode(term.value)
    if isinstance(term, Literal):
        if term.language:
            return RdflibLiteral(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return RdflibLiteral(term.value)
        return RdflibLiteral(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"rdflib has no term for {term!r}")


def oxigraph_quads(
    triples: Iterable[tuple[Node, Node, Node]], graph: URIRef
) -> Iterator[pyoxigraph.Quad]:
    """rdflib triples as pyoxigraph quads in `graph`, each distinct term converted once."""
    convert = functools.cache(to_oxigraph)
    name = NamedNode(str(graph))
    for s, p, o in triples:
        yield pyoxigraph.Quad(convert(s), convert(p), convert(o), name)


def store_from_dataset(dataset: Dataset) -> pyoxigraph.Store:
    """An in-memory store holding the dataset's quads, handed over as one N-Quads document."""
    nquads = dataset.serialize(format="nquads", encoding="utf-8")
    store = pyoxigraph.Store()
    try:
        store.bulk_load(nquads, pyoxigraph.RdfFormat.N_QUADS)
    except SyntaxError as err:
        # The loader checks every file strictly, so this means a dataset built some other way.
        raise KgError(f"the dataset does not load into the store: {err.msg}") from err
    return store


def dataset_from_store(store: pyoxigraph.Store) -> Dataset:
    """A new rdflib Dataset holding the store's quads, each distinct term converted once."""
    dataset = Dataset()
    convert = functools.cache(to_rdflib)
    graph = functools.cache(lambda name: dataset.graph(_graph_identifier(name)))
    dataset.addN(
        (convert(q.subject), convert(q.predicate), convert(q.object), graph(q.graph_name))
        for q in store
    )
    return dataset


def _graph_identifier(name: NamedNode | BlankNode | pyoxigraph.DefaultGraph) -> Node:
    if isinstance(name, pyoxigraph.DefaultGraph):
        return DATASET_DEFAULT_GRAPH_ID
    return to_rdflib(name)
