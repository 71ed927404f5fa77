"""The VoID description of the dataset: its size, classes and properties, dumps and endpoint.

Served at /.well-known/void (RFC 5785, as VoID recommends). The dataset is split into the two
parts of the dumps (asserted, inferred), each a void:subset with its own dump files; the whole
dataset's void:dataDump are the two N-Quads files, which together hold every quad once. Counts
are over the merged graph: a triple two sources both state counts once.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from kg.resource_description import TYPE
from kg.dumps import PARTS, Dump
from kg.iri_space import IriSpace
from kg.namespaces import DCTERMS, KGO, ONTOLOGY_GRAPH, PREFIXES, RDFS
from kg.stats import DatasetStats

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
FORMATS = "http://www.w3.org/ns/formats/"
XSD = "http://www.w3.org/2001/XMLSchema#"
VOID_PATH = ".well-known/void"
DUMPS_PATH = "dumps/"
SPARQL_PATH = "sparql"
ENTITY_PATH = "id/"
VOID_PREFIXES = {
    "void": VOID,
    "dcat": DCAT,
    "foaf": FOAF,
    "spdx": SPDX,
    "formats": FORMATS,
    **PREFIXES,
}
# The formats a client can ask the server for (entity pages, dumps and the endpoint).
_SERVED_FORMATS = ("Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads")
_TITLE = "kg-mali: a knowledge graph of Mali's military cooperation"
_DESCRIPTION = (
    "Soviet and Russian arms deliveries to Mali, the regimes that received them, the wars and "
    "rebellions since, and the 2021 Moscow meeting, each fact with the verbatim quote of its "
    "source. OWL 2 RL entailments and rule-derived links are kept apart from the asserted facts."
)


@dataclass(frozen=True)
class VoidFacts:
    """What the description counts and names, gathered once from the store."""

    stats: DatasetStats
    entities: int  # distinct IRIs under id/ that are the subject of a fact
    licences: tuple[str, ...]  # the ontology's dcterms:license
    sources: tuple[str, ...]  # every kgo:Source (and subclass) instance
    example: str | None
    part_triples: dict[str, int]


def gather(store: Store, stats: DatasetStats, iri_space: IriSpace) -> VoidFacts:
    entity_base = iri_space.data_base + ENTITY_PATH
    subjects = {q.subject.value for q in store if isinstance(q.subject, NamedNode)}
    entities = sorted(s for s in subjects if s.startswith(entity_base))
    ontology = NamedNode(str(ONTOLOGY_GRAPH))
    licences = sorted(
        {
            q.object.value
            for q in store.quads_for_pattern(None, NamedNode(str(DCTERMS.license)), None, ontology)
            if isinstance(q.object, NamedNode)
        }
    )
    source_classes = {
        NamedNode(str(KGO.Source)),
        NamedNode(str(KGO.Article)),
        NamedNode(str(KGO.BackgroundCompilation)),
    }
    sources = sorted(
        {
            q.subject.value
            for c in source_classes
            for q in store.quads_for_pattern(None, TYPE, c, None)
            if isinstance(q.subject, NamedNode)
        }
    )
    deals = sorted(
        q.subject.value
        for q in store.quads_for_pattern(None, TYPE, NamedNode(str(KGO.ArmsDeal)), None)
        if isinstance(q.subject, NamedNode)
    )
    part_triples = {part.name: len({q.triple for q in store if part.holds(q)}) for part in PARTS}
    return VoidFacts(
        stats=stats,
        entities=len(entities),
        licences=tuple(licences),
        sources=tuple(sources),
        example=next(iter(deals or entities), None),
        part_triples=part_triples,
    )


def void_triples(facts: VoidFacts, dumps: Iterable[Dump], iri_space: IriSpace) -> list[Triple]:
    """The description, with every IRI as `iri_space` publishes it."""
    document = iri_space.public_iri(VOID_PATH)
    dataset = NamedNode(document + "#dataset")
    out: list[Triple] = []

    def add(s: NamedNode | BlankNode, p: str, o: NamedNode | BlankNode | Literal) -> None:
        out.append(Triple(s, NamedNode(p), o))

    def public(iri: str) -> NamedNode:
        published = iri_space.publish(NamedNode(iri))
        assert isinstance(published, NamedNode)
        return published

    stats = facts.stats
    add(dataset, str(TYPE.value), NamedNode(VOID + "Dataset"))
    add(dataset, str(DCTERMS.title), Literal(_TITLE, language="en"))
    add(dataset, str(DCTERMS.description), Literal(_DESCRIPTION, language="en"))
    add(dataset, FOAF + "homepage", NamedNode(iri_space.public_iri("")))
    add(dataset, VOID + "sparqlEndpoint", NamedNode(iri_space.public_iri(SPARQL_PATH)))
    add(dataset, VOID + "uriSpace", Literal(iri_space.public_iri(ENTITY_PATH)))
    for licence in facts.licences:
        add(dataset, str(DCTERMS.license), NamedNode(licence))
    for source in facts.sources:
        add(dataset, str(DCTERMS.source), public(source))
    if facts.example:
        add(dataset, VOID + "exampleResource", public(facts.example))
    for name in _SERVED_FORMATS:
        add(dataset, VOID + "feature", NamedNode(FORMATS + name))
    for namespace in _vocabularies(stats):
        add(dataset, VOID + "vocabulary", public(namespace))
    add(dataset, VOID + "triples", _integer(stats.triples))
    add(dataset, VOID + "entities", _integer(facts.entities))
    add(dataset, VOID + "classes", _integer(len(stats.classes)))
    add(dataset, VOID + "properties", _integer(len(stats.properties)))
    for cls, count in stats.classes.items():
        partition = BlankNode()
        add(dataset, VOID + "classPartition", partition)
        add(partition, VOID + "class", public(cls))
        add(partition, VOID + "entities", _integer(count))
    for prop, count in stats.properties.items():
        partition = BlankNode()
        add(dataset, VOID + "propertyPartition", partition)
        add(partition, VOID + "property", public(prop))
        add(partition, VOID + "triples", _integer(count))
    dumps = list(dumps)
    for part in PARTS:
        subset = NamedNode(f"{document}#{part.name}")
        add(dataset, VOID + "subset", subset)
        add(subset, str(TYPE.value), NamedNode(VOID + "Dataset"))
        add(subset, str(DCTERMS.title), Literal(part.title, language="en"))
        add(subset, VOID + "triples", _integer(facts.part_triples.get(part.name, 0)))
        for dump in dumps:
            if dump.part.name != part.name:
                continue
            file = NamedNode(iri_space.public_iri(DUMPS_PATH + dump.file_name))
            add(subset, VOID + "dataDump", file)
            if dump.format.name == "nquads":
                add(dataset, VOID + "dataDump", file)
            add(file, str(DCTERMS.format), Literal(dump.format.media_type))
            add(file, DCAT + "mediaType", Literal(dump.format.media_type))
            add(
                file,
                DCAT + "byteSize",
                Literal(str(dump.size), datatype=NamedNode(XSD + "nonNegativeInteger")),
            )
            checksum = BlankNode()
            add(file, SPDX + "checksum", checksum)
            add(checksum, SPDX + "algorithm", NamedNode(SPDX + "checksumAlgorithm_sha256"))
            add(
                checksum,
                SPDX + "checksumValue",
                Literal(dump.sha256, datatype=NamedNode(XSD + "hexBinary")),
            )
    add(dataset, str(RDFS.seeAlso), NamedNode(iri_space.public_iri("ontology")))
    return out


def _vocabularies(stats: DatasetStats) -> list[str]:
    """The namespaces (among kg's prefixes) of the classes and properties in use."""
    used = [*stats.classes, *stats.properties]
    return sorted({ns for ns in PREFIXES.values() if any(iri.startswith(ns) for iri in used)})


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))
