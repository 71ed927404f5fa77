"""Choosing a format per result kind; the Accept corner cases follow Oxigraph server's own tests."""

import pytest

from kg.web.negotiation import ResultKind, choose_format
from kg.web.problems import HTML_PAGE, JSON_SHAPE, PLAIN_TEXT, error_body_type

S, B, G = ResultKind.SOLUTIONS, ResultKind.BOOLEAN, ResultKind.GRAPH

# (kind, Accept, format parameter) → format name, or None for 406
CASES = [
    (S, None, None, "json"),
    (S, "", None, "json"),
    (S, "*/*", None, "json"),  # get_query_accept_star
    (S, "application/*", None, "json"),  # get_query_accept_substar
    (S, "application/sparql-results+json;q=0, */*", None, "xml"),  # _specific_exclusion
    (S, "text/csv;q=0.2, text/tab-separated-values;q=0.3", None, "tsv"),
    (S, "text/csv, text/tab-separated-values", None, "csv"),  # tie: server preference
    (S, "application/xml;q=0.9, */*;q=0.1", None, "xml"),
    (S, "image/png", None, None),
    (S, "garbage", None, None),
    (S, "*/*;q=0", None, None),
    (S, "text/html", "csv", "csv"),  # the parameter wins over the header
    (S, None, "CSV", "csv"),
    (S, None, "application/sparql-results+xml", "xml"),
    (S, None, "ntriples", None),
    (B, "text/csv", None, None),  # no CSV for booleans
    (B, "text/*", None, "xml"),
    (G, None, None, "turtle"),
    (G, "application/*", None, "ntriples"),
    (G, "application/rdf+xml;q=0.5, text/turtle;q=0.4", None, "rdfxml"),
    (G, "application/xml", None, "rdfxml"),
    (G, None, "ttl", "turtle"),
    (G, None, "json", "jsonld"),
    (G, None, "xml", "rdfxml"),
    (G, None, "nq", "nquads"),
    (G, None, "tsv", None),
]


@pytest.mark.parametrize(("kind", "accept", "requested", "expected"), CASES)
def test_choose_format(
    kind: ResultKind, accept: str | None, requested: str | None, expected: str | None
) -> None:
    chosen = choose_format(kind, accept, requested)
    assert (chosen.name if chosen else None) == expected


# Accept → the error body it gets: a page for browsers, JSON for API clients, else plain text.
ERROR_BODIES = [
    (None, JSON_SHAPE),
    ("", JSON_SHAPE),
    ("*/*", JSON_SHAPE),
    ("application/sparql-results+json", JSON_SHAPE),
    ("application/ld+json", JSON_SHAPE),
    ("application/json, text/html;q=0.5", JSON_SHAPE),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML_PAGE),  # a browser
    ("text/html", HTML_PAGE),
    ("application/xhtml+xml", HTML_PAGE),
    ("text/html;q=0.5, application/rdf+xml", HTML_PAGE),  # the only error body it takes
    ("text/html, application/json", JSON_SHAPE),  # a tie: not a preference for HTML
    ("text/*", PLAIN_TEXT),  # HTML no better than text
    ("text/plain", PLAIN_TEXT),
    ("text/csv", PLAIN_TEXT),
    ("text/turtle", PLAIN_TEXT),
    ("application/sparql-results+xml", PLAIN_TEXT),
    ("application/json;q=0, text/plain", PLAIN_TEXT),
    ("text/html;q=0, */*", JSON_SHAPE),
]


@pytest.mark.parametrize(("accept", "body"), ERROR_BODIES)
def test_error_body_type(accept: str | None, body: str) -> None:
    assert error_body_type(accept) == body
