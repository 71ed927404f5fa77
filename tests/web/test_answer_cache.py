"""Repeated GET /sparql answers are replayed from a per-process cache, only those that may be."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kg.namespaces import GRAPH, ONTOLOGY_GRAPH
from kg.web.caching import AnswerCache, KeptAnswer, entry_size
from kg.screening import screen
from kg.web.query_worker import Answer, QueryJob
from kg.web.services import EXTENSION_KEY

from web_sample import Shape

SELECT = "SELECT ?s WHERE { ?s a kgo:Country } ORDER BY ?s LIMIT 3"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
MALFORMED = "SELECT * WHERE { ?s ?p }"
JSON_RESULTS = "application/sparql-results+json"
CSV = "text/csv; charset=utf-8"
HIT, STORED, MISSED = "kg; hit", "kg; fwd=miss; stored", "kg; fwd=miss"


def _kept(size: int) -> KeptAnswer:
    return KeptAnswer("200 OK", (("Content-Type", "text/plain"),), b"x" * size, None)


def _size(key: tuple[str, ...], answer: KeptAnswer) -> int:
    return entry_size(key, answer.headers, len(answer.body))


UNIT = _size(("k00",), _kept(50))  # one small answer, as the cache counts it


def test_the_least_recently_used_answers_make_room_by_bytes() -> None:
    cache = AnswerCache(16 * UNIT)  # an entry may take 2 units
    for i in range(16):
        assert cache.put((f"k{i:02d}",), _kept(50))
    assert (cache.size, len(cache)) == (16 * UNIT, 16)
    assert cache.get(("k00",)) == _kept(50)  # k00 is now the most recently used
    big = _kept(UNIT + 50)
    assert _size(("big",), big) == 2 * UNIT
    assert cache.put(("big",), big)
    # 2 units made room for: the two least recently used answers went, k00 stayed.
    assert (cache.size, len(cache)) == (16 * UNIT, 15)
    assert [i for i in range(16) if cache.get((f"k{i:02d}",)) is None] == [1, 2]
    assert cache.get(("big",)) == big


def test_an_entry_over_an_eighth_of_the_room_is_refused() -> None:
    cache = AnswerCache(16 * UNIT)
    assert cache.put(("too big",), _kept(2 * UNIT)) is False
    assert (cache.get(("too big",)), cache.size, len(cache)) == (None, 0, 0)
    assert cache.put(("k00",), _kept(50)) is True
    assert (cache.size, len(cache)) == (UNIT, 1)


def test_a_long_key_counts_like_a_long_body() -> None:
    # A 64 KiB query whose answer is a few bytes is not a few bytes to keep.
    long_key = ("http", "host", "", "query=" + "x" * 65_536, "*/*")
    assert _size(long_key, _kept(2)) > 65_536
    cache = AnswerCache(8 * 65_536)
    assert cache.put(long_key, _kept(2)) is False


@dataclass(frozen=True)
class Counted:
    """A test client, and the text of every query its app's evaluator was asked to evaluate."""

    client: FlaskClient
    evaluated: list[str]


@pytest.fixture
def counted(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Counted]:
    def build(**settings: object) -> Counted:
        app = make_app(**settings)
        evaluator = app.extensions[EXTENSION_KEY].evaluator
        real = evaluator.evaluate
        evaluated: list[str] = []

        def spy(job: QueryJob) -> Answer:
            evaluated.append(job.text)
            return real(job)

        monkeypatch.setattr(evaluator, "evaluate", spy)
        return Counted(app.test_client(), evaluated)

    return build


def _get(client: FlaskClient, query: str, **headers: str) -> TestResponse:
    return client.get("/sparql", query_string={"query": query}, headers=headers)


def _headers_but_date_and_status(response: TestResponse) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, value in response.headers.items()
        if name not in ("Date", "Cache-Status")
    ]


