"""JSON-LD that reads like plain JSON: the published context, and documents compacted with it.

The context is made from the ontology: every kgo property gets its local name as key
(`supplier`, `deliveryYear`), object properties hold IRIs as plain strings, and a property
whose range is one XSD datatype holds its value as a plain string or number. Labels, definitions
and evidence are language maps (`"label": {"en": "…", "fr": "…"}`); an object property that is
not functional is always an array, so a client never has to guess between a value and a list.

Documents are compacted with that context (rdflib's JSON-LD compaction) and then refer to it by
its URL rather than embedding it, as schema.org's documents do.
"""

import json
from collections.abc import Iterable
from typing import Any

import pyoxigraph
from pyoxigraph import NamedNode, RdfFormat, Store, Triple
from rdflib import Graph

from kg.resource_description import graph_quads
from kg.namespaces import DCTERMS, ID, KGO, ONTOLOGY_GRAPH, OWL, PREFIXES, PROV, RDF, RDFS, SKOS, XSD
from kg.terms import to_rdflib

CONTEXT_FILE = "context.jsonld"

# Terms from other vocabularies that kg's documents use, by short key.
_LANGUAGE_MAPS = {
    "label": RDFS.label,
    "comment": RDFS.comment,
    "altLabel": SKOS.altLabel,
    "prefLabel": SKOS.prefLabel,
    "definition": SKOS.definition,
    "title": DCTERMS.title,
    "description": DCTERMS.description,
}
_IRI_VALUED = {
    "wasDerivedFrom": PROV.wasDerivedFrom,
    "wasGeneratedBy": PROV.wasGeneratedBy,
    "exactMatch": SKOS.exactMatch,
    "closeMatch": SKOS.closeMatch,
    "inScheme": SKOS.inScheme,
    "broader": SKOS.broader,
    "narrower": SKOS.narrower,
    "hasTopConcept": SKOS.hasTopConcept,
    "topConceptOf": SKOS.topConceptOf,
    "creator": DCTERMS.creator,
    "publisher": DCTERMS.publisher,
    "license": DCTERMS.license,
    "seeAlso": RDFS.seeAlso,
    "subClassOf": RDFS.subClassOf,
    "subPropertyOf": RDFS.subPropertyOf,
    "domain": RDFS.domain,
    "range": RDFS.range,
    "inverseOf": OWL.inverseOf,
    "disjointWith": OWL.disjointWith,
}
_PLAIN = {"issued": DCTERMS.issued, "created": DCTERMS.created, "language": DCTERMS.language}
_LANGUAGE_TAGGED_KGO = ("evidence", "editorialNote")
_TEXT_DATATYPES = frozenset({str(XSD.string), str(RDF.langString)})
# JSON's own numbers and booleans are these types already (15, true): no coercion needed, and a
# client reads a number, not a string.
_NATIVE_DATATYPES = frozenset({str(XSD.integer), str(XSD.boolean)})


def jsonld_context(store: Store) -> dict[str, Any]:
    """The context object (the value of "@context"), from the ontology graph in the store."""
    # Entities keep their whole IRIs, which a client can follow; and in JSON `id` had better be
    # the node's identifier.
    prefixes = {prefix: ns for prefix, ns in PREFIXES.items() if not ns.startswith(ID)}
    context: dict[str, Any] = {"@version": 1.1, "@vocab": str(KGO), **prefixes}
    context.update({"id": "@id", "type": "@type"})
    context.update(_kgo_terms(store))
    for key, iri in _LANGUAGE_MAPS.items():
        context[key] = {"@id": str(iri), "@container": "@language"}
    for key, iri in _IRI_VALUED.items():
        context[key] = {"@id": str(iri), "@type": "@id", "@container": "@set"}
    for key, iri in _PLAIN.items():
        context[key] = {"@id": str(iri)}
    for key in _LANGUAGE_TAGGED_KGO:
        context[key] = {"@id": str(KGO[key]), "@container": "@language"}
    return dict(sorted(context.items(), key=lambda item: (not item[0].startswith("@"), item[0])))


def _kgo_terms(store: Store) -> dict[str, Any]:
    ontology = Graph()
    for quad in graph_quads(store, NamedNode(str(ONTOLOGY_GRAPH))):
        ontology.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    functional = set(ontology.subjects(RDF.type, OWL.FunctionalProperty))
    terms: dict[str, Any] = {}
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in sorted(set(ontology.subjects(RDF.type, kind)), key=str):
            if not str(prop).startswith(str(KGO)):
                continue
            definition: dict[str, Any] = {"@id": str(prop)}
            if kind == OWL.ObjectProperty:
                definition["@type"] = "@id"
            else:
                ranges = [str(r) for r in ontology.objects(prop, RDFS.range)]
                plain = _TEXT_DATATYPES | _NATIVE_DATATYPES
                if len(ranges) == 1 and ranges[0].startswith(str(XSD)) and ranges[0] not in plain:
                    definition["@type"] = ranges[0]
            # Only IRI-valued properties: rdflib's compaction cannot put a typed literal under a
            # term with a @set container and falls back to the full IRI.
            if kind == OWL.ObjectProperty and prop not in functional:
                definition["@container"] = "@set"
            terms[str(prop)[len(str(KGO)) :]] = definition
    return terms


def context_document(context: dict[str, Any]) -> bytes:
    return (json.dumps({"@context": context}, ensure_ascii=False, indent=2) + "\n").encode()


def compact_document(
    triples: Iterable[Triple], context: dict[str, Any], context_url: str, main: str | None = None
) -> bytes:
    """JSON-LD of the triples, compacted with `context` and pointing to it at `context_url`.

    The node `main` (the resource the document is about) comes first in "@graph".
    """
    graph = Graph()
    data = pyoxigraph.serialize(list(triples), format=RdfFormat.N_TRIPLES)
    graph.parse(data=data, format="nt")
    compacted = json.loads(graph.serialize(format="json-ld", context=context))
    nodes = compacted.get("@graph")
    if main is not None and isinstance(nodes, list):
        nodes.sort(key=lambda node: node.get("id") != main)
    # "@context" first, as every JSON-LD example shows it; the rest as rdflib ordered it.
    ordered = {"@context": context_url, **{k: v for k, v in compacted.items() if k != "@context"}}
    return (json.dumps(ordered, ensure_ascii=False, indent=2) + "\n").encode()

