"""Faults a real `kg serve` survives: a query worker or an HTTP process killed, a SIGTERM mid-query.

Also its health endpoints, answered by the real server (granian, several HTTP processes).
"""

import concurrent.futures
import json
import os
import signal
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from clients import http_get
from processes import child_pids, cpu_seconds

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SIMPLE = "ASK { ?s ?p ?o }"
# CPU seconds a query worker has spent once it is surely evaluating the runaway query.
BUSY_CPU = 0.3


def _query_url(base: str, query: str) -> str:
    return base + "/sparql?" + urllib.parse.urlencode({"query": query})


def _http_processes(server) -> set[int]:
    return child_pids(server.process.pid)


def _until(condition, limit: float = 15, what: str = "the condition"):
    """Poll `condition` until it returns something true (bounded), and return that."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.02)  # polling a process table: there is nothing to wait on
    raise AssertionError(f"{what} did not happen within {limit} s")


def _busy_query_worker(server) -> int:
    def busy() -> int | None:
        for http in _http_processes(server):
            for worker in child_pids(http):
                try:
                    if cpu_seconds(worker) > BUSY_CPU:
                        return worker
                except OSError:
                    continue
        return None

    return _until(busy, what="a query worker evaluating the runaway query")


@pytest.fixture
def server(kg_data: Path, kg_serve, tmp_path: Path) -> Iterator:
    args = ["--data", str(kg_data), "--as-is", "--query-timeout", "20", "--workers", "2"]
    with kg_serve(args, tmp_path / "kg-serve.log", ready_path="/readyz") as running:
        yield running


def test_health_endpoints_of_a_running_server(server) -> None:
    assert http_get(server.url + "/healthz") == (200, b"ok\n")
    assert http_get(server.url + "/readyz") == (200, b"ready\n")
    _, before = http_get(server.url + "/status")
    for _ in range(10):
        assert http_get(server.url + "/healthz")[0] == 200
    status, after = http_get(server.url + "/status")
    counted = json.loads(after)["requests"]
    # Counted by every HTTP process into one shared table: the first /status and ten /healthz.
    assert counted["scope"] == "all HTTP processes"
    assert counted["by_status"]["200"] - json.loads(before)["requests"]["by_status"]["200"] == 11
    assert json.loads(after)["sandbox"] in {"netns+seccomp", "netns", "seccomp"}


def test_a_query_worker_killed_mid_query_fails_that_query_only(server) -> None:
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        runaway = pool.submit(http_get, _query_url(server.url, RUNAWAY))
        worker = _busy_query_worker(server)
        others = [pool.submit(http_get, _query_url(server.url, SIMPLE)) for _ in range(8)]
        os.kill(worker, signal.SIGKILL)
        status, body = runaway.result(timeout=30)
        others += [pool.submit(http_get, _query_url(server.url, SIMPLE)) for _ in range(8)]
        answers = [future.result(timeout=30) for future in others]
    assert (status, json.loads(body)["error"]["message"]) == (
        503,
        "the query worker was stopped from outside (SIGKILL) while evaluating this query; "
        "retry, and report the query if it happens again",
    )
    assert answers == [(200, b'{"head": {}, "boolean": true}')] * 16
    assert http_get(server.url + "/readyz") == (200, b"ready\n")


def test_an_http_process_killed_is_replaced(server) -> None:
    before = _until(lambda: len(p := _http_processes(server)) == 2 and p, what="two HTTP processes")
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    after = _until(
        lambda: len(p := _http_processes(server)) == 2 and victim not in p and p,
        what="a replacement HTTP process",
    )
    assert len(after - before) == 1
    answers = [http_get(_query_url(server.url, SIMPLE)) for _ in range(10)]
    assert answers == [(200, b'{"head": {}, "boolean": true}')] * 10


def test_sigterm_lets_the_query_in_flight_finish(kg_data: Path, kg_serve, tmp_path: Path) -> None:
    # The query is stopped at the 2 s limit: it gets that complete answer, not a reset connection.
    args = ["--data", str(kg_data), "--as-is", "--query-timeout", "2", "--workers", "1"]
    with kg_serve(args, tmp_path / "kg-serve.log", ready_path="/readyz") as running:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            in_flight = pool.submit(http_get, _query_url(running.url, RUNAWAY))
            _busy_query_worker(running)
            running.process.send_signal(signal.SIGTERM)
            status, body = in_flight.result(timeout=30)
        assert running.process.wait(timeout=15) == 0
    assert (status, json.loads(body)["error"]["message"]) == (
        503,
        "the query ran longer than 2 s, the endpoint's limit, and was stopped; narrow it down "
        "(more specific patterns, LIMIT) and retry",
    )
