"""Regressions from the web review: IRI-less paths, rebased SPARQL, /sparql for browsers, one error
rule, listings' twins, XML 1.0 and control characters, CORS methods."""

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kg.web.negotiation import FORMATS, ResultKind, best_format, choose_format
from kg.web.representations import EXTENSIONS, HTML
from kg.web.results import RDF_SYNTAXES

from pages import parse_html, text_of

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
TURTLE = "text/turtle; charset=utf-8"
TSV = "text/tab-separated-values; charset=utf-8"
TRANSFER = "/id/transfer/1961-btr-40"

# The three error bodies, by who asks: a browser, an API client (or anyone), an RDF client.
ASKERS = [(BROWSER, HTML_TYPE), (None, JSON_TYPE), ("*/*", JSON_TYPE), ("text/turtle", TEXT_TYPE)]


def _message(response) -> str:  # type: ignore[no-untyped-def]
    """The one-line message, whichever of the three shapes carries it."""
    if response.content_type == JSON_TYPE:
        document = response.get_json()
        assert document == {
            "error": {"status": response.status_code, "message": document["error"]["message"]}
        }
        return document["error"]["message"]
    if response.content_type == HTML_TYPE:
        return text_of(parse_html(response.data).find(".//main"))
    assert response.content_type == TEXT_TYPE
    return response.get_data(as_text=True)


# 1. Paths that make no IRI (once percent-decoded) are 404, never 500.
IRI_LESS_PATHS = [
    ("/id/transfer/a%20b", "/id/transfer/a%20b"),
    ("/id/transfer/%00", "/id/transfer/%00"),
    ("/id/transfer/%22", "/id/transfer/%22"),
    ("/id/transfer/%3Cx%3E", "/id/transfer/%3Cx%3E"),
    ("/id/transfer/a%20b.ttl", "/id/transfer/a%20b"),
    ("/graph/a%20b", "/graph/a%20b"),
    ("/rule/a%20b", "/rule/a%20b"),
    ("/ontology/a%20b", "/ontology/a%20b"),
    ("/id/a%20b/x", "/id/a%20b/x"),
]


@pytest.mark.parametrize(("path", "shown"), IRI_LESS_PATHS)
@pytest.mark.parametrize(("accept", "content_type"), ASKERS)
def test_a_path_that_makes_no_iri_is_404(
    shared_client: FlaskClient, path: str, shown: str, accept: str | None, content_type: str
) -> None:
    response = shared_client.get(path, headers={"Accept": accept} if accept else {})
    assert (response.status_code, response.content_type) == (404, content_type)
    assert b"\x00" not in response.data
    assert f"{shown} is not in the graph" in _message(response)


def test_a_kind_that_makes_no_iri_is_404(shared_client: FlaskClient) -> None:
    response = shared_client.get("/id/a%20b/")
    assert (response.status_code, response.content_type) == (404, JSON_TYPE)


# 2. SPARQL speaks the data's IRIs, whatever base the site publishes under.
def test_a_rebased_site_resolves_relative_iris_against_the_data_base(
    make_app: Callable[..., Flask], client: FlaskClient
) -> None:
    rebased = make_app(base_iri="http://127.0.0.1:8000/").test_client()
    query = {"query": "SELECT ?o { <id/state/mali> ?p ?o }"}
    response = rebased.get("/sparql", query_string=query, headers={"Accept": JSON_RESULTS})
    assert (response.status_code, response.content_type) == (200, JSON_RESULTS)
    rows = response.get_json()["results"]["bindings"]
    assert rows
    canonical = client.get("/sparql", query_string=query, headers={"Accept": JSON_RESULTS})
    assert rows == canonical.get_json()["results"]["bindings"]
    # The transfers table runs through the same workers: same rows on either site.
    assert rebased.get("/transfers.csv").data == client.get("/transfers.csv").data
    description = rebased.get("/sparql", headers={"Accept": "application/n-triples"})
    assert b"relative IRIs resolve against https://w3id.org/kg-mali/" in description.data


# 3. /sparql without a query: the query form for browsers, the service description for RDF.
@pytest.mark.parametrize(
    ("accept", "status", "content_type"),
    [
        (BROWSER, 303, None),
        ("text/html", 303, None),
        ("application/xhtml+xml", 303, None),
        (None, 200, TURTLE),
        ("*/*", 200, TURTLE),
        ("text/turtle", 200, TURTLE),
        ("application/rdf+xml, text/html;q=0.5", 200, "application/rdf+xml"),
        ("application/xml", 200, "application/rdf+xml"),
        ("image/png", 406, TEXT_TYPE),
    ],
)
def test_sparql_without_a_query(
    shared_client: FlaskClient, accept: str | None, status: int, content_type: str | None
) -> None:
    response = shared_client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == status
    assert "Accept" in response.vary
    if status == 303:
        assert response.headers["Location"] == "/#query"
    else:
        assert response.content_type == content_type


