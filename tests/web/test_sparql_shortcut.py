"""`GET /sparql?query=…` outside Flask's dispatch (kg.web.sparql_shortcut): the same answers.

Every request below is sent to the app as served and to the same app with the shortcut taken
out; status, headers and body must be the same. Then: which requests it answers itself, that an
error it meets is rendered by Flask without evaluating the query again, and that its reading of
the query string is werkzeug's.
"""

import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from kg.web.compression import Compression
from kg.web.sparql_shortcut import SparqlShortcut, query_parameters

SELECT = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } ORDER BY ?s ?o"
JSON, CSV, TURTLE = "application/sparql-results+json", "text/csv", "text/turtle"


def get(query: str | None = None, **params: str | list[str]) -> str:
    fields = ([("query", query)] if query is not None else []) + [
        (name.replace("_", "-"), value)
        for name, values in params.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    return "/sparql?" + urllib.parse.urlencode(fields)


# (what it shows, path with query string, request headers)
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("a SELECT in JSON", get(SELECT), {"Accept": JSON}),
    ("the same in CSV", get(SELECT), {"Accept": CSV}),
    ("no Accept at all", get(SELECT), {}),
    ("a format parameter", get(SELECT, format="tsv"), {"Accept": JSON}),
    ("an ASK", get("ASK { ?s ?p ?o }"), {"Accept": JSON}),
    ("a CONSTRUCT", get("CONSTRUCT WHERE { ?s a ?c }"), {"Accept": TURTLE}),
    ("gzip asked for", get(SELECT), {"Accept": JSON, "Accept-Encoding": "gzip"}),
    ("a CONSTRUCT no format fits: 406", get("CONSTRUCT WHERE { ?s a ?c }"), {"Accept": JSON}),
    ("a syntax error: 400", get("SELECT * WHERE { ?s ?p }"), {"Accept": JSON}),
    ("SERVICE: 400", get("SELECT * { SERVICE <http://e/> { ?s ?p ?o } }"), {"Accept": JSON}),
    ("an update as a query: 403", get("INSERT DATA { <http://e/s> <http://e/p> 1 }"), {}),
    ("an update parameter: 403", get(update="CLEAR ALL"), {}),
    ("two queries: 400", get(SELECT) + "&" + urllib.parse.urlencode({"query": SELECT}), {}),
    ("an empty query: 400", get("  "), {}),
    ("a graph IRI that is not one: 400", get(SELECT, default_graph_uri="not an iri"), {}),
    ("a dataset given", get(SELECT, default_graph_uri="https://w3id.org/kg-mali/graph/ontology"),
     {"Accept": JSON}),
    ("a named graph given", get("SELECT ?g { GRAPH ?g {} }",
                                named_graph_uri="https://w3id.org/kg-mali/graph/ontology"), {}),
    ("a literal beyond ASCII", get('SELECT ?s { ?s ?p "Moscou — Bamako’s" }'), {}),
    ("a stray % in the URL", "/sparql?query=SELECT%20*%20{}%20%23%zz", {}),
    ("a space as +", "/sparql?query=ASK+{}", {}),
    ("a conditional request", get(SELECT), {"If-None-Match": '"abc"'}),
    ("a relative IRI", get("SELECT * { <id/state/mali> ?p ?o }"), {"Accept": CSV}),
    ("a cut answer", get(SELECT), {"Accept": JSON, "Host": "kg.example:8080"}),
]


@pytest.fixture
def two_ways(make_app: Callable[..., Flask]) -> tuple[Client, Client]:
    """The app as served, and the same app with every request going through Flask."""
    app = make_app(answer_cache_bytes=0, max_rows=3)
    served = app.wsgi_app
    assert isinstance(served, Compression) and isinstance(served.app, SparqlShortcut)
    return Client(served), Client(Compression(served.app.app))


@pytest.mark.parametrize(
    ("path", "headers"), [(path, headers) for _, path, headers in REQUESTS], ids=[r[0] for r in REQUESTS]
)
def test_the_same_answer_either_way(
    two_ways: tuple[Client, Client], path: str, headers: dict[str, str]
) -> None:
    shortcut, flask = (client.get(path, headers=headers) for client in two_ways)
    assert (shortcut.status, sorted(shortcut.headers.items()), shortcut.get_data()) == (
        flask.status, sorted(flask.headers.items()), flask.get_data()
    )


def test_a_cut_answer_says_so(two_ways: tuple[Client, Client]) -> None:
    response = two_ways[0].get(get(SELECT), headers={"Host": "kg.example:8080", "Accept": JSON})
    assert (response.status_code, response.headers["X-KG-Truncated"], response.headers["X-KG-Max-Rows"]) == (
        200, "true", "3"
    )
    assert b"http://kg.example:8080/sparql#" in response.get_data()


