"""An answer in JSON or N-Triples is pyoxigraph's own text when it fits the row limit, and its
first rows otherwise."""

import itertools
import json

import pyoxigraph
import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryResultsFormat, QuerySolutions

from kg.query_forms import ResultKind
from kg.web import query_worker
from kg.web.query_worker import Answer, QueryJob
from kg.web.results import whole_answer, writes_whole

P = NamedNode("http://example.org/p")
ROWS = "SELECT ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o"
TRIPLES = "CONSTRUCT WHERE { ?s <http://example.org/p> ?o }"


def store_of(values: list[str]) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    for n, value in enumerate(values):
        store.add(Quad(NamedNode(f"http://example.org/s{n}"), P, Literal(value)))
    return store


def bound(body: bytes) -> list[str]:
    return [row["o"]["value"] for row in json.loads(body)["results"]["bindings"]]


def test_an_answer_within_the_limit_is_pyoxigraphs_text() -> None:
    store = store_of(["a", "b", "c"])
    body = whole_answer(store.query(ROWS), "json", max_rows=3, max_bytes=2**20)
    assert body == store.query(ROWS).serialize(format=QueryResultsFormat.JSON)
    assert bound(body) == ["a", "b", "c"]


def test_braces_in_the_values_do_not_pass_for_rows() -> None:
    # Twelve braces in two rows: more than the limit of three, yet two rows.
    store = store_of(["{{{{", "}{{{"])
    body = whole_answer(store.query(ROWS), "json", max_rows=3, max_bytes=2**20)
    assert isinstance(body, bytes)
    assert bound(body) == ["{{{{", "}{{{"]


def test_an_answer_past_the_limit_gives_its_solutions_back_in_order() -> None:
    store = store_of(["a", "b", "c", "d"])
    solutions = whole_answer(store.query(ROWS), "json", max_rows=3, max_bytes=2**20)
    assert isinstance(solutions, QuerySolutions)
    assert [v.value for v in solutions.variables] == ["o"]
    assert [row["o"].value for row in solutions] == ["a", "b", "c", "d"]


def test_an_answer_past_the_size_gives_nothing() -> None:
    store = store_of(["x" * 1000, "y" * 1000])
    assert whole_answer(store.query(ROWS), "json", max_rows=10, max_bytes=1500) is None


@pytest.mark.parametrize("max_bytes", [1500, 2**20])
def test_the_worker_cuts_an_answer_too_long_or_too_many_rows_at_the_limit(
    monkeypatch: pytest.MonkeyPatch, max_bytes: int
) -> None:
    # Too long (1,500 bytes): evaluated again and written row by row; too many rows: read back.
    monkeypatch.setattr(query_worker, "_whole_bytes", lambda max_rows: max_bytes)
    store = store_of(["x" * 1000, "y" * 1000, "z" * 1000])
    formats = {kind: "json" for kind in ResultKind}
    job = QueryJob(ROWS, formats, max_rows=2, truncation_link="http://e/sparql#cut")
    answer = query_worker._answer(store, job)
    assert isinstance(answer, Answer)
    assert answer.truncated
    assert json.loads(answer.body)["head"] == {"vars": ["o"], "link": ["http://e/sparql#cut"]}
    assert bound(answer.body) == ["x" * 1000, "y" * 1000]


def test_the_worker_sends_a_whole_answer_as_pyoxigraph_wrote_it() -> None:
    store = store_of(["a", "b"])
    formats = {kind: "json" for kind in ResultKind}
    answer = query_worker._answer(store, QueryJob(ROWS, formats, max_rows=2))
    assert answer == Answer(
        ResultKind.SOLUTIONS, "json", store.query(ROWS).serialize(format=QueryResultsFormat.JSON),
        False,
    )


