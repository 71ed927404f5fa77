"""VoID at /.well-known/void: counts, partitions, dumps, endpoint, licence and sources."""

import hashlib

import pyoxigraph
import rdflib
from flask.testing import FlaskClient
from rdflib import Literal, Namespace, URIRef

from pages import BASE, arms_deals, parse_html, text_of

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
KGO = Namespace(BASE + "ontology#")
DATASET = URIRef(BASE + ".well-known/void#dataset")


def _void(client: FlaskClient) -> rdflib.Graph:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert (response.status_code, response.content_type) == (200, "text/turtle; charset=utf-8")
    return rdflib.Graph().parse(data=response.data, format="turtle")


def _int(graph: rdflib.Graph, subject: object, predicate: URIRef) -> int:
    value = graph.value(subject, predicate)  # type: ignore[arg-type]
    assert value is not None, predicate
    return int(value)


def test_counts_match_the_data(client: FlaskClient, built_store: pyoxigraph.Store) -> None:
    graph = _void(client)
    triples = {q.triple for q in built_store}
    subjects = {q.subject.value for q in built_store if isinstance(q.subject, pyoxigraph.NamedNode)}
    assert _int(graph, DATASET, VOID.triples) == len(triples)
    assert _int(graph, DATASET, VOID.entities) == len(
        {s for s in subjects if s.startswith(BASE + "id/")}
    )
    classes = list(graph.objects(DATASET, VOID.classPartition))
    properties = list(graph.objects(DATASET, VOID.propertyPartition))
    assert _int(graph, DATASET, VOID.classes) == len(classes)
    assert _int(graph, DATASET, VOID.properties) == len(properties)
    # The first deal, in IRI order, is the example a visitor is shown.
    assert graph.value(DATASET, VOID.exampleResource) == URIRef(BASE + "id/transfer/1961-btr-40")
    [transfers] = [p for p in classes if graph.value(p, VOID["class"]) == KGO.ArmsDeal]
    assert _int(graph, transfers, VOID.entities) == len(arms_deals(built_store))
    [supplier] = [p for p in properties if graph.value(p, VOID.property) == KGO.supplier]
    assert _int(graph, supplier, VOID.triples) == len(
        {t for t in triples if t.predicate.value == str(KGO.supplier)}
    )


def test_endpoint_licence_sources_and_uri_space(client: FlaskClient) -> None:
    graph = _void(client)
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert graph.value(DATASET, VOID.uriSpace) == Literal(BASE + "id/")
    assert graph.value(DATASET, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert URIRef(BASE + "id/source/essor-2022-01-21-mali-russie") in set(
        graph.objects(DATASET, DCTERMS.source)
    )
    assert URIRef(str(KGO)) in set(graph.objects(DATASET, VOID.vocabulary))


def test_every_dump_is_described_and_matches_its_file(client: FlaskClient) -> None:
    graph = _void(client)
    subsets = list(graph.objects(DATASET, VOID.subset))
    assert len(subsets) == 2
    dumps = [d for s in subsets for d in graph.objects(s, VOID.dataDump)]
    assert len(dumps) == 10
    # The whole dataset's dumps: the two N-Quads files, which hold every quad once.
    assert sorted(str(d).rsplit("/", 1)[1] for d in graph.objects(DATASET, VOID.dataDump)) == [
        "kg-mali-asserted.nq",
        "kg-mali-inferred.nq",
    ]
    for dump in dumps:
        path = "/" + str(dump)[len(BASE) :]
        data = client.get(path).data
        assert _int(graph, dump, DCAT.byteSize) == len(data)
        checksum = graph.value(dump, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()


def test_the_void_page_for_people(client: FlaskClient) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Class partitions" in text_of(parse_html(response.data).find(".//main"))
