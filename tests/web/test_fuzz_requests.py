"""Malformed and hostile requests to every route: never a 500, never a traceback, never a hang.

Bounded here (KG_FUZZ_EXAMPLES, default 150, keeps it well under 30 s); a longer run:
    KG_FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/web/test_fuzz_requests.py -q
"""

import os
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from clients import read_only_client
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "150"))
# A request's deadline: the query time limit below plus room for the worker's reply.
QUERY_TIMEOUT = 1.0
DEADLINE = 4.0

PATHS = [
    "/", "/sparql", "/id/", "/id.json", "/id/{s}/", "/id/{s}", "/graph/{s}", "/rule/{s}",
    "/ontology/{s}", "/ontology.{s}", "/ontology", "/shapes.{s}", "/shapes",
    "/.well-known/void.{s}", "/.well-known/void", "/context.jsonld", "/dumps.{s}", "/dumps",
    "/dumps/{s}", "/transfers.csv", "/static/{s}", "/healthz", "/readyz", "/status", "/{s}",
]
METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"]
QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "ASK {}", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2",
    "DESCRIBE <https://w3id.org/kg-mali/id/country-0>", "SELECT", "{{{", "INSERT DATA {}",
    "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }",
]
ACCEPTS = [
    "*/*", "application/sparql-results+json", "text/turtle", "text/html", "text/csv",
    "application/ld+json", "application/n-quads", "application/rdf+xml", "application/json;q=0",
    "text/*;q=abc", "image/png", ";;;", "a/b/c", "*/html", "",
]

segments = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
header_values = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=20),  # latin-1 bytes
    st.sampled_from(ACCEPTS),
    st.sampled_from(
        ["gzip;q=2", "gzip, br;q=-1", "bytes=0-10", "bytes=-5,9999-", '"x", W/"y"', "*"]
    ),
)
queries = st.one_of(st.sampled_from(QUERIES), st.text(max_size=80))


@st.composite
def hostile_requests(draw: st.DrawFn) -> dict:
    # Percent-encoded as a client must; '?' and '#' would end the path.
    path = draw(st.sampled_from(PATHS)).format(s=quote(draw(segments), safe="/;:@!$&'()*+,=%"))
    params = draw(st.dictionaries(
        st.sampled_from(
            ["query", "default-graph-uri", "named-graph-uri", "page", "format", "x", ""]
        ),
        st.one_of(queries, segments), max_size=3,
    ))
    headers = draw(st.dictionaries(
        st.sampled_from(["Accept", "Accept-Encoding", "If-None-Match", "If-Modified-Since",
                         "Range", "Host", "Content-Type", "Accept-Language", "Origin",
                         "Access-Control-Request-Method"]),
        header_values, max_size=5,
    ))
    body = draw(st.one_of(st.none(), st.binary(max_size=200), queries.map(str.encode)))
    return {
        "method": draw(st.sampled_from(METHODS)),
        "path": path,
        "query_string": params,
        "headers": headers,
        "data": body,
    }


@pytest.fixture(scope="module")
def fuzzed(kg_data: Path) -> Iterator[FlaskClient]:
    with read_only_client(kg_data, query_timeout=QUERY_TIMEOUT) as client:
        yield client


@settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=DEADLINE),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=hostile_requests())
def test_no_request_breaks_the_server(fuzzed: FlaskClient, request: dict) -> None:
    started = time.monotonic()
    response = fuzzed.open(**request)
    body = response.get_data()
    elapsed = time.monotonic() - started
    assert 200 <= response.status_code < 500 or response.status_code == 503, (
        response.status_code, body[:300],
    )
    assert b"Traceback" not in body
    assert not re.search(rb'File "[^"]+\.py", line \d+', body)
    assert elapsed < DEADLINE
