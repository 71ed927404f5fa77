"""A real `kg serve` process on a free loopback port, queried by real SPARQL clients."""

import concurrent.futures
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import GET, JSON, POST, POSTDIRECTLY, TURTLE, SPARQLWrapper

from kg.namespaces import ID, KGO
from kg.web.evaluation import PATIENCE_S

from web_sample import Shape

QUERY_TIMEOUT = 2.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNTRIES = "SELECT ?country WHERE { ?country a kgo:Country } ORDER BY ?country"


@dataclass(frozen=True)
class Served:
    endpoint: str
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="module")
def served(kg_data: Path, kg_serve, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("served") / "kg-serve.log"
    args = ["--data", str(kg_data), "--as-is", "--query-timeout", str(QUERY_TIMEOUT), "--workers", "3"]
    with kg_serve(args, log) as server:
        yield Served(server.url + "/sparql", server.process, log)


def _sparqlwrapper(served: Served, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(served.endpoint)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_json(served: Served, shape: Shape, method: str) -> None:
    client = _sparqlwrapper(served, method)
    client.setQuery("PREFIX kgo: <https://w3id.org/kg-mali/ontology#> " + COUNTRIES)
    client.setReturnFormat(JSON)
    results = client.queryAndConvert()
    countries = [row["country"]["value"] for row in results["results"]["bindings"]]
    assert countries == sorted(str(ID[f"country-{i}"]) for i in range(shape.countries))


def test_sparqlwrapper_post_directly(served: Served) -> None:
    client = _sparqlwrapper(served, POST)
    client.setRequestMethod(POSTDIRECTLY)
    client.setQuery("ASK { ?s a kgo:Country }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_turtle(served: Served, method: str) -> None:
    client = _sparqlwrapper(served, method)
    client.setQuery(f"DESCRIBE <{ID['country-3']}>")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert set(graph.objects(URIRef(ID["country-3"]), None)) >= {URIRef(KGO.Country)}
    assert len(graph) == 3


def test_sparqlwrapper_sees_a_query_error(served: Served) -> None:
    client = _sparqlwrapper(served, GET)
    client.setQuery("SELECT * WHERE { ?s ?p }")
    client.setReturnFormat(JSON)
    with pytest.raises(Exception, match="syntax error in query:1:25: "):
        client.queryAndConvert()


def test_rdflib_sparqlstore(served: Served, shape: Shape) -> None:
    graph = Graph(store=SPARQLStore(served.endpoint, returnFormat="xml"))
    rows = list(graph.query(COUNTRIES, initNs={"kgo": str(KGO)}))
    assert len(rows) == shape.countries
    country = URIRef(ID["country-1"])
    assert {
        str(o) for o in graph.objects(country, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    } == {"Pays 1", "Country 1"}


def _timed_get(endpoint: str, query: str) -> tuple[int, float, bytes]:
    url = f"{endpoint}?{urllib.parse.urlencode({'query': query})}"
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, time.monotonic() - started, body


def test_a_runaway_query_gets_503_while_others_wait_for_its_patience_at_most(served: Served) -> None:
    # Each HTTP process evaluates the simple query once (then replays it); on few cores that first
    # evaluation may wait its turn behind the runaway, for the runaway's patience at most.
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        runaway = pool.submit(_timed_get, served.endpoint, RUNAWAY)
        simple: list[tuple[int, float, bytes]] = []

        def keep_asking() -> None:
            while not runaway.done() and len(simple) < 2000:
                simple.append(_timed_get(served.endpoint, "ASK { ?s a kgo:Country }"))

        askers = [pool.submit(keep_asking) for _ in range(2)]
        status, elapsed, body = runaway.result(timeout=30)
        for asker in askers:
            asker.result(timeout=30)
    assert status == 503
    assert json.loads(body)["error"]["message"].startswith(
        f"the query ran longer than {QUERY_TIMEOUT:g} s"
    )
    assert QUERY_TIMEOUT <= elapsed < QUERY_TIMEOUT + 2
    assert len(simple) > 20 and all(s == 200 for s, _, _ in simple)
    assert max(t for _, t, _ in simple) < min(PATIENCE_S, QUERY_TIMEOUT / 4) + 0.5
    # After the runaway, the replaced query worker answers as before.
    assert _timed_get(served.endpoint, "ASK {}")[0] == 200


def test_one_query_at_a_time_yet_a_runaway_holds_the_others_back_for_its_patience_only(
    kg_data: Path, kg_serve, tmp_path: Path
) -> None:
    # One HTTP process evaluating one query at a time: queries never asked before (a fresh
    # comment each, so no replayed answer) wait behind the runaway until it has run for its
    # patience, then run beside it.
    timeout = 4.0
    args = ["--data", str(kg_data), "--as-is", "--query-timeout", str(timeout), "--workers", "1",
            "--threads", "4", "--simultaneous-queries", "1"]
    with kg_serve(args, tmp_path / "kg-serve.log") as server:
        endpoint = server.url + "/sparql"
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            runaway = pool.submit(_timed_get, endpoint, RUNAWAY)
            asked: list[tuple[int, float, bytes]] = []
            while not runaway.done() and len(asked) < 2000:
                asked.append(_timed_get(endpoint, f"ASK {{ ?s a kgo:Country }} # {len(asked)}"))
            status, elapsed, _ = runaway.result(timeout=30)
    assert status == 503 and timeout <= elapsed < timeout + 2
    assert len(asked) > 20 and all(s == 200 for s, _, _ in asked)
    assert max(t for _, t, _ in asked) < min(PATIENCE_S, timeout / 4) + 1.0


def test_one_log_line_per_request_with_status_and_time(served: Served) -> None:
    pattern = re.compile(
        r'^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}\] 127\.0\.0\.1 "GET (/\S*) HTTP/1\.1" '
        r"(\d{3}) (?:\d+|-) \d+\.\dms$"
    )

    def access_lines() -> list[str]:
        return [line for line in served.log.read_text().splitlines() if "] 127.0.0.1 " in line]

    before = len(access_lines())
    marker = f"marker{os.getpid()}x{time.monotonic_ns()}"
    _timed_get(served.endpoint, f"ASK {{ ?s a kgo:{marker} }}")
    _timed_get(served.endpoint, f"SELECT * WHERE {{ # {marker}")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(served.endpoint.replace("/sparql", f"/id/{marker}"), timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # workers write their lines independently: poll for them
        lines = access_lines()[before:]
        if len(lines) >= 3:
            break
        time.sleep(0.02)
    # Several workers share the log, so lines come in any order. The query string is not logged:
    # queries can be long, and are the client's business.
    assert sorted(m.groups() if (m := pattern.match(line)) else line for line in lines) == [
        (f"/id/{marker}", "404"),
        ("/sparql", "200"),
        ("/sparql", "400"),
    ]


def _get(
    endpoint: str, query: str, headers: dict[str, str]
) -> tuple[int, HTTPMessage, bytes]:
    url = f"{endpoint}?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # urllib takes a 304 for an error
        return error.code, error.headers, error.read()


def test_a_repeated_get_is_replayed_by_the_worker_that_kept_it(served: Served) -> None:
    # Unique text, so no earlier test's answer is kept; each of the 3 workers keeps its own.
    query = f"{COUNTRIES} # {os.getpid()}x{time.monotonic_ns()}"
    accept = {"Accept": "application/sparql-results+json"}
    answers = [_get(served.endpoint, query, accept) for _ in range(6)]
    assert [status for status, _, _ in answers] == [200] * 6
    assert len({body for _, _, body in answers}) == 1
    assert len(json.loads(answers[0][2])["results"]["bindings"]) == 20
    kept = [headers["Cache-Status"] for _, headers, _ in answers]
    assert kept[0] == "kg; fwd=miss; stored"
    # Six requests over three workers: some worker saw the query twice, and kept it once.
    assert set(kept) == {"kg; fwd=miss; stored", "kg; hit"}
    assert kept.count("kg; fwd=miss; stored") <= 3
    for _, headers, _ in answers:
        assert len(headers.get_all("Date")) == 1


def test_a_known_etag_gets_304_without_a_body(served: Served) -> None:
    query = f"{COUNTRIES} # {os.getpid()}x{time.monotonic_ns()}"
    status, headers, body = _get(served.endpoint, query, {})
    assert status == 200 and body
    etag = headers["ETag"]
    status, headers, body = _get(served.endpoint, query, {"If-None-Match": etag})
    assert (status, body, headers["ETag"]) == (304, b"", etag)


def test_a_get_query_of_60_kib_is_answered(served: Served) -> None:
    # gunicorn refused request lines over 8 KiB; granian takes URLs up to 64 KiB.
    query = "ASK { ?s ?p ?o } # " + "x" * 60 * 1024
    status, _, body = _timed_get(served.endpoint, query)
    assert (status, json.loads(body)) == (200, {"head": {}, "boolean": True})


def test_workers_stop_when_the_main_process_is_killed_outright(
    kg_data: Path, kg_serve, processes_end, tmp_path: Path
) -> None:
    args = ["--data", str(kg_data), "--as-is", "--workers", "2"]
    with kg_serve(args, tmp_path / "kg-serve.log") as server:
        # The main, two workers, a query worker each. Answering proves one worker up; the other
        # may still be starting its query worker, so wait for all five (bounded).
        deadline = time.monotonic() + 10
        while len(processes := server.processes()) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(processes) == 5
        server.process.kill()  # SIGKILL: the main cannot stop its workers
        server.process.wait(timeout=10)
        # Each worker notices within half a second and stops, and its query worker with it.
        processes_end(processes, limit=8)