def test_sparql_sends_browsers_to_the_form_under_the_mount_point(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", headers={"Accept": BROWSER}, base_url="http://localhost/kg/"
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/kg/#query")


def test_a_browser_asking_for_a_format_gets_the_description(client: FlaskClient) -> None:
    response = client.get("/sparql?format=ttl", headers={"Accept": BROWSER})
    assert (response.status_code, response.content_type) == (200, TURTLE)


# 4. One rule for every error body, whichever blueprint fails.
# (path, status; the status for an RDF client, where negotiation may fail first)
ERRORS = [
    ("/no/such/page", 404, 404),  # routing
    ("/id/transfer/2099-nothing", 404, 404),  # resources
    ("/id/nothing/", 404, 404),  # resources' listings
    ("/dumps/nothing.nq", 404, 404),  # documents
    ("/ontology.docx", 404, 404),  # documents
    ("/sparql?query=ASK%20%7B", 400, 400),  # sparql: syntax before negotiation
    ("/sparql?query=ASK%7B%7D&format=csv", 406, 406),  # sparql
]


@pytest.mark.parametrize(("path", "status", "rdf_client_status"), ERRORS)
@pytest.mark.parametrize(("accept", "content_type"), ASKERS)
def test_every_error_follows_one_rule(
    shared_client: FlaskClient,
    path: str,
    status: int,
    rdf_client_status: int,
    accept: str | None,
    content_type: str,
) -> None:
    response = shared_client.get(path, headers={"Accept": accept} if accept else {})
    expected = rdf_client_status if accept == "text/turtle" else status
    assert (response.status_code, response.content_type) == (expected, content_type)
    assert "Accept" in response.vary
    message = _message(response)
    assert message and "Traceback" not in message


def test_the_error_page_names_the_status(shared_client: FlaskClient) -> None:
    response = shared_client.get("/sparql?query=ASK%20%7B", headers={"Accept": BROWSER})
    document = parse_html(response.data)
    assert text_of(document.find(".//h1")) == "Bad request"
    assert "syntax error in query:1:6: expected one of" in text_of(document.find(".//main"))


# 5. One negotiation algorithm, one syntax-error parser, one table of RDF syntaxes.
@pytest.mark.parametrize("accept", [None, "*/*", "text/*", "application/xml;q=0.9, */*;q=0.1"])
@pytest.mark.parametrize("kind", list(ResultKind))
def test_result_and_page_negotiation_agree(kind: ResultKind, accept: str | None) -> None:
    assert choose_format(kind, accept) is best_format(FORMATS[kind], accept)


def test_every_rdf_format_has_a_writer() -> None:
    names = {f.name for f in FORMATS[ResultKind.GRAPH]} | {
        f.name for f in EXTENSIONS.values() if f is not HTML
    }
    assert names == set(RDF_SYNTAXES)


def test_syntax_errors_over_http_spare_the_unicode_ranges(shared_client: FlaskClient) -> None:
    response = shared_client.get("/sparql", query_string={"query": "SELECT ?"})
    assert (response.status_code, response.content_type) == (400, JSON_TYPE)
    message = _message(response)
    assert message.startswith("syntax error in query:1:9: expected one of")
    assert "\\u{" not in message and "..=" not in message


# 6. Listings link their JSON twins, in the head and the header alike; no page lists itself.
LISTINGS = [("/id/", "/id.json"), ("/id/transfer/", "/id/transfer.json"), ("/dumps", "/dumps.json")]


@pytest.mark.parametrize(("page", "twin"), LISTINGS)
def test_listings_link_their_json_twin(shared_client: FlaskClient, page: str, twin: str) -> None:
    html = shared_client.get(page, headers={"Accept": BROWSER})
    assert (html.status_code, html.content_type) == (200, HTML_TYPE)
    head = [
        (e.get("href"), e.get("type"))
        for e in parse_html(html.data).iter("link")
        if e.get("rel") == "alternate"
    ]
    assert head == [(twin, JSON_TYPE)]
    assert f'<{twin}>; rel="alternate"; type="{JSON_TYPE}"' in html.headers["Link"]
    assert html.headers["Content-Location"] == page
    data = shared_client.get(twin)
    assert (data.status_code, data.content_type) == (200, JSON_TYPE)
    assert f'<{page}>; rel="alternate"; type="text/html"' in data.headers["Link"]
    assert twin not in data.headers["Link"]
    negotiated = shared_client.get(page, headers={"Accept": JSON_TYPE})
    assert (negotiated.status_code, negotiated.headers["Content-Location"]) == (200, twin)
    assert negotiated.get_json() == data.get_json()


def test_the_listings_json(shared_client: FlaskClient) -> None:
    kinds = shared_client.get("/id.json").get_json()["kinds"]
    transfer = next(k for k in kinds if k["kind"] == "transfer")
    assert (transfer["url"], transfer["json"]) == ("/id/transfer/", "/id/transfer.json")
    listing = shared_client.get(transfer["json"]).get_json()
    assert listing["kind"] == "transfer" and len(listing["entities"]) == transfer["entities"]
    entity = next(e for e in listing["entities"] if e["url"] == TRANSFER)
    assert entity["iri"] == "https://w3id.org/kg-mali" + TRANSFER
    assert "https://w3id.org/kg-mali/ontology#ArmsDeal" in entity["types"]
    assert shared_client.get(entity["url"], headers={"Accept": BROWSER}).status_code == 200


def test_a_listing_refuses_what_it_cannot_be(shared_client: FlaskClient) -> None:
    response = shared_client.get("/id/", headers={"Accept": "text/turtle"})
    assert (response.status_code, response.content_type) == (406, TEXT_TYPE)


# 7. XML 1.0 cannot carry most control characters: 406 rather than malformed XML.
CONTROL_SELECT = 'SELECT ?x { BIND("a\\u0001b" AS ?x) }'
CONTROL_CONSTRUCT = 'CONSTRUCT { <http://e.org/s> <http://e.org/p> "a\\u0001b" } WHERE {}'


@pytest.mark.parametrize(
    ("query", "accept", "status", "content_type"),
    [
        (CONTROL_SELECT, XML_RESULTS, 406, TEXT_TYPE),
        (CONTROL_SELECT, f"{XML_RESULTS}, {JSON_TYPE};q=0.1", 406, JSON_TYPE),
        (CONTROL_SELECT, JSON_RESULTS, 200, JSON_RESULTS),
        (CONTROL_SELECT, "text/tab-separated-values", 200, TSV),
        (CONTROL_CONSTRUCT, "application/rdf+xml", 406, TEXT_TYPE),
        (CONTROL_CONSTRUCT, "text/turtle", 200, TURTLE),
    ],
)
def test_control_characters_and_xml(
    shared_client: FlaskClient, query: str, accept: str, status: int, content_type: str
) -> None:
    response = shared_client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": accept}
    )
    assert (response.status_code, response.content_type) == (status, content_type)
    if status == 406:
        message = _message(response)
        assert "cannot be written as XML 1.0" in message and "U+0001" in message
    elif content_type == JSON_RESULTS:
        assert response.get_json()["results"]["bindings"][0]["x"]["value"] == "a\x01b"