def test_a_repeated_get_is_replayed_without_evaluation(counted: Callable[..., Counted]) -> None:
    served = counted()
    first, second = _get(served.client, SELECT), _get(served.client, SELECT)
    assert (first.status_code, first.headers["Cache-Status"]) == (200, STORED)
    assert (second.status_code, second.headers["Cache-Status"]) == (200, HIT)
    assert second.get_data() == first.get_data()
    assert len(first.get_json()["results"]["bindings"]) == 3
    assert _headers_but_date_and_status(second) == _headers_but_date_and_status(first)
    assert "Date" in second.headers  # a replay states its own date
    assert served.evaluated == [SELECT]


@pytest.mark.parametrize(
    "asks", [{"Cache-Control": "no-cache"}, {"Cache-Control": "max-age=0"}, {"Pragma": "no-cache"}]
)
def test_a_client_asking_for_a_fresh_answer_gets_one_that_is_then_kept(
    counted: Callable[..., Counted], asks: dict[str, str]
) -> None:
    served = counted()
    statuses = [
        _get(served.client, SELECT).headers["Cache-Status"],
        _get(served.client, SELECT, **asks).headers["Cache-Status"],
        _get(served.client, SELECT).headers["Cache-Status"],
    ]
    assert statuses == [STORED, "kg; fwd=request; stored", HIT]
    assert served.evaluated == [SELECT, SELECT]


def test_no_store_is_evaluated_and_not_kept(counted: Callable[..., Counted]) -> None:
    served = counted()
    asked = _get(served.client, SELECT, **{"Cache-Control": "no-store"})
    after = _get(served.client, SELECT)
    assert (asked.status_code, asked.headers["Cache-Status"]) == (200, "kg; fwd=request")
    assert after.headers["Cache-Status"] == STORED
    assert served.evaluated == [SELECT, SELECT]


def test_each_accepted_format_is_kept_apart(counted: Callable[..., Counted]) -> None:
    served = counted()
    answers = [
        _get(served.client, SELECT, Accept=accept)
        for accept in (JSON_RESULTS, "text/csv", JSON_RESULTS, "text/csv")
    ]
    assert [(a.status_code, a.content_type, a.headers["Cache-Status"]) for a in answers] == [
        (200, JSON_RESULTS, STORED),
        (200, CSV, STORED),
        (200, JSON_RESULTS, HIT),
        (200, CSV, HIT),
    ]
    assert answers[1].get_data(as_text=True).splitlines()[0] == "s"
    assert (answers[2].get_data(), answers[3].get_data()) == (
        answers[0].get_data(),
        answers[1].get_data(),
    )
    assert served.evaluated == [SELECT, SELECT]


@pytest.mark.parametrize(
    "query", ["SELECT (NOW() AS ?t) {}", "SELECT (RAND() AS ?r) {}"], ids=["now", "rand"]
)
def test_an_answer_that_changes_each_time_is_never_kept(
    counted: Callable[..., Counted], query: str
) -> None:
    served = counted()
    answers = [_get(served.client, query) for _ in range(2)]
    assert [(a.status_code, a.headers["Cache-Status"]) for a in answers] == [(200, MISSED)] * 2
    assert served.evaluated == [query, query]


def test_an_error_is_never_kept(counted: Callable[..., Counted]) -> None:
    served = counted()
    answers = [_get(served.client, MALFORMED) for _ in range(2)]
    assert [(a.status_code, a.headers["Cache-Status"]) for a in answers] == [(400, MISSED)] * 2
    assert answers[0].get_json()["error"]["message"].startswith("syntax error in query:1:")
    assert served.evaluated == [MALFORMED, MALFORMED]


def test_a_matching_etag_gets_304_from_a_kept_answer(counted: Callable[..., Counted]) -> None:
    served = counted()
    etag = _get(served.client, SELECT).headers["ETag"]
    again = _get(served.client, SELECT, **{"If-None-Match": etag})
    assert (again.status_code, again.headers["Cache-Status"]) == (304, HIT)
    assert (again.get_data(), again.headers["ETag"]) == (b"", etag)
    assert (again.headers["Vary"], again.headers["Cache-Control"]) == (
        "Accept, Accept-Encoding",
        "no-cache",
    )
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" not in again.headers
    assert served.evaluated == [SELECT]


