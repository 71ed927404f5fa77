"""The endpoint's bounds: time, memory, rows; and a query worker that cannot reach the network."""

import csv
import io
import json
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask
from flask.testing import FlaskClient

from kg.errors import NetworkRefused
from kg.sandbox import SECCOMP, SandboxUnavailable
from kg.web import query_worker
from sandboxes import SANDBOXES, Listener, available
from kg.web.negotiation import ResultKind
from kg.web.query_worker import QueryJob, QueryWorker, Refusal
from kg.web.services import EXTENSION_KEY

from web_sample import Shape

# A four-way cross product counted: about 6e10 rows, constant memory; runs for hours.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# Sorting a three-way cross product materializes ~1.5e8 rows: gigabytes within a second or two.
GREEDY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g LIMIT 1"
SIMPLE = "ASK { ?s a kgo:Country }"


def test_a_runaway_query_is_stopped_with_503_and_the_worker_replaced(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(query_timeout=1).test_client()
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": RUNAWAY})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_json()["error"]["message"].startswith("the query ran longer than 1 s")
    assert 1 <= elapsed < 3
    after = client.get("/sparql", query_string={"query": SIMPLE})
    assert (after.status_code, after.get_json()) == (200, {"head": {}, "boolean": True})


def test_a_query_cannot_take_the_machines_memory(make_app: Callable[..., Flask]) -> None:
    client = make_app(query_timeout=30, query_memory_bytes=128 * 2**20).test_client()
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": GREEDY})
    assert response.status_code == 503
    assert response.get_json()["error"]["message"].startswith("the query needed more than 128 MiB")
    assert time.monotonic() - started < 20  # stopped by the memory cap, not the clock
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200


@pytest.mark.parametrize(
    ("accept", "rows_in"),
    [
        (
            "application/sparql-results+json",
            lambda body: len(json.loads(body)["results"]["bindings"]),
        ),
        ("text/csv", lambda body: len(list(csv.reader(io.StringIO(body.decode())))) - 1),
        ("text/tab-separated-values", lambda body: len(body.decode().splitlines()) - 1),
        (
            "text/turtle",
            lambda body: len(list(pyoxigraph.parse(body, pyoxigraph.RdfFormat.TURTLE))),
        ),
    ],
)
def test_results_past_max_rows_are_cut_and_flagged(
    make_app: Callable[..., Flask], accept: str, rows_in: Callable[[bytes], int]
) -> None:
    client = make_app(max_rows=5).test_client()
    query = (
        "CONSTRUCT WHERE { ?s a kgo:Country }"
        if accept == "text/turtle"
        else "SELECT ?s WHERE { ?s a kgo:Country }"
    )
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert (response.headers["X-KG-Truncated"], response.headers["X-KG-Max-Rows"]) == ("true", "5")
    assert rows_in(response.get_data()) == 5


def test_truncation_is_visible_inside_the_results(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_rows=5).test_client()
    query = {"query": "SELECT ?s WHERE { ?s a kgo:Country }"}
    head = client.get("/sparql", query_string=query).get_json()["head"]
    assert head == {"vars": ["s"], "link": ["http://localhost/sparql#results-truncated"]}
    xml = client.get(
        "/sparql", query_string=query, headers={"Accept": "application/sparql-results+xml"}
    )
    assert b'<link href="http://localhost/sparql#results-truncated"/>' in xml.get_data()
    turtle = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s a kgo:Country }"})
    assert turtle.get_data().startswith(b"# Truncated: only the first 5 triples")
    # The service description says what the link means.
    description = client.get("/sparql", headers={"Accept": "application/n-triples"}).get_data(
        as_text=True
    )
    assert (
        "<http://localhost/sparql#results-truncated> <http://www.w3.org/2000/01/rdf-schema#comment>"
        in description
    )


def test_results_within_max_rows_are_not_flagged(
    make_app: Callable[..., Flask], shape: Shape
) -> None:
    client = make_app(max_rows=shape.countries).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s a kgo:Country }"})
    assert "X-KG-Truncated" not in response.headers
    assert response.get_json()["head"] == {"vars": ["s"]}
    assert len(response.get_json()["results"]["bindings"]) == shape.countries


@pytest.mark.parametrize("mechanism", SANDBOXES)
def test_a_service_call_the_screen_missed_is_stopped_by_the_workers_sandbox(
    mechanism: str, listener: Listener
) -> None:
    """Handed straight to a worker, past any screen: the sandbox alone stops it, and says so."""
    in_force = available(mechanism)
    worker = QueryWorker.fork(pyoxigraph.Store(), 256 * 2**20, mechanism)
    try:
        assert worker.sandbox == in_force
        job = QueryJob(
            text=f"SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}",
            formats={kind: "json" for kind in ResultKind},
            max_rows=10,
        )
        worker.hand(job)
        assert worker.reply(10) == Refusal("network", NetworkRefused.MESSAGE)
    finally:
        worker.stop()
    assert listener.paths == []


def test_a_sandbox_refused_in_the_worker_means_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(mechanism: str) -> str:
        raise SandboxUnavailable(f"sandbox {mechanism} cannot be applied here: a test says so")

    monkeypatch.setattr(query_worker, "apply", refuse)  # the forked child inherits it
    with pytest.raises(OSError, match="sandbox seccomp cannot be applied here: a test says so"):
        QueryWorker.fork(pyoxigraph.Store(), 256 * 2**20, SECCOMP)


