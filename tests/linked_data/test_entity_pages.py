"""Entity pages: what a person sees at an identifier, and the RDF a program gets there."""

from collections.abc import Callable

import pyoxigraph
import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient

from pages import BASE, arms_deals, graph_size, hrefs, parse_html, rdf_graph, text_of

TRANSFER = "/id/transfer/1961-btr-40"
TRANSFER_IRI = BASE + TRANSFER[1:]
DELIVERY = "/id/delivery/1961-btr-40"
DELIVERY_IRI = BASE + DELIVERY[1:]
KGO = rdflib.Namespace(BASE + "ontology#")


def page(client: FlaskClient, path: str):  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    assert response.content_type == "text/html; charset=utf-8"
    return response, parse_html(response.data)


def test_the_transfer_page_shows_labels_type_facts_evidence_and_source(client: FlaskClient) -> None:
    _, doc = page(client, TRANSFER)
    assert text_of(doc.find(".//h1")) == "1961: 15 BTR-40 from the USSR to Mali"
    text = text_of(doc.find(".//main"))
    assert "1961 : 15 BTR-40 de l’URSS au Mali" in text  # the French label too
    assert "Type: arms deal" in text
    assert TRANSFER_IRI in text
    # The evidence, verbatim: curly apostrophe and no-break spaces kept.
    quotes = [e.text for e in doc.iter("q")]
    assert "l’Union soviétique a livré 15 blindés\xa0BTR-40 au Mali\xa0 en\xa01961" in quotes
    links = set(hrefs(doc))
    # Every neighbour is a link to its page on this site.
    for neighbour in (
        "/id/state/ussr",
        "/id/state/mali",
        "/id/equipment/btr-40",
        "/id/source/essor-2022-01-21-mali-russie",
        "/ontology#supplier",
    ):
        assert neighbour in links, neighbour


def test_each_fact_cites_its_source(client: FlaskClient) -> None:
    _, doc = page(client, TRANSFER)
    facts = doc.find(".//section[@aria-labelledby='facts-h']")
    rows = facts.findall(".//tbody/tr")
    # delivery, equipment as written, equipment model, recipient, status, supplier: who claims
    # them is in "According to", not among the facts.
    assert len(rows) == 6
    for row in rows:
        cite = row.find(".//a[@class='cite']")
        assert cite is not None and cite.get("href") == "#source-1"
    source = doc.find(".//li[@id='source-1']")
    assert "Mali–Russia: military cooperation, past and present" in text_of(source)


def test_derived_regime_links_name_their_rule(client: FlaskClient) -> None:
    _, doc = page(client, DELIVERY)  # the regime in power when the deal's delivery was made
    derived = doc.find(".//section[@id='derived']")
    assert "Modibo Keïta regime" in text_of(derived)
    links = set(hrefs(derived))
    assert {"/id/regime/mali-modibo-keita", "/rule/regime-in-power-of-transfers"} <= links


def test_incoming_links_and_wikidata_matches(client: FlaskClient) -> None:
    _, doc = page(client, "/id/state/ussr")
    incoming = doc.find(".//section[@aria-labelledby='incoming-h']")
    assert TRANSFER in set(hrefs(incoming))
    matches = doc.find(".//section[@aria-labelledby='matches-h']")
    assert "http://www.wikidata.org/entity/Q15180" in set(hrefs(matches))


def test_definitions_and_inferred_types_are_shown(client: FlaskClient) -> None:
    _, doc = page(client, "/id/person/madiba-keita")
    assert "Journalist at L'Essor" in text_of(
        doc.find(".//section[@aria-labelledby='definition-h']")
    )
    assert "by inference also" in text_of(doc.find(".//p[@class='types']"))


def test_pages_link_their_rdf_twins_in_head_and_header(client: FlaskClient) -> None:
    response, doc = page(client, TRANSFER)
    alternates = {
        e.get("type"): e.get("href") for e in doc.iter("link") if e.get("rel") == "alternate"
    }
    assert alternates == {  # its twins, not itself
        "text/turtle": TRANSFER + ".ttl",
        "application/ld+json": TRANSFER + ".jsonld",
        "application/n-triples": TRANSFER + ".nt",
        "application/rdf+xml": TRANSFER + ".rdf",
        "application/trig": TRANSFER + ".trig",
        "application/n-quads": TRANSFER + ".nq",
    }
    header = response.headers["Link"]
    assert header == ", ".join(
        f'<{href}>; rel="alternate"; type="{media_type}"' for media_type, href in alternates.items()
    )
    assert response.headers["Content-Location"] == TRANSFER + ".html"
    assert "Accept" in response.vary