def test_a_matching_etag_gets_304_from_an_evaluation(counted: Callable[..., Counted]) -> None:
    etag = _get(counted().client, SELECT).headers["ETag"]
    fresh = counted()  # another process's cache: this one holds nothing yet
    answer = _get(fresh.client, SELECT, **{"If-None-Match": etag})
    assert (answer.status_code, answer.headers["Cache-Status"]) == (304, MISSED)
    assert (answer.get_data(), answer.headers["ETag"]) == (b"", etag)
    assert fresh.evaluated == [SELECT]
    # The 304 was not kept in the answer's place: the next plain GET is evaluated and kept.
    later = _get(fresh.client, SELECT)
    assert (later.status_code, later.headers["Cache-Status"]) == (200, STORED)
    assert later.headers["ETag"] == etag


def test_another_etag_gets_the_whole_answer(counted: Callable[..., Counted]) -> None:
    served = counted()
    stale = {"If-None-Match": '"0000000000000000000000000000000000000000"'}
    miss, hit = _get(served.client, SELECT, **stale), _get(served.client, SELECT, **stale)
    assert [(a.status_code, a.headers["Cache-Status"]) for a in (miss, hit)] == [
        (200, STORED),
        (200, HIT),
    ]
    assert hit.get_data() == miss.get_data() != b""
    assert served.evaluated == [SELECT]


@pytest.mark.parametrize("body", ["urlencoded", "sparql-query"])
def test_posts_are_always_evaluated(counted: Callable[..., Counted], body: str) -> None:
    served = counted()

    def post() -> TestResponse:
        if body == "urlencoded":
            return served.client.post("/sparql", data={"query": SELECT})
        return served.client.post("/sparql", data=SELECT, content_type="application/sparql-query")

    answers = [post(), post()]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_data() == answers[1].get_data()
    assert [a.headers.get("Cache-Status") for a in answers] == [None, None]
    assert served.evaluated == [SELECT, SELECT]


def test_head_is_evaluated_and_never_replayed(counted: Callable[..., Counted]) -> None:
    served = counted()
    assert _get(served.client, SELECT).headers["Cache-Status"] == STORED
    head = served.client.head("/sparql", query_string={"query": SELECT})
    assert (head.status_code, head.get_data(), head.headers.get("Cache-Status")) == (200, b"", None)
    assert served.evaluated == [SELECT, SELECT]


def test_a_truncated_answer_is_replayed_with_its_flags(counted: Callable[..., Counted]) -> None:
    served = counted(max_rows=1)
    first, second = _get(served.client, SELECT), _get(served.client, SELECT)
    assert [a.headers["Cache-Status"] for a in (first, second)] == [STORED, HIT]
    for answer in (first, second):
        assert (answer.headers["X-KG-Truncated"], answer.headers["X-KG-Max-Rows"]) == ("true", "1")
        assert answer.get_json()["head"]["link"] == ["http://localhost/sparql#results-truncated"]
        assert len(answer.get_json()["results"]["bindings"]) == 1
    assert served.evaluated == [SELECT]


def test_another_host_gets_its_own_answer(counted: Callable[..., Counted]) -> None:
    """A cut answer links to the description of the server it came from, so the host is keyed."""
    served = counted(max_rows=1)
    here = _get(served.client, SELECT)
    there = served.client.get(
        "/sparql", query_string={"query": SELECT}, base_url="http://mirror.example"
    )
    assert [a.headers["Cache-Status"] for a in (here, there)] == [STORED, STORED]
    assert there.get_json()["head"]["link"] == ["http://mirror.example/sparql#results-truncated"]
    assert served.evaluated == [SELECT, SELECT]


def test_a_cache_of_no_bytes_is_no_cache(counted: Callable[..., Counted]) -> None:
    served = counted(answer_cache_bytes=0)
    answers = [_get(served.client, SELECT) for _ in range(2)]
    assert [(a.status_code, a.headers.get("Cache-Status")) for a in answers] == [(200, None)] * 2
    assert served.evaluated == [SELECT, SELECT]


