"""The SPARQL 1.1 Protocol at /sparql, table by table: exact statuses and content types."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pyoxigraph
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

SELECT = "SELECT ?s WHERE { ?s a kgo:Country } ORDER BY ?s LIMIT 3"
ASK = "ASK { ?s a kgo:Country }"
CONSTRUCT = "CONSTRUCT { ?s a kgo:Country } WHERE { ?s a kgo:Country } ORDER BY ?s LIMIT 2"
DESCRIBE = "DESCRIBE id:country-1"

JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
CSV = "text/csv; charset=utf-8"
TSV = "text/tab-separated-values; charset=utf-8"
TURTLE = "text/turtle; charset=utf-8"
JSON_ERROR = "application/json"
TEXT_ERROR = "text/plain; charset=utf-8"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class Conneg:
    query: str | None  # None: the service description
    accept: str | None
    status: int
    content_type: str
    format: str | None = None


CONNEG = {
    "select, no Accept": Conneg(SELECT, None, 200, JSON_RESULTS),
    "select, */*": Conneg(SELECT, "*/*", 200, JSON_RESULTS),
    "select, xml": Conneg(SELECT, XML_RESULTS, 200, XML_RESULTS),
    "select, csv": Conneg(SELECT, "text/csv", 200, CSV),
    "select, tsv": Conneg(SELECT, "text/tab-separated-values", 200, TSV),
    "select, application/json alias": Conneg(SELECT, "application/json", 200, JSON_RESULTS),
    "select, q-values": Conneg(SELECT, f"text/csv;q=0.5, {XML_RESULTS};q=0.9", 200, XML_RESULTS),
    "select, specific q=0 beats */*": Conneg(SELECT, f"{JSON_RESULTS};q=0, */*", 200, XML_RESULTS),
    "select, text/* means csv": Conneg(SELECT, "text/*", 200, CSV),
    "select, substar vs lower specific": Conneg(
        SELECT, f"application/*;q=0.5, {XML_RESULTS};q=0.4", 200, JSON_RESULTS
    ),
    "select, media-type parameters ignored": Conneg(
        SELECT, f"{XML_RESULTS};charset=utf-8", 200, XML_RESULTS
    ),
    "select, browser": Conneg(SELECT, BROWSER, 200, XML_RESULTS),
    "select, turtle is 406": Conneg(SELECT, "text/turtle", 406, TEXT_ERROR),
    "select, everything excluded": Conneg(SELECT, "*/*;q=0", 406, TEXT_ERROR),
    "select, format=csv beats Accept": Conneg(SELECT, XML_RESULTS, 200, CSV, format="csv"),
    "select, format by media type": Conneg(
        SELECT, None, 200, TSV, format="text/tab-separated-values"
    ),
    "select, format=turtle is 406": Conneg(SELECT, None, 406, JSON_ERROR, format="turtle"),
    "ask, no Accept": Conneg(ASK, None, 200, JSON_RESULTS),
    "ask, xml": Conneg(ASK, XML_RESULTS, 200, XML_RESULTS),
    "ask, csv is 406": Conneg(ASK, "text/csv", 406, TEXT_ERROR),
    "construct, no Accept": Conneg(CONSTRUCT, None, 200, TURTLE),
    "construct, n-triples": Conneg(
        CONSTRUCT, "application/n-triples", 200, "application/n-triples"
    ),
    "construct, json-ld": Conneg(CONSTRUCT, "application/ld+json", 200, "application/ld+json"),
    "construct, rdf/xml": Conneg(CONSTRUCT, "application/rdf+xml", 200, "application/rdf+xml"),
    "construct, trig": Conneg(CONSTRUCT, "application/trig", 200, "application/trig"),
    "construct, n-quads": Conneg(CONSTRUCT, "application/n-quads", 200, "application/n-quads"),
    "construct, application/json means json-ld": Conneg(
        CONSTRUCT, "application/json", 200, "application/ld+json"
    ),
    "construct, turtle q=0": Conneg(
        CONSTRUCT, "text/turtle;q=0, */*", 200, "application/n-triples"
    ),
    "construct, csv is 406": Conneg(CONSTRUCT, "text/csv", 406, TEXT_ERROR),
    "construct, results json is 406": Conneg(CONSTRUCT, JSON_RESULTS, 406, JSON_ERROR),
    "construct, format=nt": Conneg(CONSTRUCT, None, 200, "application/n-triples", format="nt"),
    "describe, no Accept": Conneg(DESCRIBE, None, 200, TURTLE),
    "description, no Accept": Conneg(None, None, 200, TURTLE),
    "description, json-ld": Conneg(None, "application/ld+json", 200, "application/ld+json"),
    "description, rdf/xml": Conneg(None, "application/rdf+xml", 200, "application/rdf+xml"),
    "description, n-triples": Conneg(None, "application/n-triples", 200, "application/n-triples"),
    "description, csv is 406": Conneg(None, "text/csv", 406, TEXT_ERROR),
}


@pytest.mark.parametrize("case", CONNEG.values(), ids=CONNEG.keys())
def test_content_negotiation(client: FlaskClient, case: Conneg) -> None:
    params = {k: v for k, v in (("query", case.query), ("format", case.format)) if v is not None}
    headers = {"Accept": case.accept} if case.accept is not None else {}
    response = client.get("/sparql", query_string=params, headers=headers)
    assert (response.status_code, response.content_type) == (case.status, case.content_type)
    assert "Accept" in response.vary
    if case.status == 200:
        _assert_parses(response, case.query)
    else:
        assert "no acceptable format" in _error_message(response)


def _assert_parses(response: TestResponse, query: str | None) -> None:
    """The body is a valid document of its type, holding what the query asked for."""
    body = response.get_data()
    media_type = response.mimetype
    if media_type == JSON_RESULTS:
        document = json.loads(body)
        assert document.get("boolean") is True or len(document["results"]["bindings"]) == 3
    elif media_type == XML_RESULTS:
        root = ET.fromstring(body)
        namespace = "{http://www.w3.org/2005/sparql-results#}"
        assert (
            root.find(f"{namespace}boolean") is not None
            or len(root.findall(f".//{namespace}result")) == 3
        )
    elif media_type == "text/csv":
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows[0] == ["s"] and len(rows) == 4
    elif media_type == "text/tab-separated-values":
        lines = body.decode().splitlines()
        assert lines[0] == "?s" and len(lines) == 4 and lines[1].startswith("<https://")
    else:
        rdf_format = pyoxigraph.RdfFormat.from_media_type(media_type)
        assert rdf_format is not None
        quads = list(pyoxigraph.parse(body, rdf_format))
        expected = {CONSTRUCT: 2, DESCRIBE: 3}.get(query or "")
        assert len(quads) == expected if expected else len(quads) > 20


def _error_message(response: TestResponse) -> str:
    if response.mimetype == "application/json":
        document = response.get_json()
        assert set(document) == {"error"} and set(document["error"]) == {"status", "message"}
        assert document["error"]["status"] == response.status_code
        return document["error"]["message"]
    text = response.get_data(as_text=True)
    assert text.endswith("\n") and "\n" not in text[:-1]
    return text


FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Call:
    method: str
    status: int
    params: dict[str, str | list[str]] = field(default_factory=dict)
    body: bytes | str | None = None
    content_type: str | None = None
    says: str = ""  # a fragment the error message must contain


PROTOCOL = {
    "GET query": Call("GET", 200, {"query": SELECT}),
    "POST form": Call("POST", 200, body=f"query={SELECT}", content_type=FORM),
    "POST form, dataset in the URL": Call(
        "POST",
        200,
        {"default-graph-uri": "https://w3id.org/kg-mali/graph/data"},
        body=f"query={ASK}",
        content_type=FORM,
    ),
    "POST direct": Call("POST", 200, body=SELECT, content_type=QUERY_BODY),
    "POST direct, charset utf-8": Call(
        "POST", 200, body=SELECT, content_type=f"{QUERY_BODY}; charset=UTF-8"
    ),
    "POST direct, utf-16": Call(
        "POST",
        415,
        body=ASK.encode("utf-16"),
        content_type=f"{QUERY_BODY}; charset=UTF-16",
        says="UTF-8",
    ),
    "POST direct, invalid utf-8": Call(
        "POST", 400, body=b"ASK { \xff }", content_type=QUERY_BODY, says="UTF-8"
    ),
    "POST direct, query also in URL": Call(
        "POST", 400, {"query": ASK}, body=ASK, content_type=QUERY_BODY, says="once"
    ),
    "POST direct, empty": Call("POST", 400, body="  ", content_type=QUERY_BODY, says="empty"),
    "POST text/plain": Call("POST", 415, body=ASK, content_type="text/plain", says=QUERY_BODY),
    "POST untyped": Call("POST", 415, body=f"query={ASK}", says="untyped"),
    "POST multipart": Call("POST", 415, body="x", content_type="multipart/form-data; boundary=x"),
    "POST form without query": Call(
        "POST", 400, body="format=json", content_type=FORM, says="'query'"
    ),
    "POST form, query in URL and body": Call(
        "POST", 400, {"query": ASK}, body=f"query={ASK}", content_type=FORM, says="exactly one"
    ),
    "GET two queries": Call("GET", 400, {"query": [ASK, SELECT]}, says="exactly one"),
    "GET empty query": Call("GET", 400, {"query": ""}, says="empty"),
    "GET malformed": Call(
        "GET", 400, {"query": "SELECT * WHERE { ?s ?p }"}, says="syntax error in query:1:25: "
    ),
    "GET malformed, multi-line": Call(
        "GET",
        400,
        {"query": "SELECT *\nWHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }"},
        says="syntax error in query:4:18: ",
    ),
    "GET bad graph IRI": Call(
        "GET", 400, {"query": ASK, "default-graph-uri": "not an iri"}, says="IRI"
    ),
    "PUT": Call("PUT", 405, {"query": ASK}),
    "DELETE": Call("DELETE", 405),
    "PATCH": Call("PATCH", 405),
    "GET update=": Call("GET", 403, {"update": "CLEAR ALL"}, says="read-only"),
    "POST form update=": Call(
        "POST", 403, body="update=CLEAR%20ALL", content_type=FORM, says="read-only"
    ),
    "POST form update= and query=": Call(
        "POST", 403, body=f"update=CLEAR%20ALL&query={ASK}", content_type=FORM
    ),
    "POST sparql-update": Call("POST", 403, body="CLEAR ALL", content_type=UPDATE_BODY),
    "POST sparql-update, utf-16": Call(
        "POST",
        403,
        body="CLEAR ALL".encode("utf-16"),
        content_type=f"{UPDATE_BODY}; charset=UTF-16",
    ),
    "INSERT DATA as query": Call("GET", 403, {"query": "INSERT DATA { <a:s> <a:p> <a:o> }"}),
    "DELETE WHERE as query": Call("GET", 403, {"query": "DELETE WHERE { ?s ?p ?o }"}),
    "LOAD as query": Call(
        "POST", 403, body="LOAD <http://127.0.0.1:9/x.ttl>", content_type=QUERY_BODY
    ),
    "prefixed WITH update": Call(
        "POST",
        403,
        body="PREFIX ex: <http://e/>\nWITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        content_type=FORM.replace(FORM, QUERY_BODY),
    ),
    "SERVICE": Call(
        "GET",
        400,
        {"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"},
        says="SERVICE",
    ),
    "service, lower case, SILENT": Call(
        "GET", 400, {"query": "select * { service silent ?endpoint { ?s ?p ?o } }"}, says="SERVICE"
    ),
    "SERVICE inside a literal is just text": Call(
        "GET", 200, {"query": 'SELECT * { BIND("SERVICE <http://x/> {}" AS ?x) }'}
    ),
    "body over the limit": Call("POST", 413, body=b"#" * (MIB + 1), content_type=QUERY_BODY),
    "form over the limit": Call("POST", 413, body=b"query=" + b"A" * MIB, content_type=FORM),
    "update over the limit": Call("POST", 413, body=b"#" * (MIB + 1), content_type=UPDATE_BODY),
    "body just under the limit": Call(
        "POST", 200, body=b"ASK {}\n#" + b"x" * (MIB - 9), content_type=QUERY_BODY
    ),
}


@pytest.mark.parametrize("call", PROTOCOL.values(), ids=PROTOCOL.keys())
def test_protocol(client: FlaskClient, call: Call) -> None:
    response = client.open(
        "/sparql",
        method=call.method,
        query_string=call.params,
        data=call.body,
        content_type=call.content_type,
    )
    assert response.status_code == call.status, response.get_data(as_text=True)
    assert "Accept" in response.vary
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if call.status == 200:
        assert response.content_type == JSON_RESULTS
    else:
        assert response.content_type == JSON_ERROR
        message = _error_message(response)
        assert call.says in message
        assert "Traceback" not in message
    if call.status == 405:
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_head_is_get_without_body(client: FlaskClient) -> None:
    get = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/csv"})
    head = client.head("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/csv"})
    assert (head.status_code, head.content_type, head.get_data()) == (200, CSV, b"")
    assert head.headers["Content-Length"] == get.headers["Content-Length"] != "0"
    assert client.head("/sparql").content_type == TURTLE


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {
        "GET",
        "HEAD",
        "POST",
        "OPTIONS",
    }
    assert response.headers["Access-Control-Allow-Headers"] == "content-type, accept"
    assert "X-KG-Truncated" in response.headers["Access-Control-Expose-Headers"]


def test_malformed_query_message_is_one_line_with_position(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {"})
    message = _error_message(response)
    assert response.status_code == 400
    assert message.startswith("syntax error in query:1:6: expected one of")
    assert "\n" not in message and len(message) <= 240


def test_errors_are_plain_text_for_text_clients(client: FlaskClient) -> None:
    # An XML client: no JSON anywhere in its Accept header.
    response = client.get(
        "/sparql", query_string={"query": "ASK {"}, headers={"Accept": XML_RESULTS}
    )
    assert (response.status_code, response.content_type) == (400, TEXT_ERROR)
    assert response.get_data(as_text=True).startswith("syntax error in query:1:6: ")


def test_unknown_path_has_the_error_shape(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert (response.status_code, response.content_type) == (404, JSON_ERROR)
    _error_message(response)


def test_unexpected_failure_is_a_bare_500(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(job: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(client.application.extensions["kg"].evaluator, "evaluate", explode)
    response = client.get("/sparql", query_string={"query": ASK})
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {
            "status": 500,
            "message": "internal server error; the details are in the server log",
        }
    }


def test_predeclared_prefixes_and_relative_iris(client: FlaskClient) -> None:
    # kgo: is predeclared; <id/country-1> resolves against the base IRI https://w3id.org/kg-mali/.
    response = client.get("/sparql", query_string={"query": "ASK { <id/country-1> a kgo:Country }"})
    assert response.get_json() == {"head": {}, "boolean": True}