def test_the_xml_refusal_asks_for_json(shared_client: FlaskClient) -> None:
    response = shared_client.get("/sparql", query_string={"query": CONTROL_SELECT, "format": "xml"})
    assert (response.status_code, response.content_type) == (406, JSON_TYPE)
    assert "ask for JSON (application/sparql-results+json)" in _message(response)


def test_tabs_and_newlines_stay_in_xml(shared_client: FlaskClient) -> None:
    query = 'SELECT ?x { BIND("a\\tb\\nc\\r" AS ?x) }'
    response = shared_client.get("/sparql", query_string={"query": query, "format": "xml"})
    assert (response.status_code, response.content_type) == (200, XML_RESULTS)
    literal = ET.fromstring(response.data).find(".//{*}literal")
    assert literal is not None and literal.text == "a\tb\nc\r"  # the CR as &#13;, kept


# 8. CORS preflight names what each URL takes: POST only on /sparql.
@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/sparql", "GET, HEAD, POST, OPTIONS"),
        ("/", "GET, HEAD, OPTIONS"),
        (TRANSFER, "GET, HEAD, OPTIONS"),
        ("/id/", "GET, HEAD, OPTIONS"),
        ("/dumps", "GET, HEAD, OPTIONS"),
        ("/transfers.csv", "GET, HEAD, OPTIONS"),
        ("/.well-known/void", "GET, HEAD, OPTIONS"),
    ],
)
def test_cors_preflight_methods(shared_client: FlaskClient, path: str, methods: str) -> None:
    response = shared_client.options(
        path, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Methods"] == methods


def test_post_is_refused_off_the_endpoint(shared_client: FlaskClient) -> None:
    response = shared_client.post(TRANSFER)
    assert (response.status_code, response.content_type) == (405, JSON_TYPE)
    assert "POST" not in response.headers["Allow"]
    assert json.loads(response.data)["error"]["status"] == 405


@pytest.mark.parametrize(
    ("path", "location"),
    [("/ontology/0.1.0", "/ontology"), ("/ontology/0.1.0.ttl", "/ontology.ttl")],
)
def test_the_ontologys_version_iri_leads_to_the_ontology(client, path: str, location: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.headers["Location"]) == (303, location)


def test_an_unknown_ontology_version_is_404(client) -> None:
    assert client.get("/ontology/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404