def test_a_graph_within_the_limit_is_pyoxigraphs_n_triples() -> None:
    # Each value holds a line break: escaped in N-Triples, so no more lines than triples.
    store = store_of(["a\nb", "c\n\nd"])
    body = whole_answer(store.query(TRIPLES), "ntriples", max_rows=2, max_bytes=2**20)
    assert body == store.query(TRIPLES).serialize(format=pyoxigraph.RdfFormat.N_TRIPLES)


def test_a_graph_past_the_limit_gives_its_triples_back() -> None:
    store = store_of(["a", "b", "c"])
    triples = whole_answer(store.query(TRIPLES), "ntriples", max_rows=2, max_bytes=2**20)
    assert not isinstance(triples, bytes) and triples is not None
    assert list(triples) == list(store.query(TRIPLES))


def test_other_formats_are_written_here() -> None:
    store = store_of(["a"])
    assert writes_whole(store.query(ROWS), "json")
    assert writes_whole(store.query(TRIPLES), "ntriples")
    assert not writes_whole(store.query(ROWS), "xml")
    assert not writes_whole(store.query(TRIPLES), "turtle")


@pytest.mark.parametrize("max_bytes", [100, 2**20])
def test_the_worker_cuts_a_graph_too_long_or_too_large_at_the_limit(
    monkeypatch: pytest.MonkeyPatch, max_bytes: int
) -> None:
    monkeypatch.setattr(query_worker, "_whole_bytes", lambda max_rows: max_bytes)
    store = store_of(["a", "b", "c"])
    formats = {kind: "ntriples" for kind in ResultKind}
    answer = query_worker._answer(store, QueryJob(TRIPLES, formats, max_rows=2))
    assert isinstance(answer, Answer)
    assert answer.truncated
    lines = answer.body.decode().splitlines()
    assert lines[0] == "# Truncated: only the first 2 triples (the endpoint's row limit)."
    assert len(lines) == 3


def counting_query(store: pyoxigraph.Store, text: str, calls: list[int]) -> object:
    """`text` with <urn:count>(?o) true for every value, counting each evaluation of it."""

    def count(term: object) -> Literal:
        calls.append(1)
        return Literal(True)

    return store.query(text, custom_functions={NamedNode("urn:count"): count})


@pytest.mark.parametrize(
    ("text", "format_name"),
    [
        ("SELECT ?o WHERE { ?s <http://example.org/p> ?o FILTER(<urn:count>(?o)) }", "json"),
        ("CONSTRUCT { ?s <http://example.org/p> ?o } WHERE { ?s <http://example.org/p> ?o FILTER(<urn:count>(?o)) }", "ntriples"),
    ],
)
def test_the_writer_stops_soon_after_the_row_limit(text: str, format_name: str) -> None:
    # The rows past the limit are never sent: evaluating them (here 5,000 of them, well within the
    # size cap) would spend the query's time on nothing. pyoxigraph's writer pulls rows ahead of
    # what it has handed over, 8 KiB of them: about 200 of these rows of 40 to 55 bytes.
    store = store_of([str(n) for n in range(5000)])
    calls: list[int] = []
    rows = whole_answer(counting_query(store, text, calls), format_name, max_rows=10, max_bytes=2**20)
    assert rows is not None and not isinstance(rows, bytes)
    assert len(list(itertools.islice(rows, 11))) == 11
    assert len(calls) < 300


def test_values_that_look_like_row_ends_still_give_the_first_rows() -> None:
    # Each value holds "},{", what ends a row in pyoxigraph's JSON: the writer stops early, the
    # text holds fewer rows than it seemed to, and the rows come from evaluating again.
    store = store_of([f"{n:02}" + "},{" * 5 for n in range(30)])
    formats = {kind: "json" for kind in ResultKind}
    answer = query_worker._answer(store, QueryJob(ROWS, formats, max_rows=3))
    assert isinstance(answer, Answer)
    assert answer.truncated
    assert bound(answer.body) == [f"{n:02}" + "},{" * 5 for n in range(3)]
