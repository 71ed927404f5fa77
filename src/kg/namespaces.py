"""The IRIs the whole package agrees on: base, ontology, identifiers, named graphs and prefixes.

The prefixes are data: shapes/prefixes.ttl declares them (sh:declare), once for every file and
every output, and this module reads that file, the copy that ships with this code.
"""

import pyoxigraph
from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.project import shipped_root

PREFIX_TABLE = shipped_root() / "shapes" / "prefixes.ttl"

_SH_PREFIX = pyoxigraph.NamedNode("http://www.w3.org/ns/shacl#prefix")
_SH_NAMESPACE = pyoxigraph.NamedNode("http://www.w3.org/ns/shacl#namespace")


def _read_prefix_table() -> dict[str, str]:
    """prefix -> namespace, in the file's order, from its SHACL prefix declarations."""
    prefixes: dict[pyoxigraph.NamedNode | pyoxigraph.BlankNode, str] = {}
    namespaces: dict[pyoxigraph.NamedNode | pyoxigraph.BlankNode, str] = {}
    # The parser streams the triples in the document's order.
    for triple in pyoxigraph.parse(path=str(PREFIX_TABLE), format=pyoxigraph.RdfFormat.TURTLE):
        if triple.predicate == _SH_PREFIX:
            prefixes[triple.subject] = triple.object.value
        elif triple.predicate == _SH_NAMESPACE:
            namespaces[triple.subject] = triple.object.value
    return {prefix: namespaces[declaration] for declaration, prefix in prefixes.items()}


# What data files declare, queries may use undeclared, and pages, reports and RDF output write.
PREFIXES: dict[str, str] = _read_prefix_table()

BASE = "https://w3id.org/kg-mali/"
KGO = Namespace(PREFIXES["kgo"])
ID = Namespace(PREFIXES["id"])
GRAPH = Namespace(PREFIXES["graph"])
SHAPES = Namespace(PREFIXES["shapes"])
RULE = Namespace(BASE + "rule/")

SCHEMA = Namespace(PREFIXES["schema"])
W3ORG = Namespace(PREFIXES["w3org"])
SEM = Namespace(PREFIXES["sem"])
SH = Namespace(PREFIXES["sh"])
WD = Namespace(PREFIXES["wd"])

ONTOLOGY_GRAPH = URIRef(GRAPH["ontology"])
INFERRED_GRAPH = URIRef(GRAPH["inferred"])
DERIVED_GRAPH = URIRef(GRAPH["derived"])

__all__ = [
    "BASE", "KGO", "ID", "GRAPH", "SHAPES", "RULE", "SCHEMA", "W3ORG", "SEM", "SH", "WD",
    "ONTOLOGY_GRAPH", "INFERRED_GRAPH", "DERIVED_GRAPH", "PREFIXES", "PREFIX_TABLE",
    "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD",
]
