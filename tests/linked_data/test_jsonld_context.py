"""JSON-LD for web developers: a published context, and documents that read like plain JSON."""

import pyoxigraph
import rdflib
from flask.testing import FlaskClient
from rdflib.compare import isomorphic

from pages import BASE, rdf_graph

TRANSFER = "/id/transfer/1961-btr-40"
DELIVERY = "/id/delivery/1961-btr-40"


def test_the_context_is_published(client: FlaskClient) -> None:
    response = client.get("/context.jsonld")
    assert (response.status_code, response.content_type) == (200, "application/ld+json")
    context = response.json["@context"]
    assert context["supplier"] == {"@id": BASE + "ontology#supplier", "@type": "@id"}
    assert context["label"] == {
        "@id": "http://www.w3.org/2000/01/rdf-schema#label",
        "@container": "@language",
    }
    assert context["deliveryYear"]["@type"] == "http://www.w3.org/2001/XMLSchema#gYear"
    assert "@type" not in context["quantity"]  # an integer: a JSON number as it is
    assert context["id"] == "@id" and context["type"] == "@type"


def test_an_entity_reads_like_plain_json(client: FlaskClient) -> None:
    response = client.get(TRANSFER, headers={"Accept": "application/json"})
    assert response.content_type == "application/ld+json"
    document = response.json
    # Fetchable where the document came from: the canonical w3id base may not resolve.
    assert document["@context"] == "http://localhost/context.jsonld"
    transfer = document["@graph"][0]  # the resource first, then what links to it
    assert transfer["id"] == BASE + "id/transfer/1961-btr-40"
    assert "ArmsDeal" in transfer["type"]
    assert transfer["label"] == {
        "en": "1961: 15 BTR-40 from the USSR to Mali",
        "fr": "1961 : 15 BTR-40 de l’URSS au Mali",
    }
    assert transfer["supplier"] == BASE + "id/state/ussr"
    assert transfer["delivery"] == [BASE + "id/delivery/1961-btr-40"]
    assert transfer["claimedBy"] == [BASE + "id/person/madiba-keita"]
    delivery = client.get(DELIVERY, headers={"Accept": "application/json"}).json["@graph"][0]
    assert delivery["deliveryOf"] == BASE + "id/transfer/1961-btr-40"
    assert delivery["numberDelivered"] == BASE + "id/quantity/1961-btr-40-delivered"
    assert delivery["deliveryYear"] == "1961"
    assert delivery["regimeInPower"] == [BASE + "id/regime/mali-modibo-keita"]


def test_json_ld_and_turtle_twins_say_the_same(
    client: FlaskClient, built_store: pyoxigraph.Store
) -> None:
    jsonld = rdf_graph(client, client.get(TRANSFER + ".jsonld").data, "json-ld")
    turtle = rdf_graph(client, client.get(TRANSFER + ".ttl").data, "turtle")
    deal = pyoxigraph.NamedNode(BASE + TRANSFER[1:])
    # Its own facts and the facts pointing at it, from every graph, each once.
    described = {q.triple for q in built_store.quads_for_pattern(deal, None, None, None)} | {
        q.triple for q in built_store.quads_for_pattern(None, None, deal, None)
    }
    # Neither prov:wasAttributedTo nor schema:object is inferred any more (issue #12's review).
    assert len(turtle.default_context) == len(described) == 18
    assert isomorphic(jsonld.default_context, turtle.default_context)


def test_the_ontology_as_json_ld_round_trips(client: FlaskClient) -> None:
    jsonld = rdf_graph(client, client.get("/ontology.jsonld").data, "json-ld")
    turtle = rdf_graph(client, client.get("/ontology.ttl").data, "turtle")
    assert isomorphic(jsonld.default_context, turtle.default_context)
    assert (rdflib.URIRef(BASE + "ontology#ArmsTransfer"), None, None) in jsonld.default_context


def test_a_rebased_site_points_to_the_context_under_its_public_base(make_app) -> None:
    client = make_app(base_iri="http://mirror.example/kg/").test_client()
    document = client.get(TRANSFER, headers={"Accept": "application/ld+json"}).json
    assert document["@context"] == "http://mirror.example/kg/context.jsonld"