def test_rdf_keeps_the_canonical_iris_and_both_directions(client: FlaskClient) -> None:
    response = client.get(TRANSFER, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.content_type == "text/turtle; charset=utf-8"
    assert response.headers["Content-Location"] == TRANSFER + ".ttl"
    graph = rdf_graph(client, response.data, "turtle")
    transfer, delivery = rdflib.URIRef(TRANSFER_IRI), rdflib.URIRef(DELIVERY_IRI)
    assert (transfer, KGO.supplier, rdflib.URIRef(BASE + "id/state/ussr")) in graph
    assert (transfer, KGO.delivery, delivery) in graph
    # Facts pointing at it are part of its description too (as DBpedia's are): the inverse link.
    assert (delivery, KGO.deliveryOf, transfer) in graph
    delivered = rdf_graph(client, client.get(DELIVERY + ".ttl").data, "turtle")
    quantity = rdflib.URIRef(BASE + "id/quantity/1961-btr-40-delivered")
    assert (delivery, KGO.numberDelivered, quantity) in delivered
    regime = rdflib.URIRef(BASE + "id/regime/mali-modibo-keita")
    assert (delivery, KGO.regimeInPower, regime) in delivered


def test_trig_keeps_each_fact_in_its_source_graph(client: FlaskClient) -> None:
    response = client.get(DELIVERY + ".trig")
    assert response.content_type == "application/trig"
    dataset = rdf_graph(client, response.data, "trig")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert {
        BASE + "graph/essor-2022-01-21-mali-russie",
        BASE + "graph/derived",
        BASE + "graph/inferred",
    } <= graphs


def test_a_graph_iri_answers_with_the_graph(
    client: FlaskClient, built_store: pyoxigraph.Store
) -> None:
    response = client.get("/graph/background.nt")
    assert response.status_code == 200
    graph = rdf_graph(client, response.data, "nt")
    size = graph_size(built_store, BASE + "graph/background")
    assert len(graph) == size > 0
    _, doc = page(client, "/graph/background")
    assert f"names a graph of {size} triples" in text_of(doc.find(".//main"))


def test_rule_statements_resolve(client: FlaskClient) -> None:
    page(client, "/rule/regime-in-power-of-transfers")


@pytest.mark.parametrize("accept", ["text/html", "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_an_unknown_iri_is_a_404_page_for_browsers(client: FlaskClient, accept: str) -> None:
    response = client.get("/id/transfer/2099-nothing", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    doc = parse_html(response.data)
    assert text_of(doc.find(".//h1")) == "Not found"
    assert f"<{BASE}id/transfer/2099-nothing> is not in the graph" in text_of(doc.find(".//main"))


def test_an_unknown_iri_is_the_error_shape_for_programs(client: FlaskClient) -> None:
    response = client.get("/id/transfer/2099-nothing.ttl", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {
        "error": {"status": 404, "message": f"<{BASE}id/transfer/2099-nothing> is not in the graph"}
    }
    response = client.get("/id/transfer/2099-nothing", headers={"Accept": "text/turtle"})
    assert (response.status_code, response.content_type) == (404, "text/plain; charset=utf-8")


def test_unknown_paths_get_a_page_for_browsers_and_json_otherwise(client: FlaskClient) -> None:
    html = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert (html.status_code, html.content_type) == (404, "text/html; charset=utf-8")
    api = client.get("/no/such/page")
    assert (api.status_code, api.content_type) == (404, "application/json")


def test_kind_listings(client: FlaskClient, built_store: pyoxigraph.Store) -> None:
    _, doc = page(client, "/id/transfer/")
    entities = [h for h in hrefs(doc.find(".//main")) if h.startswith("/id/transfer/")]
    assert sorted(BASE + h[1:] for h in entities) == sorted(arms_deals(built_store))
    _, index = page(client, "/id/")
    assert "/id/transfer/" in set(hrefs(index))
    assert client.get("/id/transfer").status_code == 308  # to the listing, as a directory


def test_another_public_base_renames_the_iris_it_publishes(make_app: Callable[..., Flask]) -> None:
    client = make_app(base_iri="http://127.0.0.1:8000/").test_client()
    response = client.get(TRANSFER + ".nt")
    assert (
        b"<http://127.0.0.1:8000/id/transfer/1961-btr-40> <http://127.0.0.1:8000/ontology#supplier>"
        in response.data
    )
    assert BASE.encode() not in response.data
    # The page still answers at the same path, and names the IRI under the public base.
    _, doc = page(client, TRANSFER)
    assert "http://127.0.0.1:8000/id/transfer/1961-btr-40" in text_of(
        doc.find(".//p[@class='iri']")
    )


def test_links_follow_the_mount_point_behind_a_proxy(client: FlaskClient) -> None:
    response = client.get(
        TRANSFER, headers={"Accept": "text/html"}, base_url="http://localhost/kg/"
    )
    doc = parse_html(response.data)
    local = [h for h in hrefs(doc) if h.startswith("/")]
    assert local and all(h.startswith("/kg/") for h in local), [
        h for h in local if not h.startswith("/kg/")
    ]


def test_a_resource_without_a_definition_shows_its_types_definitions(client: FlaskClient) -> None:
    _, doc = page(client, "/id/transfer/1961-btr-40")
    definitions = [text_of(p) for p in doc.iter() if p.get("class") == "definition"]
    assert definitions == [
        "arms deal: An agreement, order, pledge or request for military equipment from a supplier"
        " to a recipient, one per equipment model or category, with its status and zero or more"
        " deliveries; one row of the SIPRI trade register.",
        "arms deal: Accord, commande, promesse ou demande de matériel militaire d'un fournisseur à"
        " un destinataire, un par modèle ou catégorie d'équipement, avec son statut et zéro ou"
        " plusieurs livraisons ; une ligne du registre du SIPRI.",
    ]