@pytest.fixture
def watched(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> tuple[Flask, dict[str, int]]:
    """An app counting the requests Flask dispatches and the queries it evaluates."""
    app = make_app(answer_cache_bytes=0)
    counts = {"flask": 0, "evaluated": 0}
    shortcut = app.wsgi_app.app  # type: ignore[attr-defined]
    flask = shortcut.app

    def dispatched(environ: Any, start_response: Any) -> Any:
        counts["flask"] += 1
        return flask(environ, start_response)

    monkeypatch.setattr(shortcut, "app", dispatched)
    evaluator = app.extensions["kg"].evaluator
    evaluate = evaluator.evaluate

    def counted(job: Any) -> Any:
        counts["evaluated"] += 1
        return evaluate(job)

    monkeypatch.setattr(evaluator, "evaluate", counted)
    return app, counts


@pytest.mark.parametrize(
    ("path", "method", "flask", "evaluated", "status"),
    [
        (get(SELECT), "GET", 0, 1, 200),
        (get(SELECT), "HEAD", 1, 1, 200),
        ("/sparql", "POST", 1, 1, 200),
        (get("SELECT * WHERE { ?s ?p }"), "GET", 1, 1, 400),  # the error rendered by Flask
        (get("SELECT * { SERVICE <http://e/> {} }"), "GET", 1, 0, 400),
        (get(), "GET", 1, 0, 406),  # the service description, in no JSON
        ("/sparql?query=SELECT%20*%20{}%20%23%zz", "GET", 1, 1, 200),  # a stray % in a comment
        ("/healthz", "GET", 1, 0, 200),
    ],
)
def test_which_requests_it_answers(
    watched: tuple[Flask, dict[str, int]], path: str, method: str, flask: int, evaluated: int, status: int
) -> None:
    app, counts = watched
    form = {"query": SELECT} if method == "POST" else None
    response = app.test_client().open(path, method=method, data=form, headers={"Accept": JSON})
    assert (response.status_code, counts) == (status, {"flask": flask, "evaluated": evaluated})


def test_the_answer_cache_keeps_what_it_answers(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    statuses = [
        client.get(get(query)).headers["Cache-Status"]
        for query in (
            SELECT, SELECT, "SELECT (NOW() AS ?t) {}", "SELECT (NOW() AS ?t) {}",
            # An escape the screen cannot read with certainty: not kept either.
            'SELECT ("\\u0022" AS ?x) {}', 'SELECT ("\\u0022" AS ?x) {}',
        )
    ]
    assert statuses == [
        "kg; fwd=miss; stored", "kg; hit", "kg; fwd=miss", "kg; fwd=miss", "kg; fwd=miss", "kg; fwd=miss"
    ]


@pytest.mark.parametrize("text", ["AS\u212a {}", "DESCR\u0130BE <http://e/>"])
def test_a_form_word_with_a_letter_beyond_ascii_is_a_syntax_error(
    make_app: Callable[..., Flask], text: str
) -> None:
    response = make_app().test_client().get(get(text), headers={"Accept": JSON})
    assert response.status_code == 400


def test_a_get_with_too_large_a_body_is_refused_either_way(two_ways: tuple[Client, Client]) -> None:
    body = b"x" * (1024 * 1024 + 1)
    headers = {"Accept": JSON, "Content-Type": "application/octet-stream"}
    assert [c.get(get("ASK {}"), headers=headers, data=body).status_code for c in two_ways] == [413, 413]


def werkzeug_args(query_string: str) -> list[tuple[str, str]]:
    environ = EnvironBuilder().get_environ()
    environ["QUERY_STRING"] = query_string
    return list(Request(environ).args.items(multi=True))


@pytest.mark.parametrize(
    "query_string",
    ["query=a+b%20c", "a=1&&b=&c", "=x&y=", "q=%E2%80%99", "x=%3D%25%2B=", "q=%C3", "q=%zz",
     "q=%", "q=\u00e9", "q=caf\u00c3\u00a9"],
)
def test_query_strings_read_as_werkzeug_reads_them(query_string: str) -> None:
    found = query_parameters(query_string)
    assert found is None or list(found.items(multi=True)) == werkzeug_args(query_string)


def test_a_stray_percent_or_bytes_beyond_utf8_go_to_werkzeug() -> None:
    assert [query_parameters(qs) for qs in ("q=%zz", "q=%C3", "q=%")] == [None, None, None]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=4),
    st.booleans(),
    st.lists(st.sampled_from(["%", "%2", "%zz", "&", "=", "+", "%FF", "%C3%A9"]), max_size=3),
)
def test_generated_query_strings(fields: list[tuple[str, str]], plus: bool, noise: list[str]) -> None:
    encoded = urllib.parse.urlencode(fields, quote_via=urllib.parse.quote_plus if plus else urllib.parse.quote)
    found = query_parameters(encoded)
    assert found is not None and list(found.items(multi=True)) == werkzeug_args(encoded)
    noisy = encoded + "".join(noise)
    found = query_parameters(noisy)
    assert found is None or list(found.items(multi=True)) == werkzeug_args(noisy)