def test_a_worker_killed_while_idle_is_replaced_unnoticed(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200
    # This app's own query workers only: other children of the test process (a `kg serve` of
    # another test) are not ours to kill.
    workers = [worker.pid for worker in app.extensions[EXTENSION_KEY].evaluator._live]
    assert workers, "the query ran in a forked worker"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # reaped here, as a real outside kill would leave it for its parent
    response = client.get("/sparql", query_string={"query": SIMPLE})
    assert (response.status_code, response.get_json()) == (200, {"head": {}, "boolean": True})


@pytest.mark.parametrize(
    ("sig", "status", "message"),
    [
        (
            signal.SIGTERM,
            503,
            "the query worker was stopped from outside (SIGTERM) while evaluating this query; "
            "retry, and report the query if it happens again",
        ),
        (
            signal.SIGKILL,
            503,
            "the query worker was stopped from outside (SIGKILL) while evaluating this query; "
            "retry, and report the query if it happens again",
        ),
        (
            signal.SIGSEGV,
            400,
            "the query crashed the query engine (SIGSEGV): it is too long or too deeply built "
            "for it; split or simplify it",
        ),
    ],
)
def test_a_worker_that_dies_mid_query_says_what_happened(
    make_app: Callable[..., Flask], sig: int, status: int, message: str
) -> None:
    app = make_app(query_timeout=30)
    client = app.test_client()
    evaluator = app.extensions[EXTENSION_KEY].evaluator
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.get, "/sparql", query_string={"query": RUNAWAY})
        deadline = time.monotonic() + 5
        while not evaluator._live and time.monotonic() < deadline:
            time.sleep(0.01)  # until the request has forked its worker
        (worker,) = evaluator._live
        started = _cpu_ticks(worker.pid)
        while _cpu_ticks(worker.pid) < started + 10 and time.monotonic() < deadline:
            time.sleep(0.01)  # until it has spent 0.1 s of CPU on the query
        os.kill(worker.pid, sig)  # not SIGABRT: not out of memory, whatever else it was
        response = pending.result(timeout=10)
    assert (response.status_code, response.get_json()) == (
        status,
        {"error": {"status": status, "message": message}},
    )
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (an orphan's reaper may be slow or absent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _orphan_a_busy_worker(store: pyoxigraph.Store) -> int:
    """Fork a stand-in HTTP process that hands its worker RUNAWAY and dies; the worker's pid."""
    read_end, write_end = os.pipe()
    stand_in = os.fork()
    if stand_in == 0:  # never returns
        code = 1
        try:
            os.close(read_end)
            worker = QueryWorker.fork(store, 256 * 2**20)
            idle = _cpu_ticks(worker.pid)
            worker.hand(QueryJob(RUNAWAY, {kind: "json" for kind in ResultKind}, max_rows=10))
            deadline = time.monotonic() + 5
            while _cpu_ticks(worker.pid) < idle + 10 and time.monotonic() < deadline:
                time.sleep(0.01)  # until it has spent 0.1 s of CPU on the query
            if _cpu_ticks(worker.pid) >= idle + 10:
                os.write(write_end, str(worker.pid).encode())
                code = 0
        finally:
            os._exit(code)  # without stopping the worker, as a killed server would
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        written = reader.read()
    assert os.waitpid(stand_in, 0)[1] == 0, "the stand-in HTTP process saw its worker evaluate"
    return int(written)


def test_a_query_worker_ends_soon_after_its_http_process_dies_even_mid_query() -> None:
    store = pyoxigraph.Store()
    p = pyoxigraph.NamedNode("http://e/p")
    store.extend(
        pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://e/s{i}"), p, pyoxigraph.Literal(i))
        for i in range(300)
    )  # RUNAWAY counts 300**4 = 8e9 rows: far longer than this test waits
    worker = _orphan_a_busy_worker(store)
    try:
        deadline = time.monotonic() + 5
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.02)  # polling: it checks for its parent every 0.25 s
        assert not _running(worker), f"query worker {worker} outlived its HTTP process"
    finally:
        if _running(worker):
            os.kill(worker, signal.SIGKILL)


def test_each_query_worker_draws_its_own_random_numbers() -> None:
    store = pyoxigraph.Store()
    pyoxigraph.BlankNode()  # seeds this thread's random state, which a fork would copy
    formats = {kind: "json" for kind in ResultKind}
    job = QueryJob("SELECT (STRUUID() AS ?u) (RAND() AS ?r) {}", formats, max_rows=1)
    workers = [QueryWorker.fork(store, 256 * 2**20) for _ in range(3)]
    try:
        answers = []
        for worker in workers:
            worker.hand(job)
            answers.append(worker.reply(10).body)
    finally:
        for worker in workers:
            worker.stop()
    assert len(set(answers)) == 3, answers


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            # A flat chain: no bracket nests, yet the engine's recursion overflows its stack.
            "SELECT (1" + "+1" * 100_000 + " AS ?x) {}",
            "the query crashed the query engine (SIGSEGV): it is too long or too deeply built "
            "for it; split or simplify it",
        ),
        (
            # Issue 10: the depth hid behind a `<` once read as an IRI; it crashed the worker.
            "SELECT ?s { ?s ?p ?o FILTER(?o<" + "(" * 200_000 + "1" + ")" * 200_000 + "&&?s>0) }",
            "the query nests brackets 200002 deep; this endpoint takes at most 1000",
        ),
    ],
    ids=["flat-chain", "depth-behind-a-comparison"],
)
def test_a_query_too_big_for_the_engine_is_a_400_and_the_next_is_served(
    client: FlaskClient, query: str, message: str
) -> None:
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": {"status": 400, "message": message}},
    )
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200
