"""Content negotiation, table-driven: each kind of resource × media type × header or extension."""

import pytest
import rdflib
from flask.testing import FlaskClient

from pages import BASE, RDFLIB_FORMATS, parse_html, rdf_graph, text_of

# (kind, path, an IRI its RDF must mention as a subject)
RESOURCES = [
    ("entity", "/id/transfer/1961-btr-40", BASE + "id/transfer/1961-btr-40"),
    ("named graph", "/graph/background", BASE + "id/source/background"),
    ("rule", "/rule/regime-in-power-of-transfers", BASE + "rule/regime-in-power-of-transfers"),
    ("ontology", "/ontology", BASE + "ontology#ArmsTransfer"),
    ("shapes", "/shapes", BASE + "shapes#StateShape"),
    ("void", "/.well-known/void", BASE + ".well-known/void#dataset"),
]
# (media type, extension, Content-Type sent)
FORMATS = [
    ("text/html", "html", "text/html; charset=utf-8"),
    ("text/turtle", "ttl", "text/turtle; charset=utf-8"),
    ("application/ld+json", "jsonld", "application/ld+json"),
    ("application/n-triples", "nt", "application/n-triples"),
    ("application/rdf+xml", "rdf", "application/rdf+xml"),
    ("application/trig", "trig", "application/trig"),
    ("application/n-quads", "nq", "application/n-quads"),
]


@pytest.mark.parametrize("way", ["header", "extension"])
@pytest.mark.parametrize(
    "media_type, extension, content_type", FORMATS, ids=[f[1] for f in FORMATS]
)
@pytest.mark.parametrize("kind, path, subject", RESOURCES, ids=[r[0] for r in RESOURCES])
def test_matrix(
    shared_client: FlaskClient,
    kind: str,
    path: str,
    subject: str,
    media_type: str,
    extension: str,
    content_type: str,
    way: str,
) -> None:
    if way == "header":
        response = shared_client.get(path, headers={"Accept": media_type})
        assert response.headers["Content-Location"] == f"{path}.{extension}"
    else:
        response = shared_client.get(f"{path}.{extension}", headers={"Accept": "text/html"})
        assert "Content-Location" not in response.headers
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert "Accept" in response.vary
    # Every representation points to its twins (and not to itself).
    links = response.headers["Link"]
    assert f"<{path}.{extension}>" not in links
    assert links.count('rel="alternate"') == len(FORMATS) - 1
    if media_type == "text/html":
        document = parse_html(response.data)
        assert text_of(document.find(".//h1"))
        return
    graph = rdf_graph(shared_client, response.data, RDFLIB_FORMATS[media_type])
    assert len(graph) > 0
    # In whichever graph the format put it (TriG and N-Quads keep the named graphs).
    assert any(True for _ in graph.quads((rdflib.URIRef(subject), None, None, None)))


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "text/html; charset=utf-8"),
        ("*/*", "text/html; charset=utf-8"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "text/html; charset=utf-8",
        ),
        ("application/json", "application/ld+json"),
        ("text/turtle;q=0.9, application/n-triples", "application/n-triples"),
        ("application/rdf+xml, text/html;q=0.5", "application/rdf+xml"),
        ("text/turtle; charset=utf-8", "text/turtle; charset=utf-8"),
        ("text/*", "text/html; charset=utf-8"),
        ("text/html;q=0, */*;q=0.1", "text/turtle; charset=utf-8"),
    ],
)
def test_accept_corners(shared_client: FlaskClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = shared_client.get("/id/transfer/1961-btr-40", headers=headers)
    assert (response.status_code, response.headers["Content-Type"]) == (200, expected)


@pytest.mark.parametrize("path", [path for _, path, _ in RESOURCES])
def test_nothing_acceptable_is_406(shared_client: FlaskClient, path: str) -> None:
    response = shared_client.get(path, headers={"Accept": "text/csv, application/json;q=0"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


def test_an_unknown_extension_is_not_a_format(shared_client: FlaskClient) -> None:
    assert shared_client.get("/ontology.docx").status_code == 404
    assert shared_client.get("/id/transfer/1961-btr-40.docx").status_code == 404
