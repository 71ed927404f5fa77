"""A query that does not parse is a 400 with its line and column, whatever the client accepts;
only a query that parses can be a 406."""

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

# (query, where pyoxigraph stops reading it: "line:column")
MALFORMED = {
    "describe alone": ("DESCRIBE", "1:9"),
    "construct where with a pair": ("CONSTRUCT WHERE { ?s ?p }", "1:25"),
    "ask unclosed": ("ASK {", "1:6"),
    "select unclosed": ("SELECT * WHERE { ?s ?p ?o", "1:26"),
    "second line": ("SELECT ?x\nWHERE { ?x ?y ?z . FILTER( }", "2:29"),
}
# (Accept header, format parameter): results, graph, nothing at all, and the format parameter.
ASKING_FOR = {
    "results json": ("application/sparql-results+json", None),
    "csv": ("text/csv", None),
    "turtle": ("text/turtle", None),
    "nothing acceptable": ("*/*;q=0", None),
    "format=tsv": (None, "tsv"),
    "format=rdfxml": (None, "rdfxml"),
}


def _ask(client: FlaskClient, query: str, accept: str | None, fmt: str | None) -> TestResponse:
    params = {"query": query, **({"format": fmt} if fmt else {})}
    return client.get("/sparql", query_string=params, headers={"Accept": accept} if accept else {})


def _message(response: TestResponse) -> str:
    if response.mimetype == "application/json":
        return response.get_json()["error"]["message"]
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("accept", "fmt"), ASKING_FOR.values(), ids=ASKING_FOR.keys())
@pytest.mark.parametrize(("query", "position"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_query_that_does_not_parse_is_a_400_whatever_the_accept(
    endpoint: FlaskClient, query: str, position: str, accept: str | None, fmt: str | None
) -> None:
    response = _ask(endpoint, query, accept, fmt)
    assert response.status_code == 400
    assert _message(response).startswith(f"syntax error in query:{position}: expected ")


VALID_BUT_UNSENDABLE = {
    "construct as results json": (
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "application/sparql-results+json",
    ),
    "describe as csv": ("DESCRIBE <http://example.org/x>", "text/csv"),
    "select as turtle": ("SELECT * { ?s ?p ?o }", "text/turtle"),
    "ask as csv": ("ASK { ?s ?p ?o }", "text/csv"),
}


@pytest.mark.parametrize(
    ("query", "accept"), VALID_BUT_UNSENDABLE.values(), ids=VALID_BUT_UNSENDABLE.keys()
)
def test_a_valid_query_with_no_acceptable_format_is_a_406(
    endpoint: FlaskClient, query: str, accept: str
) -> None:
    response = _ask(endpoint, query, accept, None)
    assert response.status_code == 406
    assert _message(response).startswith("no acceptable format for ")


def test_the_406_names_the_formats_of_the_query_kind(endpoint: FlaskClient) -> None:
    response = _ask(endpoint, "CONSTRUCT WHERE { ?s ?p ?o }", "text/csv", None)
    assert _message(response) == (
        "no acceptable format for CONSTRUCT/DESCRIBE results: ask (Accept header or format "
        "parameter) for one of text/turtle, application/n-triples, application/ld+json, "
        "application/rdf+xml, application/trig, application/n-quads\n"
    )
