"""The IRIs the whole package agrees on: base, ontology, identifiers and named graphs."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/kg-mali/"
KGO = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
SHAPES = Namespace(BASE + "shapes#")
RULE = Namespace(BASE + "rule/")

SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
TIME = Namespace("http://www.w3.org/2006/time#")
WD = Namespace("http://www.wikidata.org/entity/")

ONTOLOGY_GRAPH = URIRef(GRAPH["ontology"])
INFERRED_GRAPH = URIRef(GRAPH["inferred"])
DERIVED_GRAPH = URIRef(GRAPH["derived"])

# A prefix per kind of entity, so that queries can say transfer:1961-btr-40 (a prefixed name cannot
# hold the slash of id:transfer/1961-btr-40). Organisations have none: org: is W3C ORG's.
ENTITY_KINDS = (
    "source", "state", "person", "regime", "place", "equipment", "category", "transfer", "event",
    "statement", "cooperation", "office-holding", "office",
)

PREFIXES: dict[str, str] = {
    "kgo": str(KGO),
    "id": str(ID),
    "graph": str(GRAPH),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "sem": str(SEM),
    "time": str(TIME),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "wd": str(WD),
}

# What a query may use without declaring it (kg query, the endpoint): the prefixes above and one
# per kind of entity.
QUERY_PREFIXES: dict[str, str] = {**PREFIXES, **{kind: f"{ID}{kind}/" for kind in ENTITY_KINDS}}

__all__ = [
    "BASE", "KGO", "ID", "GRAPH", "SHAPES", "RULE", "SCHEMA", "ORG", "SEM", "TIME", "WD",
    "ONTOLOGY_GRAPH", "INFERRED_GRAPH", "DERIVED_GRAPH", "PREFIXES", "QUERY_PREFIXES", "ENTITY_KINDS",
    "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD",
]