def test_the_dataset_parameters_are_keyed(counted: Callable[..., Counted], shape: Shape) -> None:
    served = counted()

    def count(graph: str) -> tuple[int, str]:
        answer = served.client.get(
            "/sparql", query_string={"query": COUNT, "default-graph-uri": graph}
        )
        assert answer.status_code == 200
        n = int(answer.get_json()["results"]["bindings"][0]["n"]["value"])
        return n, answer.headers["Cache-Status"]

    inferred, ontology = str(GRAPH["inferred"]), str(ONTOLOGY_GRAPH)
    assert [count(inferred), count(ontology), count(inferred), count(ontology)] == [
        (shape.agreements, STORED),
        (shape.ontology, STORED),
        (shape.agreements, HIT),
        (shape.ontology, HIT),
    ]
    assert served.evaluated == [COUNT, COUNT]


@pytest.mark.parametrize(
    ("text", "repeatable"),
    [
        ("SELECT (NOW() AS ?t) {}", False),
        ("SELECT (rand() AS ?r) {}", False),
        ("SELECT (UUID() AS ?u) {}", False),
        ("SELECT (STRUUID() AS ?u) {}", False),
        ("SELECT ?t { BIND(now () AS ?t) }", False),
        ("SELECT ?now WHERE { ?now ?p ?o }", True),
        # Compact comparisons: `<2&&RAND()>` could be an IRI, but not after an operand.
        ('SELECT ?x { BIND(1 AS ?a) BIND(IF(?a<2&&RAND()>0.5,"h","t") AS ?x) }', False),
        ("SELECT * { ?s ?p ?d FILTER(?d<NOW()&&?d>0) }", False),
        # A call spelled in a string or a comment is no call.
        ('SELECT * { ?s ?p "NOW()" }', True),
        ("SELECT * { ?s ?p ?o } # NOW()", True),
        ('SELECT * { ?s ?p "now" }', True),
        ("PREFIX ex: <http://e/> SELECT * { ?s ex:rand ?o }", True),
        ("PREFIX ex: <http://e/> SELECT * { ?s ?p ?o FILTER(ex:rand(?o)) }", True),
        ("SELECT * { <http://e/NOW> ?p ?o }", True),
        ("SELECT * { ?s ?p ?o }", True),
    ],
)
def test_screen_tells_whether_an_answer_repeats(text: str, repeatable: bool) -> None:
    assert screen(text).is_repeatable is repeatable


@pytest.mark.parametrize(
    ("text", "nesting"),
    [
        ("SELECT * { ?s ?p ?o }", 1),
        ("SELECT * { ?s ?p ?o FILTER((?o > 1)) }", 3),
        ('SELECT * { ?s ?p "((((" }', 1),
        ("SELECT * { ?s ?p <http://e/(((> }", 1),
        ("SELECT (" + "(" * 1500 + "1" + ")" * 1500 + " AS ?x) {}", 1501),
    ],
)
def test_screen_measures_how_deep_brackets_nest(text: str, nesting: int) -> None:
    assert screen(text).nesting == nesting


def test_a_query_nested_too_deeply_is_refused_before_evaluation(
    counted: Callable[..., Counted],
) -> None:
    served = counted()
    query = "SELECT (" + "(" * 1200 + "1" + ")" * 1200 + " AS ?x) {}"
    response = served.client.post("/sparql", data={"query": query})
    assert (response.status_code, response.get_json()["error"]["message"]) == (
        400,
        "the query nests brackets 1201 deep; this endpoint takes at most 1000",
    )
    assert served.evaluated == []
    deep_enough = "SELECT (" + "(" * 998 + "1" + ")" * 998 + " AS ?x) {}"
    assert served.client.post("/sparql", data={"query": deep_enough}).status_code == 200


def test_stored_is_said_only_of_what_is_kept(make_app: Callable[..., Flask]) -> None:
    # Room for an entry of 4 KiB at most: the body fits, body and a long query string do not.
    client = make_app(answer_cache_bytes=32 * 1024).test_client()
    short = _get(client, SELECT)
    long = _get(client, SELECT + " #" + "x" * 3000)
    assert (short.headers["Cache-Status"], long.headers["Cache-Status"]) == (STORED, MISSED)
    assert _get(client, SELECT + " #" + "x" * 3000).headers["Cache-Status"] == MISSED
